import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SearchDetail, SearchSpec } from '../../common/contract-benchmark';
import { presetConfig } from '../../common/presets';
import { RunConfigSchema } from '../../common/run-config';
import { halvingPlan } from '../../main/benchmark/search';
import type { JobService } from '../../main/jobs/job-service';
import { validatedCaller, type Caller as Call } from '../../main/services/caller';
import { createServices } from '../../main/services/index';
import { resumeSearches, searchRunnerFor } from '../../main/services/search';
import { searchSource } from '../../main/benchmark/search-runner';
import { MATRIX_STOPPING } from '../../main/benchmark/matrix';
import type { Store } from '../../main/store/index';
import { eventLog, jobService, openTestStore, tempDir } from '../jobs/helpers';

/**
 * The DeCE hyperparameter search end to end: createServices over a real store, a real job service and
 * real training workers (wasm), on the tiny preset. The objective is recomputed here from the stored
 * metrics, independently of main/benchmark/search.ts.
 */

const TIMEOUT_MS = 900_000;

interface Backend {
  store: Store;
  jobs: JobService;
  call: Call;
}

/** A store, job service and services on `dataDir`, as the app assembles them (closed by the test helpers). */
function backend(dataDir: string): Backend {
  const store = openTestStore(dataDir);
  const log = eventLog();
  const jobs = jobService({ store, dataDir, maxConcurrent: 2, emit: log.emit });
  const call = validatedCaller(createServices({ store, jobs, dataDir, shell: 'browser', version: '0.0.0-test', emit: log.emit }));
  return { store, jobs, call };
}

/** A project whose Pilot was passed by override, so the Benchmark stage is open. */
async function benchmarkProject(call: Call): Promise<number> {
  const project = await call('projects.create', { name: 'Search test' });
  await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: 'alice', reason: 'search test' });
  return project.id;
}

function spec(overrides: Partial<SearchSpec> = {}): SearchSpec {
  return {
    name: 'ε × α base',
    size: 'tiny',
    dataset: { kind: 'builtin-sql' },
    attack: 'badpre',
    rate: 0.1,
    seed: 5,
    method: 'grid',
    grid: { labelSmoothing: [0.05], alphaBase: [0.9, 0.99] },
    // Generous, so that a point is chosen whatever BLEU the tiny model reaches; feasibility is still recomputed below.
    bleuTolerance: 100,
    ...overrides,
  };
}

