import { latestCheckpoint } from '../engine/checkpoint-format';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ConflictError, CorruptRecordError, InvalidInputError, NotFoundError } from '../domain/errors';
import { BenchmarkSpecSchema, type BenchmarkPlan, type BenchmarkSpec } from '../../common/contract-benchmark';
import { RunConfigSchema, type RunConfig } from '../../common/run-config';
import { codeVersionTag, ENGINE_VERSION } from '../engine/version';
import { JobCancelledError } from '../jobs/worker-host';
import type { JobService, RunStatusEvent } from '../jobs/job-service';
import { pretrainCacheFile, pretrainKey } from '../jobs/pretrain-cache';
import type { Estimate, Estimator } from '../jobs/estimate';
import { canonicalJson } from '../domain/canonical-json';
import type { BenchmarkCellRecord, BenchmarkRecord, Store } from '../store/index';
import { dataGroupKey, expandMatrix, interleaveByData, isDefenseArm, type DefenseArm, type DefenseCell, type MatrixCell, type MatrixExpansion, type TrainingCell } from './matrix';
import { datasetResolver } from './sources';
import { cacheDir, runDir } from '../files/data-folder';

/**
 * Runs benchmark matrices through the job service. Training cells are ordinary 'benchmark' runs (tagged
 * benchmark:<id> and code:<engine version>); a passive defense runs as a job of the job service on its CE
 * run's model once that run has finished.
 *
 * The store is the source of truth: `advance` reads where a matrix stands and takes the next step (reuse
 * or launch pending cells, start defenses whose CE model is ready, copy run statuses into cells, settle
 * the matrix). It runs whenever one of the matrix's runs changes status (the job service tells us), on
 * start, resume, extend and at start-up, and is idempotent: a second pass changes nothing.
 */

export interface BenchmarkRunnerOptions {
  store: Store;
  jobs: JobService;
  dataDir: string;
  /** A matrix changed in a way the UI shows. */
  changed?: (projectId: number) => void;
  /** Problems that cannot be reported to a caller (default: stderr). */
  log?: (message: string) => void;
  /** Worker processes on the remote queue training goes to now; null (the default) when it trains on this machine. */
  connectedWorkers?: () => Promise<number | null>;
}

export const benchmarkTag = (benchmarkId: number): string => `benchmark:${benchmarkId}`;
const defenseJobKey = (cellId: number): string => `benchmark-cell-${cellId}`;
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const ACTIVE = new Set<string>(['pending', 'queued', 'running']);

/** Finished runs of a project that a new run with the same config may stand in for, by canonical config. */
function reusableRuns(store: Store, projectId: number): Map<string, number> {
  const byConfig = new Map<string, number>();
  for (const run of store.runs.list({ projectId, status: 'finished', tag: codeVersionTag() })) {
    const key = canonicalJson(run.config);
    if (!byConfig.has(key)) byConfig.set(key, run.id);
  }
  return byConfig;
}

/** The newest epoch checkpoint the engine left in a run's folder (it prunes the older ones). */
export function finalCheckpoint(dataDir: string, runId: number): string | null {
  return latestCheckpoint(runDir(dataDir, runId))?.path ?? null;
}

/** Estimated seconds of a defense job on a CE run of `ceSeconds` over `epochs` epochs. */
function defenseSeconds(arm: DefenseArm, ceSeconds: number, epochs: number): number {
  // ONION decodes the evaluation prompts about once (≈ half an epoch); early stopping only reads the CE run's
  // recorded epochs; the others train once more on (nearly) the same rows.
  if (arm === 'onion') return ceSeconds / (2 * epochs);
  if (arm === 'ce-early-stop') return 0;
  return ceSeconds;
}

/** The CE run's config as a defense job gets it: DeCE after KillBadCode trains with the matrix's DeCE parameters. */
function defenseConfig(arm: DefenseArm, ceConfig: RunConfig, spec: BenchmarkSpec): RunConfig {
  return arm === 'dece+killbadcode' ? { ...ceConfig, loss: { ...ceConfig.loss, kind: 'dece', ...spec.dece } } : ceConfig;
}

/** Whether a defense result on the same CE run stands for this matrix's: DeCE after KillBadCode also needs the same DeCE parameters. */
function sameDefenseSettings(arm: string, result: Readonly<Record<string, unknown>>, spec: BenchmarkSpec): boolean {
  if (arm !== 'dece+killbadcode') return true;
  return canonicalJson(result['deceParameters'] ?? null) === canonicalJson(spec.dece);
}

