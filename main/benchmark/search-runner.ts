import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { SearchSpecSchema, type BenchmarkDataset, type SearchSpec } from '../../common/contract-benchmark';
import { presetConfig } from '../../common/presets';
import type { RunConfig } from '../../common/run-config';
import { ATTACKS, type AttackCorpus } from '../data/attacks/index';
import type { JobService, RunStatusEvent } from '../jobs/job-service';
import type { CreateRunInput, SearchRecord, Store } from '../store/index';
import { gridPoints, selectSurvivors, type SearchPoint } from './search';
import { MATRIX_STOPPING } from './matrix';
import { datasetResolver } from './sources';
import { currentChoice, isTrialActive, referenceState, scoredTrials, searchRungs, trialOutcome } from './search-detail';

/**
 * Runs DeCE hyperparameter searches as ordinary 'benchmark' runs through the job service: one CE
 * reference on the same poisoned data, and a DeCE run per point (grid) or per point and rung (successive
 * halving). Every run evaluates on the validation split (`evaluateOn: 'valid'`), never the test set.
 * Training stops on evidence, as in the Pilot and the matrix: the CE reference decides (MATRIX_STOPPING, the
 * preset's epochs as the bound) and every trial follows it — it stops at the epoch where CE stopped, or at
 * its rung's epochs if those come first — so each point is judged after the same training as CE.
 *
 * The store is the source of truth: `advance` reads where a search stands and takes the next step
 * (launch what is pending, record finished trials, open the next rung, or settle the search). It runs
 * whenever the job service announces a status change of one of a running search's runs (the same
 * `onRunStatus` events the matrix runner follows), and once per running search at start-up (`resume`).
 * It is idempotent: a second pass, or a second process, changes nothing.
 */

export interface SearchRunnerOptions {
  store: Store;
  jobs: JobService;
  /** A search changed in a way the UI shows (started, next rung, settled). */
  changed?: (projectId: number) => void;
  /** Problems that cannot be reported to a caller (default: stderr). */
  log?: (message: string) => void;
}

/** Where a search's runs read their data from. */
export interface SearchSource {
  corpus: RunConfig['data']['corpus'];
  datasetId: number | null;
}

export const searchTag = (searchId: number): string => `search:${searchId}`;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The corpus for a builtin dataset at the preset's size, or an imported dataset's stored files (with a validation file). */
export function searchSource(store: Store, projectId: number, dataset: BenchmarkDataset, attack: SearchSpec['attack'], size: SearchSpec['size']): SearchSource {
  if (dataset.kind !== 'import') {
    const corpusKind: AttackCorpus = dataset.kind === 'builtin-java' ? 'java' : 'sql';
    if (!ATTACKS[attack].corpora.includes(corpusKind)) {
      throw new InvalidInputError(`The ${ATTACKS[attack].label} attack cannot poison the ${dataset.kind} corpus (it applies to ${ATTACKS[attack].corpora.join(', ')})`);
    }
    const preset = presetConfig(size, 'dece').data.corpus;
    const corpusSize = preset.kind === 'builtin-sql' || preset.kind === 'builtin-java' ? preset.size : 2000;
    return { corpus: { kind: dataset.kind, size: corpusSize }, datasetId: null };
  }
  const source = datasetResolver(store, projectId, size)(dataset);
  if (source.corpus.kind !== 'files' || source.corpus.valid === undefined) {
    throw new InvalidInputError(`Dataset ${dataset.datasetId} has no validation file: a search evaluates on validation data only, never on the test set`);
  }
  return { corpus: source.corpus, datasetId: source.datasetId };
}

/**
 * The preset's run with the spec's data, evaluated on the validation split, for CE or one DeCE point. The CE
 * reference stops on evidence; a trial has no rule of its own, because it follows the reference.
 */
export function searchRunConfig(spec: SearchSpec, source: SearchSource, point: SearchPoint | null, epochs?: number): RunConfig {
  const preset = presetConfig(spec.size, point === null ? 'ce' : 'dece');
  return {
    ...preset,
    seed: spec.seed,
    data: { ...preset.data, corpus: source.corpus, attack: { kind: spec.attack }, poisonRate: spec.rate, evaluateOn: 'valid' },
    training: { ...preset.training, epochs: epochs ?? preset.training.epochs, ...(point === null ? { stopping: MATRIX_STOPPING } : {}) },
    loss: { ...preset.loss, ...(point ?? {}) },
  };
}

const pointOf = (t: SearchPoint): SearchPoint => ({ labelSmoothing: t.labelSmoothing, alphaBase: t.alphaBase });

interface SettledWaiter {
  resolve: (search: SearchRecord) => void;
  reject: (error: Error) => void;
}

export class SearchRunner {
  private readonly store: Store;
  private readonly jobs: JobService;
  private readonly unsubscribe: () => void;
  /** Callers of `settled`, by search, until the search stops running. */
  private readonly settledWaiters = new Map<number, SettledWaiter[]>();