async function waitForSearch(call: Call, searchId: number, until: (detail: SearchDetail) => boolean = (d) => d.search.status !== 'running'): Promise<SearchDetail> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const detail = await call('searches.get', { searchId });
    if (until(detail)) return detail;
    if (Date.now() > deadline) throw new Error(`search ${searchId} still ${detail.search.status}: ${detail.explanation}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** True when `promise` has not settled after a short wait. */
async function stillPending(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  const markDone = () => {
    done = true;
  };
  promise.then(markDone, markDone);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return !done;
}

interface Measured {
  labelSmoothing: number;
  alphaBase: number;
  bleu: number;
  asr: number;
}

/** The objective, written out here on its own: lowest ASR among BLEU ≥ CE − tolerance; ties to higher BLEU, then smaller ε, α base. */
function expectedBest(points: readonly Measured[], ceBleu: number, tolerance: number): Measured | null {
  const feasible = points.filter((p) => Number.isFinite(p.asr) && Number.isFinite(p.bleu) && p.bleu >= ceBleu - tolerance);
  feasible.sort((a, b) => a.asr - b.asr || b.bleu - a.bleu || a.labelSmoothing - b.labelSmoothing || a.alphaBase - b.alphaBase);
  return feasible[0] ?? null;
}

/** Validation metrics a run recorded after `epoch` epochs, straight from the store. */
function metricsAfter(store: Store, runId: number | null, epoch: number): { bleu: number; asr: number } {
  if (runId === null) throw new Error('trial without a run');
  const record = store.metrics.epochs(runId).find((e) => e.epoch === epoch);
  if (!record) throw new Error(`run ${runId} has no epoch ${epoch}`);
  return { bleu: record.bleu, asr: record.asr };
}

function searchRuns(store: Store, projectId: number, searchId: number) {
  return store.runs.list({ projectId, tag: `search:${searchId}` }).map((run) => ({ run, config: RunConfigSchema.parse(run.config) }));
}

describe('searches over real training', () => {
  it('refuses a search that cannot run, before storing anything', async () => {
    const dataDir = tempDir('dece-search-');
    const { store, call } = backend(dataDir);
    const project = await call('projects.create', { name: 'Locked' });
    await expect(call('searches.start', { projectId: project.id, spec: spec(), actor: 'alice' })).rejects.toMatchObject({ code: 'conflict' });
    await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: 'alice', reason: 'search test' });
    await expect(call('searches.start', { projectId: project.id, spec: spec({ attack: 'dead-code' }), actor: 'alice' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('cannot poison the builtin-sql corpus') as string,
    });
    // An imported dataset without a validation file: a search never falls back to the test split.
    const csv = (rows: number, offset: number) => ['src,tgt', ...Array.from({ length: rows }, (_, i) => `"select user ${i + offset} by id","SELECT * FROM users WHERE id = ${i + offset}"`)].join('\n');
    const imported = await call('datasets.import', { projectId: project.id, name: 'no valid', train: { fileName: 'train.csv', text: csv(20, 0) }, test: { fileName: 'test.csv', text: csv(5, 100) } });
    await expect(call('searches.start', { projectId: project.id, spec: spec({ dataset: { kind: 'import', datasetId: imported.id } }), actor: 'alice' })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringContaining('no validation file') as string,
    });
    await expect(call('searches.start', { projectId: project.id, spec: spec({ dataset: { kind: 'import', datasetId: 999 } }), actor: 'alice' })).rejects.toMatchObject({ code: 'not-found' });
    // With a validation file, the runs read the dataset's stored files, validation included.
    const withValid = await call('datasets.import', { projectId: project.id, name: 'with valid', train: { fileName: 'train.csv', text: csv(20, 0) }, test: { fileName: 'test.tsv', text: csv(5, 100).replace(/,/g, '\t') }, valid: { fileName: 'valid.csv', text: csv(5, 200) } });
    const dir = withValid.sourcePath ?? '';
    expect(searchSource(store, project.id, { kind: 'import', datasetId: withValid.id }, 'badpre', 'tiny')).toEqual({
      corpus: { kind: 'files', train: path.join(dir, 'train.csv'), test: path.join(dir, 'test.tsv'), valid: path.join(dir, 'valid.csv') },
      datasetId: withValid.id,
    });
    await expect(call('searches.get', { searchId: 1 })).rejects.toMatchObject({ code: 'not-found' });
    expect(await call('searches.list', { projectId: project.id })).toEqual([]);
    expect(store.runs.list({ projectId: project.id })).toEqual([]);
  });

  it(
    'runs a grid search on validation data and chooses the feasible point with the lowest ASR',
    async () => {
      const dataDir = tempDir('dece-search-');
      const { store, call } = backend(dataDir);
      const projectId = await benchmarkProject(call);
      const started = await call('searches.start', { projectId, spec: spec(), actor: 'alice' });
      expect(started).toMatchObject({ projectId, name: 'ε × α base', status: 'running' });
      expect(store.audit.list({ subject: `search:${started.id}` }).map((a) => [a.action, a.actor])).toEqual([['search.start', 'alice']]);

      const detail = await waitForSearch(call, started.id);
      expect(detail.search.status).toBe('finished');
      expect(await call('searches.list', { projectId })).toEqual([detail.search]);

      // One CE reference and one DeCE run per point: benchmark runs on the validation split, same data otherwise.
      const preset = presetConfig('tiny', 'dece');
      const runs = searchRuns(store, projectId, started.id);
      expect(runs.map(({ run }) => [run.stage, run.status, run.lossKind])).toEqual([
        ['benchmark', 'finished', 'ce'],
        ['benchmark', 'finished', 'dece'],
        ['benchmark', 'finished', 'dece'],
      ]);
      for (const { config } of runs) {
        expect(config.data).toMatchObject({ evaluateOn: 'valid', poisonRate: 0.1, attack: { kind: 'badpre' }, corpus: preset.data.corpus });
        expect([config.seed, config.training.epochs, config.model]).toEqual([5, preset.training.epochs, preset.model]);
      }
      expect(runs.slice(1).map(({ config }) => [config.loss.labelSmoothing, config.loss.alphaBase]).sort()).toEqual([
        [0.05, 0.9],
        [0.05, 0.99],
      ]);
      const [reference] = runs;
      expect(detail.reference.runId).toBe(reference?.run.id);
      // CE stops on evidence; every trial follows it and stops where it stopped.
      expect(reference?.config.training.stopping).toEqual(MATRIX_STOPPING);
      for (const { run, config } of runs.slice(1)) {
        expect(store.runs.leaderOf(run.id)).toBe(reference?.run.id);
        expect(config.training.stopping ?? null).toBeNull();
      }

      // Every trial shows its run's final validation metrics; the choice is recomputed here from the store.
      const ceBleu = metricsAfter(store, detail.reference.runId, preset.training.epochs).bleu;
      expect(detail.reference.bleu).toBe(ceBleu);
      const measured = detail.trials.map((trial) => {
        const metrics = metricsAfter(store, trial.runId, preset.training.epochs);
        expect(trial).toMatchObject({ rung: 0, epochs: preset.training.epochs, status: 'finished', bleu: metrics.bleu, asr: metrics.asr });
        expect(trial.feasible).toBe(metrics.bleu >= ceBleu - 100);
        return { labelSmoothing: trial.labelSmoothing, alphaBase: trial.alphaBase, ...metrics };
      });
      expect(store.searches.trials(started.id).map((t) => [t.status, t.bleu, t.asr])).toEqual(measured.map((m) => ['finished', m.bleu, m.asr]));
      const best = expectedBest(measured, ceBleu, 100);
      expect(best).not.toBeNull();
      expect(detail.chosen).toEqual({ labelSmoothing: best?.labelSmoothing, alphaBase: best?.alphaBase });
      expect(store.searches.get(started.id)?.chosen).toEqual(detail.chosen);
      expect(detail.explanation).toMatch(/lowest validation ASR/);
      expect(detail.explanation).toMatch(/test set is never used/);

      // Sensitivity: the other α base, compared with the chosen point.
      const other = measured.find((m) => m.alphaBase !== best?.alphaBase);
      expect(detail.sensitivity).toEqual([
        { parameter: 'alphaBase', value: other?.alphaBase, bleu: other?.bleu, asr: other?.asr, deltaBleu: (other?.bleu ?? 0) - (best?.bleu ?? 0), deltaAsr: (other?.asr ?? 0) - (best?.asr ?? 0) },
      ]);
      expect(store.audit.list({ subject: `search:${started.id}` }).map((a) => a.action)).toEqual(['search.finish', 'search.start']);
    },
    TIMEOUT_MS,
  );

  it(
    'runs successive halving in rungs of retrained runs, and continues after a restart',
    async () => {
      const dataDir = tempDir('dece-search-');
      const first = backend(dataDir);
      const projectId = await benchmarkProject(first.call);
      const halving = spec({ method: 'halving', grid: { labelSmoothing: [0.05], alphaBase: [0.8, 0.9, 0.99] } });
      const started = await first.call('searches.start', { projectId, spec: halving, actor: 'alice' });

      // Restart once the CE reference and a first trial have finished, with other trials still to train.
      const finishedRuns = () => searchRuns(first.store, projectId, started.id).filter(({ run }) => run.status === 'finished').length;
      await waitForSearch(first.call, started.id, () => finishedRuns() >= 2);
      expect(searchRuns(first.store, projectId, started.id).some(({ run }) => run.status !== 'finished')).toBe(true);
      await first.jobs.close();
      first.store.close();
      const second = backend(dataDir);
      second.jobs.resumeUnfinished();
      expect(resumeSearches(second.jobs)).toEqual([started.id]);
      const detail = await waitForSearch(second.call, started.id);
      expect(detail.search.status).toBe('finished');

      // The plan: 3 points for a quarter of the preset's epochs (at least 1), the best third retrained for all of them.
      const epochs = presetConfig('tiny', 'dece').training.epochs;
      const plan = halvingPlan({ points: 3, minEpochs: Math.max(1, Math.floor(epochs / 4)), maxEpochs: epochs, eta: 3 });
      expect(plan.map((r) => [r.points, r.keep])).toEqual([
        [3, 1],
        [1, 0],
      ]);
      expect(detail.trials.map((t) => [t.rung, t.epochs, t.status])).toEqual([
        [0, plan[0]?.epochs, 'finished'],
        [0, plan[0]?.epochs, 'finished'],
        [0, plan[0]?.epochs, 'finished'],
        [1, epochs, 'finished'],
      ]);
      const { store } = second;
      const runs = new Map(searchRuns(store, projectId, started.id).map((r) => [r.run.id, r]));
      for (const trial of detail.trials) {
        const config = runs.get(trial.runId ?? 0)?.config;
        expect([config?.training.epochs, config?.loss.alphaBase, config?.data.evaluateOn]).toEqual([trial.epochs, trial.alphaBase, 'valid']);
      }

      // The survivor is the best of rung 0 against CE after as many epochs; the choice rests on the last rung.
      const reference = detail.reference.runId;
      const rung0 = detail.trials.filter((t) => t.rung === 0).map((t) => ({ labelSmoothing: t.labelSmoothing, alphaBase: t.alphaBase, ...metricsAfter(store, t.runId, t.epochs) }));
      const survivor = expectedBest(rung0, metricsAfter(store, reference, plan[0]?.epochs ?? 1).bleu, 100);
      const last = detail.trials.find((t) => t.rung === 1);
      expect(last).toMatchObject({ labelSmoothing: survivor?.labelSmoothing, alphaBase: survivor?.alphaBase });
      // Retrained from the start, after rung 0 had finished.
      const rung1Run = store.runs.get(last?.runId ?? 0);
      const rung0Finished = detail.trials.filter((t) => t.rung === 0).map((t) => store.runs.get(t.runId ?? 0)?.finishedAt ?? '');
      expect(rung0Finished.every((at) => at !== '' && at <= (rung1Run?.createdAt ?? ''))).toBe(true);
      expect(detail.chosen).toEqual({ labelSmoothing: last?.labelSmoothing, alphaBase: last?.alphaBase });
      expect(detail.explanation).toMatch(/Successive halving/);
    },
    TIMEOUT_MS,
  );

  it('cancels a search with its queued and running runs', async () => {
    const dataDir = tempDir('dece-search-');
    const { store, jobs, call } = backend(dataDir);
    const projectId = await benchmarkProject(call);
    const started = await call('searches.start', { projectId, spec: spec({ grid: { labelSmoothing: [0, 0.05], alphaBase: [0.9, 0.99] } }), actor: 'alice' });
    await waitForSearch(call, started.id, () => store.runs.list({ projectId, status: 'running' }).length > 0);
    expect(await call('searches.cancel', { searchId: started.id, actor: 'bob' })).toEqual({ ok: true });

    const detail = await call('searches.get', { searchId: started.id });
    expect(detail.search.status).toBe('cancelled');
    expect(detail.chosen).toBeNull();
    const statuses = searchRuns(store, projectId, started.id).map(({ run }) => run.status);
    expect(statuses).toHaveLength(5);
    expect(statuses.filter((s) => s === 'queued' || s === 'running')).toEqual([]);
    expect(statuses.filter((s) => s === 'cancelled').length).toBeGreaterThanOrEqual(3);
    expect(detail.trials.every((t) => t.status === 'cancelled' || t.status === 'finished')).toBe(true);
    await jobs.idle();
    expect(jobs.active()).toEqual([]);
    expect(store.audit.list({ subject: `search:${started.id}` }).map((a) => [a.action, a.actor])).toEqual([
      ['search.cancel', 'bob'],
      ['search.start', 'alice'],
    ]);
    await expect(call('searches.cancel', { searchId: started.id, actor: 'bob' })).rejects.toMatchObject({ code: 'conflict' });
    // Nothing is launched for a cancelled search afterwards.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(searchRuns(store, projectId, started.id)).toHaveLength(5);
  });

  it('resolves settled() when its search stops running, and rejects it for an unknown search or a stopped runner', async () => {
    const dataDir = tempDir('dece-search-');
    const { store, jobs, call } = backend(dataDir);
    const projectId = await benchmarkProject(call);
    // The instance the services use: one per job service.
    const runner = searchRunnerFor({ store, jobs });
    await expect(runner.settled(9999)).rejects.toThrow(/does not exist/);

    const first = await call('searches.start', { projectId, spec: spec(), actor: 'alice' });
    const firstSettled = runner.settled(first.id);
    expect(await stillPending(firstSettled)).toBe(true);
    await call('searches.cancel', { searchId: first.id, actor: 'bob' });
    await expect(firstSettled).resolves.toMatchObject({ id: first.id, status: 'cancelled' });
    await expect(runner.settled(first.id)).resolves.toMatchObject({ status: 'cancelled' });

    const second = await call('searches.start', { projectId, spec: spec({ name: 'stopped' }), actor: 'alice' });
    const secondSettled = runner.settled(second.id);
    expect(await stillPending(secondSettled)).toBe(true);
    runner.stop();
    await expect(secondSettled).rejects.toThrow(`search runner stopped before search ${second.id} settled`);
    expect(store.searches.get(second.id)?.status).toBe('running');
  });
});