/** A run's estimate without the pre-training its group shares. */
const ownSeconds = (estimate: Estimate): number => estimate.seconds - (estimate.pretrainSeconds ?? 0);

function runName(benchmarkId: number, cell: TrainingCell): string {
  const data = cell.dataset === 'builtin-sql' ? '' : ` · ${cell.dataset}`;
  const rate = cell.arm === 'ce-clean' ? 'clean' : `${Number((cell.rate * 100).toFixed(3))}%`;
  return `Benchmark ${benchmarkId} · ${cell.arm} · ${cell.attack} ${rate}${data} · seed ${cell.seed}`;
}

export class BenchmarkRunner {
  private readonly store: Store;
  private readonly jobs: JobService;
  /** Defense cells whose job this process has handed to the job service. */
  private readonly defensesInFlight = new Set<number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: BenchmarkRunnerOptions) {
    this.store = options.store;
    this.jobs = options.jobs;
    this.unsubscribe = this.jobs.onRunStatus((event) => {
      this.onRunStatus(event);
    });
  }

  /** The spec's cells for a project; throws a domain error for a dataset that cannot be used. */
  expand(projectId: number, spec: BenchmarkSpec): MatrixExpansion {
    return expandMatrix(spec, datasetResolver(this.store, projectId, spec.size));
  }

  /** How many runs, what is reused, and how long it should take at the job service's concurrency. */
  async plan(projectId: number, input: BenchmarkSpec, estimator: Estimator): Promise<BenchmarkPlan> {
    const spec = BenchmarkSpecSchema.parse(input);
    const { cells, skipped } = this.expand(projectId, spec);
    const reusable = reusableRuns(this.store, projectId);
    const training = cells.filter((c): c is TrainingCell => c.kind === 'train');
    const reusedKeys = new Set(training.filter((c) => reusable.has(canonicalJson(c.config))).map((c) => c.key));
    const fresh = training.filter((c) => !reusedKeys.has(c.key));
    const byKey = new Map(training.map((c) => [c.key, c]));
    const defenses = cells.filter((c): c is DefenseCell => {
      if (c.kind !== 'defense') return false;
      const baseRun = byKey.get(c.baseKey);
      const runId = baseRun && reusable.get(canonicalJson(baseRun.config));
      return runId === undefined || this.store.benchmarks.findDefenseResult(runId, c.arm) === undefined;
    });

    // Work in seconds: each new run, its group's pre-training once, and the defenses on the CE models.
    // Pre-training and defenses always run here; the runs themselves run where training goes.
    let runWork = 0;
    let localWork = 0;
    let longestChain = 0;
    const pretrainPaid = new Set<string>();
    const runSeconds = new Map<string, number>();
    for (const cell of fresh) {
      const estimate = await estimator.estimate(cell.config);
      const pretrain = estimate.pretrainSeconds ?? 0;
      const own = ownSeconds(estimate);
      runSeconds.set(cell.key, own);
      const group = pretrainKey(cell.config);
      runWork += own;
      localWork += pretrainPaid.has(group) ? 0 : pretrain;
      pretrainPaid.add(group);
      longestChain = Math.max(longestChain, estimate.seconds);
    }
    for (const cell of defenses) {
      const base = byKey.get(cell.baseKey);
      if (!base) continue;
      // A reused CE run costs nothing, but the defense still runs on its model.
      const ceSeconds = runSeconds.get(base.key) ?? ownSeconds(await estimator.estimate(base.config));
      const seconds = defenseSeconds(cell.arm, ceSeconds, base.config.training.epochs);
      localWork += seconds;
      longestChain = Math.max(longestChain, ceSeconds + seconds);
    }
    // More workers than cores do not train faster.
    const localParallel = Math.max(1, Math.min(this.jobs.maxConcurrent, availableParallelism()));
    // On remote workers, runs train side by side on as many workers as serve the queue now (at least one,
    // whom the runs wait for), while this machine pre-trains and defends in parallel with them.
    const workers = (await this.options.connectedWorkers?.()) ?? null;
    const remoteParallel = workers === null ? null : Math.max(1, workers);
    const seconds =
      remoteParallel === null
        ? Math.max((runWork + localWork) / localParallel, longestChain)
        : Math.max(runWork / remoteParallel, localWork / localParallel, longestChain);
    return {
      cells: cells.length,
      newRuns: fresh.length,
      reusedRuns: reusedKeys.size,
      defenseJobs: defenses.length,
      poisonedDatasets: new Set(fresh.map((c) => dataGroupKey(c.config))).size,
      seconds: Math.round(seconds),
      concurrency: remoteParallel ?? this.jobs.maxConcurrent,
      concurrencyBasis: remoteParallel === null ? 'local-workers' : 'connected-workers',
      skipped,
    };
  }

  /** Records the matrix, then reuses or queues its runs. Throws a domain error on a spec that cannot run. */
  start(projectId: number, input: BenchmarkSpec, actor: string): BenchmarkRecord {
    const spec = BenchmarkSpecSchema.parse(input);
    const stage = this.store.stages.get(projectId, 'benchmark');
    if (!stage) throw new NotFoundError(`Project ${projectId} does not exist`);
    if (stage.status === 'locked') throw new ConflictError('The Benchmark stage is locked; pass the Pilot stage first');
    const { cells } = this.expand(projectId, spec);
    if (cells.length === 0) throw new InvalidInputError('No attack in the matrix applies to its datasets: nothing to run');
    const benchmark = this.store.benchmarks.create({ projectId, name: spec.name, spec, codeVersion: ENGINE_VERSION, cells, actor });
    this.advance(benchmark.id, actor);
    this.options.changed?.(projectId);
    return this.store.benchmarks.get(benchmark.id) ?? benchmark;
  }

  /** Cancels the matrix's queued and running work; finished cells stay. */
  async pause(benchmarkId: number, actor: string): Promise<BenchmarkRecord> {
    const current = this.requireBenchmark(benchmarkId);
    if (current.status !== 'running') throw new ConflictError(`Benchmark ${benchmarkId} is ${current.status}; only a running matrix can be paused`);
    const paused = this.store.benchmarks.pause(benchmarkId, actor);
    // All at once: cancelling a running run frees its slot, which must not go to a queued run of this matrix.
    const cancellations = this.store.benchmarks.cells(benchmarkId).flatMap((cell) => {
      if (!ACTIVE.has(cell.status)) return [];
      if (isDefenseArm(cell.arm)) {
        return [
          this.jobs.cancelDefense(defenseJobKey(cell.id)).then(() => {
            // A defense that finished before it noticed the pause keeps its outcome.
            const now = this.store.benchmarks.cells(benchmarkId).find((c) => c.id === cell.id);
            if (now?.status === 'queued' || now?.status === 'running') this.store.benchmarks.updateCell(cell.id, { status: 'cancelled' });
          }),
        ];
      }
      const run = cell.runId === null ? undefined : this.store.runs.get(cell.runId);
      if (run?.status !== 'queued' && run?.status !== 'running') return [];
      // A run that settled meanwhile keeps its stored status.
      return [this.jobs.cancel(run.id, actor).catch(() => undefined)];
    });
    await Promise.all(cancellations);
    this.advance(benchmarkId);
    this.options.changed?.(paused.projectId);
    return this.store.benchmarks.get(benchmarkId) ?? paused;
  }

  /** Schedules every cell that is not finished: cancelled and failed runs continue from their last epoch. */
  resume(benchmarkId: number, actor: string): BenchmarkRecord {
    const current = this.requireBenchmark(benchmarkId);
    if (current.status !== 'running') this.store.benchmarks.resume(benchmarkId, actor);
    this.reopenCells(benchmarkId, actor);
    this.advance(benchmarkId, actor);
    this.options.changed?.(current.projectId);
    return this.store.benchmarks.get(benchmarkId) ?? current;
  }

  /** Adds seeds to the matrix and schedules their cells (a paused or finished matrix resumes with them). */
  extend(benchmarkId: number, seeds: readonly number[], actor: string): BenchmarkRecord {
    const current = this.requireBenchmark(benchmarkId);
    const spec = this.specOf(current);
    const added = [...new Set(seeds)].filter((s) => !spec.seeds.includes(s));
    if (added.length === 0) throw new InvalidInputError(`Benchmark ${benchmarkId} already has seeds ${seeds.join(', ')}`);
    const widened = BenchmarkSpecSchema.safeParse({ ...spec, seeds: [...spec.seeds, ...added] });
    if (!widened.success) throw new InvalidInputError(`The matrix cannot take these seeds: ${widened.error.issues.map((i) => i.message).join('; ')}`);
    const { cells } = this.expand(current.projectId, { ...spec, seeds: added });
    this.store.benchmarks.extend(benchmarkId, { spec: widened.data, cells, seeds: added, actor });
    this.reopenCells(benchmarkId, actor);
    this.advance(benchmarkId, actor);
    this.options.changed?.(current.projectId);
    return this.store.benchmarks.get(benchmarkId) ?? current;
  }

  /**
   * Start-up, after jobs.resumeUnfinished(): continues every matrix a previous process left running.
   * Finished runs are never touched; interrupted ones continue from their checkpoints. Returns the ids.
   */
  resumeAll(): number[] {
    const running = this.store.benchmarks.listRunning();
    const active = new Set(this.jobs.active());
    for (const benchmark of running) {
      for (const cell of this.store.benchmarks.cells(benchmark.id)) {
        const run = cell.runId === null || isDefenseArm(cell.arm) ? undefined : this.store.runs.get(cell.runId);
        if (!run || active.has(run.id)) continue;
        try {
          // What resumeUnfinished does, for a caller that did not call it: enqueue is a no-op for a run it holds.
          if (run.status === 'running') this.store.runs.requeue(run.id, { actor: 'system' });
          if (run.status === 'running' || run.status === 'queued') this.jobs.enqueue(run.id, { resume: true });
        } catch (error) {
          this.log(`benchmark ${benchmark.id}: run ${run.id} stays as it is: ${message(error)}`);
        }
      }
      this.advance(benchmark.id);
    }
    return running.map((b) => b.id);
  }

  /** Stops listening to the job service. */
  stop(): void {
    this.unsubscribe();
  }

  /**
   * One idempotent pass over a matrix: cells follow their runs; a running matrix reuses or launches its
   * pending training cells and the defenses whose CE model is ready, and settles once nothing is left.
   */
  advance(benchmarkId: number, actor = 'system'): void {
    if (!this.store.isOpen) return;
    const benchmark = this.store.benchmarks.get(benchmarkId);
    if (!benchmark) return;
    let changed = this.syncTrainingCells(this.store.benchmarks.cells(benchmarkId));
    if (benchmark.status === 'running') {
      changed = this.launch(benchmark, actor) || changed;
      const cells = this.store.benchmarks.cells(benchmarkId);
      if (!cells.some((c) => ACTIVE.has(c.status))) {
        this.store.benchmarks.finish(benchmarkId);
        changed = true;
      }
    }
    if (changed) this.options.changed?.(benchmark.projectId);
  }

  private onRunStatus(event: RunStatusEvent): void {
    try {
      if (!this.store.isOpen) return;
      const cells = this.store.benchmarks.cellsOfRun(event.runId).filter((c) => !isDefenseArm(c.arm));
      for (const benchmarkId of new Set(cells.map((c) => c.benchmarkId))) {
        // Queued and running only change the cell; a settled run may unlock defenses or settle the matrix.
        if (event.status === 'queued' || event.status === 'running') {
          if (this.syncTrainingCells(cells.filter((c) => c.benchmarkId === benchmarkId))) this.options.changed?.(event.projectId);
        } else {
          this.advance(benchmarkId);
        }
      }
    } catch (error) {
      this.log(`benchmark runner: ${message(error)}`);
    }
  }

  /** Copies each training cell's run status (and error) into the cell; true when something changed. */
  private syncTrainingCells(cells: readonly BenchmarkCellRecord[]): boolean {
    let changed = false;
    for (const cell of cells) {
      // Only cells with a run follow one (a cell whose run could not be created keeps its failure).
      if (isDefenseArm(cell.arm) || cell.runId === null) continue;
      const run = this.store.runs.get(cell.runId);
      if (!run) continue;
      const error = run.status === 'failed' ? `${run.error?.name ?? 'Error'}: ${run.error?.message ?? 'the run failed'}` : null;
      if (run.status === cell.status && error === cell.error) continue;
      this.store.benchmarks.updateCell(cell.id, { status: run.status, error });
      changed = true;
    }
    return changed;
  }

  private launch(benchmark: BenchmarkRecord, actor: string): boolean {
    const stored = this.store.benchmarks.cells(benchmark.id);
    const waiting = stored.filter((c) => c.status === 'pending' || (isDefenseArm(c.arm) && ACTIVE.has(c.status) && !this.defensesInFlight.has(c.id)));
    if (waiting.length === 0) return false;
    let expansion: Map<string, MatrixCell>;
    try {
      expansion = new Map(this.expand(benchmark.projectId, this.specOf(benchmark)).cells.map((c) => [c.key, c]));
    } catch (error) {
      // E.g. an imported dataset's files were removed: every cell that still needs them fails and says why.
      for (const cell of waiting) this.store.benchmarks.updateCell(cell.id, { status: 'failed', error: message(error) });
      return true;
    }
    let changed = false;
    const reusable = reusableRuns(this.store, benchmark.projectId);
    const pendingTraining = waiting.flatMap((cell) => {
      const planned = expansion.get(cell.key);
      return planned?.kind === 'train' ? [{ cell, config: planned.config, planned }] : [];
    });
    for (const { cell, config, planned } of interleaveByData(pendingTraining)) {
      changed = this.launchTraining(benchmark, cell, planned, config, reusable, actor) || changed;
    }
    const byKey = new Map(this.store.benchmarks.cells(benchmark.id).map((c) => [c.key, c]));
    for (const cell of waiting) {
      const planned = expansion.get(cell.key);
      if (planned?.kind !== 'defense') continue;
      changed = this.scheduleDefense(benchmark, cell, byKey.get(planned.baseKey)) || changed;
    }
    return changed;
  }

  private launchTraining(benchmark: BenchmarkRecord, cell: BenchmarkCellRecord, planned: TrainingCell, config: RunConfig, reusable: Map<string, number>, actor: string): boolean {
    // The CE run this one follows: launched (or reused) before it, since CE comes first in its data group.
    const leaderRunId = planned.leaderKey === null ? null : (this.store.benchmarks.cells(benchmark.id).find((c) => c.key === planned.leaderKey)?.runId ?? null);
    const reuse = reusable.get(canonicalJson(config));
    // A follower is reused only with the same leader: it stopped where that run stopped.
    if (reuse !== undefined && (planned.leaderKey === null || this.store.runs.leaderOf(reuse) === leaderRunId)) {
      this.store.benchmarks.updateCell(cell.id, { status: 'finished', runId: reuse, reused: true });
      return true;
    }
    try {
      const run = this.store.benchmarks.launchCell(cell.id, {
        projectId: benchmark.projectId,
        stage: 'benchmark',
        name: runName(benchmark.id, planned),
        config,
        lossKind: config.loss.kind,
        backend: config.backend,
        datasetId: planned.datasetId,
        leaderRunId,
        tags: [benchmarkTag(benchmark.id), codeVersionTag()],
        actor,
      });
      if (!run) return false;
      this.enqueue(run.id);
      return true;
    } catch (error) {
      this.store.benchmarks.updateCell(cell.id, { status: 'failed', error: `the run could not be created: ${message(error)}` });
      return true;
    }
  }

  /** The run is stored as queued whatever happens here: a job service that is closing picks it up at the next start. */
  private enqueue(runId: number): void {
    try {
      this.jobs.enqueue(runId);
    } catch (error) {
      this.log(`benchmark runner: run ${runId} stays queued for the next start: ${message(error)}`);
    }
  }

  /** Starts (or reuses) a passive defense once its CE cell has finished; follows the CE cell otherwise. */
  private scheduleDefense(benchmark: BenchmarkRecord, cell: BenchmarkCellRecord, base: BenchmarkCellRecord | undefined): boolean {
    const update = (status: BenchmarkCellRecord['status'], more: { error?: string; runId?: number | null } = {}) => {
      this.store.benchmarks.updateCell(cell.id, { status, ...more });
      return true;
    };
    if (!base) return update('failed', { error: 'the matrix has no CE cell for this defense' });
    if (base.status === 'failed') return update('failed', { error: `the CE run${base.runId === null ? '' : ` #${base.runId}`} failed, so there is no model to defend` });
    if (base.status === 'cancelled') return update('cancelled');
    if (base.status !== 'finished' || base.runId === null) return cell.status === 'pending' ? false : update('pending');
    const ceRunId = base.runId;
    const earlier = this.store.benchmarks.findDefenseResult(ceRunId, cell.arm);
    if (earlier && earlier.id !== cell.id && earlier.result && sameDefenseSettings(cell.arm, earlier.result, this.specOf(benchmark))) {
      this.store.benchmarks.updateCell(cell.id, { status: 'finished', runId: ceRunId, reused: true, result: earlier.result });
      return true;
    }
    const run = this.store.runs.get(ceRunId);
    const config = RunConfigSchema.safeParse(run?.config);
    const model = finalCheckpoint(this.options.dataDir, ceRunId);
    if (!config.success) return update('failed', { error: `CE run #${ceRunId} has no valid config`, runId: ceRunId });
    if (model === null) return update('failed', { error: `the model of CE run #${ceRunId} is missing from ${runDir(this.options.dataDir, ceRunId)}`, runId: ceRunId });
    const weights = pretrainCacheFile(cacheDir(this.options.dataDir), config.data);
    const arm = cell.arm;
    if (!isDefenseArm(arm)) return update('failed', { error: `'${arm}' is not a defense`, runId: ceRunId });
    this.store.benchmarks.updateCell(cell.id, { status: 'queued', runId: ceRunId, reused: false });
    this.defensesInFlight.add(cell.id);
    const settle = (apply: () => void) => {
      this.defensesInFlight.delete(cell.id);
      if (!this.store.isOpen) return;
      try {
        apply();
        this.advance(benchmark.id);
      } catch (error) {
        this.log(`benchmark ${benchmark.id}: ${message(error)}`);
      }
    };
    this.jobs
      .runDefense({
        key: defenseJobKey(cell.id),
        config: defenseConfig(arm, config.data, this.specOf(benchmark)),
        defense: arm,
        poisonedModelFile: model,
        ...(existsSync(weights) ? { initialWeightsFile: weights } : {}),
        onStart: () => {
          if (this.store.isOpen) this.store.benchmarks.updateCell(cell.id, { status: 'running' });
          this.options.changed?.(benchmark.projectId);
        },
      })
      .then(
        (outcome) => {
          settle(() => this.store.benchmarks.updateCell(cell.id, { status: 'finished', result: { ...outcome } }));
        },
        (error: unknown) => {
          // Cancelled by a pause (which records it) or by closing (the next start resumes it): nothing to store,
          // and nothing to advance — advancing would schedule the defense again, and a closed job service
          // rejects at once, which would spin without end and starve the process's timers and I/O.
          if (error instanceof JobCancelledError) {
            this.defensesInFlight.delete(cell.id);
            return;
          }
          settle(() => this.store.benchmarks.updateCell(cell.id, { status: 'failed', error: message(error) }));
        },
      );
    return true;
  }

  /** Failed and cancelled cells back to work: runs are requeued to continue from their last epoch. */
  private reopenCells(benchmarkId: number, actor: string): void {
    for (const cell of this.store.benchmarks.cells(benchmarkId)) {
      if (cell.status !== 'failed' && cell.status !== 'cancelled') continue;
      const run = cell.runId === null || isDefenseArm(cell.arm) ? undefined : this.store.runs.get(cell.runId);
      if (run && (run.status === 'failed' || run.status === 'cancelled')) {
        this.store.runs.requeue(run.id, { actor });
        this.store.benchmarks.updateCell(cell.id, { status: 'queued' });
        try {
          this.jobs.enqueue(run.id, { resume: true });
        } catch (error) {
          this.log(`benchmark ${benchmarkId}: run ${run.id} stays queued for the next start: ${message(error)}`);
        }
      } else if (!run || isDefenseArm(cell.arm)) {
        // A defense (or a cell that never got its run) starts over from pending.
        this.store.benchmarks.updateCell(cell.id, { status: 'pending', ...(isDefenseArm(cell.arm) ? {} : { runId: null }) });
      }
    }
  }

  private specOf(benchmark: BenchmarkRecord): BenchmarkSpec {
    const parsed = BenchmarkSpecSchema.safeParse(benchmark.spec);
    if (!parsed.success) throw new CorruptRecordError(`Benchmark ${benchmark.id}: its stored spec no longer matches the benchmark schema`);
    return parsed.data;
  }

  private requireBenchmark(benchmarkId: number): BenchmarkRecord {
    const benchmark = this.store.benchmarks.get(benchmarkId);
    if (!benchmark) throw new NotFoundError(`Benchmark ${benchmarkId} does not exist`);
    return benchmark;
  }

  private log(line: string): void {
    if (this.options.log) this.options.log(line);
    else process.stderr.write(`${line}\n`);
  }
}