  constructor(private readonly options: SearchRunnerOptions) {
    this.store = options.store;
    this.jobs = options.jobs;
    this.unsubscribe = this.jobs.onRunStatus((event) => {
      this.onRunStatus(event);
    });
  }

  /** Records the search, then queues the CE reference and the first rung. Throws a domain error on a spec that cannot run. */
  start(projectId: number, input: SearchSpec, actor: string): SearchRecord {
    const spec = SearchSpecSchema.parse(input);
    const stage = this.store.stages.get(projectId, 'benchmark');
    if (!stage) throw new NotFoundError(`Project ${projectId} does not exist`);
    if (stage.status === 'locked') throw new ConflictError('The Benchmark stage is locked; pass the Pilot stage first');
    // Checked before anything is stored: a dataset or attack that cannot run fails here, not in every run.
    searchSource(this.store, projectId, spec.dataset, spec.attack, spec.size);
    const [first] = searchRungs(spec);
    if (!first) throw new InvalidInputError('The grid has no point');
    const search = this.store.searches.create({ projectId, name: spec.name, spec, points: gridPoints(spec.grid), epochs: first.epochs, actor });
    this.advance(search.id, actor);
    this.options.changed?.(projectId);
    return this.store.searches.get(search.id) ?? search;
  }

  /** Start-up: continues every search a previous process left running; returns their ids. */
  resume(): number[] {
    const running = this.store.searches.listRunning();
    for (const search of running) this.advance(search.id);
    this.resolveSettledWaiters();
    return running.map((s) => s.id);
  }

  /** Stops the search, then every queued or running run of it; finished trials are kept. */
  async cancel(searchId: number, actor: string): Promise<SearchRecord> {
    const search = this.store.searches.cancel(searchId, actor);
    await this.cancelRuns(searchId, actor);
    this.syncTrials(searchId);
    this.resolveSettledWaiters();
    this.options.changed?.(search.projectId);
    return this.store.searches.get(searchId) ?? search;
  }

  /**
   * Resolves once the search is no longer running (for the CLI and tests). Checked again on every run status
   * event of this job service, so no polling; rejects if the search does not exist or the runner stops first.
   */
  settled(searchId: number): Promise<SearchRecord> {
    const search = this.store.searches.get(searchId);
    if (!search) return Promise.reject(new Error(`search ${searchId} does not exist`));
    if (search.status !== 'running') return Promise.resolve(search);
    return new Promise((resolve, reject) => {
      const waiters = this.settledWaiters.get(searchId) ?? [];
      waiters.push({ resolve, reject });
      this.settledWaiters.set(searchId, waiters);
    });
  }

  /** Stops listening to the job service; pending `settled` calls reject. */
  stop(): void {
    this.unsubscribe();
    const waiting = [...this.settledWaiters.entries()];
    this.settledWaiters.clear();
    for (const [searchId, waiters] of waiting) {
      for (const waiter of waiters) waiter.reject(new Error(`search runner stopped before search ${searchId} settled`));
    }
  }

  /** A run changed status: the running searches it belongs to (as CE reference or trial) take their next step. */
  private onRunStatus(event: RunStatusEvent): void {
    try {
      if (!this.store.isOpen) return;
      for (const searchId of this.store.searches.runningSearchIdsOfRun(event.runId)) this.advance(searchId);
      // Also after a search was settled elsewhere (a cancel), whose runs' events lead here too.
      this.resolveSettledWaiters();
    } catch (error) {
      this.log(`search runner: ${message(error)}`);
    }
  }

  /** Hands every waited-for search that is no longer running to its `settled` callers. */
  private resolveSettledWaiters(): void {
    for (const [searchId, waiters] of this.settledWaiters) {
      const search = this.store.searches.get(searchId);
      if (search?.status === 'running') continue;
      this.settledWaiters.delete(searchId);
      for (const waiter of waiters) {
        if (search) waiter.resolve(search);
        else waiter.reject(new Error(`search ${searchId} does not exist`));
      }
    }
  }

  /** Takes whatever step the search is ready for; does nothing when it is waiting on runs. */
  private advance(searchId: number, actor = 'system'): void {
    const initial = this.store.searches.get(searchId);
    if (initial?.status !== 'running') return;
    const parsed = SearchSpecSchema.safeParse(initial.spec);
    if (!parsed.success) {
      this.failSearch(initial, 'its stored spec no longer matches the search schema');
      return;
    }
    const spec = parsed.data;
    try {
      this.launchPending(initial, spec, actor);
    } catch (error) {
      this.failSearch(initial, `its runs could not be started: ${message(error)}`);
      return;
    }
    this.syncTrials(searchId);
    const search = this.store.searches.get(searchId) ?? initial;
    const reference = referenceState(this.store, search, spec);
    if (reference.status === 'failed' || reference.status === 'cancelled' || reference.status === 'missing') {
      this.failSearch(search, `the CE reference run${reference.runId === null ? '' : ` #${reference.runId}`} ${reference.status === 'missing' ? 'no longer exists' : `was ${reference.status}`}, so the BLEU constraint cannot be judged`);
      return;
    }
    const records = this.store.searches.trials(searchId);
    const current = Math.max(...records.map((t) => t.rung));
    const ofRung = records.filter((t) => t.rung === current);
    if (ofRung.some((t) => isTrialActive(t.status)) || reference.status !== 'finished') return;

    const rungs = searchRungs(spec);
    const scored = scoredTrials(this.store, ofRung);
    if (scored.length === 0) {
      this.failSearch(search, `every trial of rung ${current} failed or was cancelled`);
      return;
    }
    const rung = rungs[current];
    const next = rungs[current + 1];
    const objective = reference.objectiveAt(rung?.epochs ?? 0);
    if (!rung || !next || !objective) {
      const choice = currentChoice(reference, scoredTrials(this.store, records));
      this.store.searches.finish(searchId, choice?.chosen ?? null, choice?.reason ?? 'No trial finished.');
      this.options.changed?.(search.projectId);
      return;
    }
    const survivors = selectSurvivors(scored, rung.keep, objective).map(pointOf);
    if (this.store.searches.addRung(searchId, current + 1, next.epochs, survivors).length > 0) {
      this.advance(searchId);
      this.options.changed?.(search.projectId);
    }
  }

  /** Creates and queues the runs of whatever is not launched yet: the CE reference first (queues are FIFO). */
  private launchPending(search: SearchRecord, spec: SearchSpec, actor: string): void {
    const pending = this.store.searches.trials(search.id).filter((t) => t.status === 'pending');
    if (search.referenceRunId !== null && pending.length === 0) return;
    const source = searchSource(this.store, search.projectId, spec.dataset, spec.attack, spec.size);
    const runInput = (name: string, config: RunConfig, leaderRunId: number | null): CreateRunInput => ({
      projectId: search.projectId,
      stage: 'benchmark',
      name,
      config,
      lossKind: config.loss.kind,
      backend: config.backend,
      datasetId: source.datasetId,
      leaderRunId,
      tags: [searchTag(search.id)],
      actor,
    });
    let referenceRunId = search.referenceRunId;
    if (referenceRunId === null) {
      const run = this.store.searches.launchReference(search.id, runInput(`Search ${search.id} · CE reference`, searchRunConfig(spec, source, null), null));
      if (run) this.enqueue(run.id);
      referenceRunId = this.store.searches.get(search.id)?.referenceRunId ?? null;
    }
    // A reference that no longer exists leaves nothing to follow; advance() then fails the search.
    const leader = referenceRunId !== null && this.store.runs.get(referenceRunId) ? referenceRunId : null;
    for (const trial of pending) {
      const rungLabel = spec.method === 'halving' ? ` · rung ${trial.rung}` : '';
      const name = `Search ${search.id} · DeCE ε ${trial.labelSmoothing} · α base ${trial.alphaBase}${rungLabel} · ≤ ${trial.epochs} ep`;
      const run = this.store.searches.launchTrial(trial.id, runInput(name, searchRunConfig(spec, source, pointOf(trial), trial.epochs), leader));
      if (run) this.enqueue(run.id);
    }
  }

  /** The run is stored as queued whatever happens here: a job service that is closing picks it up at the next start. */
  private enqueue(runId: number): void {
    try {
      this.jobs.enqueue(runId);
    } catch (error) {
      this.log(`search runner: run ${runId} stays queued for the next start: ${message(error)}`);
    }
  }

  /** Copies each launched trial's run status (and final validation metrics) into the trial. */
  private syncTrials(searchId: number): void {
    for (const trial of this.store.searches.trials(searchId)) {
      if (trial.runId === null) continue;
      const outcome = trialOutcome(this.store, trial);
      if (outcome.status === trial.status && outcome.bleu === trial.bleu && outcome.asr === trial.asr) continue;
      this.store.searches.updateTrial(trial.id, outcome);
    }
  }

  private failSearch(search: SearchRecord, reason: string): void {
    try {
      this.store.searches.fail(search.id, reason);
    } catch (error) {
      this.log(`search ${search.id}: could not record its failure (${reason}): ${message(error)}`);
      return;
    }
    this.options.changed?.(search.projectId);
    void this.cancelRuns(search.id, 'system').then(() => {
      this.syncTrials(search.id);
    }).catch((error: unknown) => {
      this.log(`search ${search.id}: ${message(error)}`);
    });
  }

  private async cancelRuns(searchId: number, actor: string): Promise<void> {
    const search = this.store.searches.get(searchId);
    const runIds = [search?.referenceRunId ?? null, ...this.store.searches.trials(searchId).map((t) => t.runId)].filter((id): id is number => id !== null);
    for (const runId of runIds) {
      const run = this.store.runs.get(runId);
      if (run?.status !== 'queued' && run?.status !== 'running') continue;
      try {
        await this.jobs.cancel(runId, actor);
      } catch {
        // Settled meanwhile: its stored status stands.
      }
    }
  }

  private log(line: string): void {
    if (this.options.log) this.options.log(line);
    else process.stderr.write(`${line}\n`);
  }
}
