import { describe, expect, it } from 'vitest';
import { BenchmarkDetailSchema, BenchmarkPlanSchema } from '../../common/contract-benchmark';
import { ENGINE_VERSION, codeVersionTag } from '../../main/engine/version';
import { openTestStore, tempDir } from '../jobs/helpers';
import { apiError, benchmarkProject, benchmarkServices, benchmarkSpec, settled, until } from './helpers';

const MINUTES = 60_000;

describe('benchmark matrices through the services (tiny size, real training)', () => {
  it('pauses, resumes and extends a matrix, then a second matrix reuses its runs and defense outcomes', async () => {
    const dataDir = tempDir('dece-benchmark-');
    const store = openTestStore(dataDir);
    const { call, started, trainStarts, maxWorkers } = benchmarkServices(store, dataDir, 1);
    const projectId = benchmarkProject(store);
    const spec = benchmarkSpec({ arms: ['ce', 'dece', 'onion'], seeds: [1] });

    // Nothing runs in a locked stage.
    const locked = store.projects.create({ name: 'locked', actor: 'tester' });
    expect((await apiError(call('benchmarks.start', { projectId: locked.id, spec, actor: 'ana' }))).code).toBe('conflict');
    // An attack that cannot poison the corpus is reported, not run.
    const skippedPlan = await call('benchmarks.plan', { projectId, spec: { ...spec, attacks: ['badpre', 'dead-code'] } });
    expect(skippedPlan.skipped).toEqual([{ dataset: 'builtin-sql', attack: 'dead-code', reason: expect.stringMatching(/java/) as unknown }]);

    const plan = BenchmarkPlanSchema.parse(await call('benchmarks.plan', { projectId, spec }));
    expect(plan).toMatchObject({ cells: 3, newRuns: 2, reusedRuns: 0, defenseJobs: 1, poisonedDatasets: 1, concurrency: 1, skipped: [] });
    expect(plan.seconds).toBeGreaterThan(0);

    const benchmark = await call('benchmarks.start', { projectId, spec, actor: 'ana' });
    expect(benchmark).toMatchObject({ projectId, status: 'running', codeVersion: ENGINE_VERSION, counts: { total: 3, finished: 0, failed: 0, running: 2 } });
    const runs = store.runs.list({ projectId });
    expect(runs.map((r) => [r.stage, r.status, r.tags])).toEqual([
      ['benchmark', 'queued', [`benchmark:${benchmark.id}`, codeVersionTag()].sort()],
      ['benchmark', 'queued', [`benchmark:${benchmark.id}`, codeVersionTag()].sort()],
    ]);
    expect((await apiError(call('benchmarks.resume', { benchmarkId: 999, actor: 'ana' }))).code).toBe('not-found');

    // Pause while the first run trains: queued and running work is cancelled, nothing else starts.
    await until(() => store.runs.get(runs[0]?.id ?? 0)?.status === 'running', 2 * MINUTES, 'the first run to start');
    const paused = await call('benchmarks.pause', { benchmarkId: benchmark.id, actor: 'ana' });
    expect(paused.status).toBe('paused');
    expect(store.runs.list({ projectId }).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    const afterPause = await call('benchmarks.get', { benchmarkId: benchmark.id });
    expect(afterPause.cells.map((c) => [c.arm, c.status])).toEqual([
      ['ce', 'cancelled'],
      ['dece', 'cancelled'],
      ['onion', 'pending'],
    ]);
    expect((await apiError(call('benchmarks.pause', { benchmarkId: benchmark.id, actor: 'ana' }))).code).toBe('conflict');

    // Resume: the same runs continue (no new run), then the defense runs on the CE model.
    await call('benchmarks.resume', { benchmarkId: benchmark.id, actor: 'ben' });
    const first = BenchmarkDetailSchema.parse(await settled(call, benchmark.id, 5 * MINUTES));
    expect(first.benchmark).toMatchObject({ status: 'finished', counts: { total: 3, finished: 3, failed: 0, running: 0 } });
    expect(store.runs.list({ projectId }).map((r) => [r.id, r.status])).toEqual(runs.map((r) => [r.id, 'finished']));
    const [ceCell, deceCell, onionCell] = first.cells;
    expect(onionCell).toMatchObject({ arm: 'onion', status: 'finished', runId: ceCell?.runId, reused: false, error: null });
    expect(onionCell?.detail).toMatch(/removed \d+ of \d+ words; \+\d+\.\d s/);
    expect(onionCell?.metrics?.codeBleu).toBeNull();
    // DeCE followed the scenario's CE run (through the pause and resume): it stopped where CE stopped, and says so.
    expect(store.runs.leaderOf(deceCell?.runId ?? 0)).toBe(ceCell?.runId);
    expect(store.metrics.epochs(ceCell?.runId ?? 0).at(-1)?.extra['stop']).toMatchObject({ reason: 'max-epochs' });
    expect(store.metrics.epochs(deceCell?.runId ?? 0).at(-1)?.extra['stop']).toMatchObject({ reason: 'paired-run-stopped' });
    // The cells' metrics are their runs' last epochs.
    const lastEpoch = store.metrics.epochs(deceCell?.runId ?? 0).at(-1);
    expect(deceCell?.metrics).toMatchObject({ bleu: lastEpoch?.bleu, asr: lastEpoch?.asr, exactMatch: lastEpoch?.exactMatch });
    expect(started.filter((r) => r.kind === 'defend')).toHaveLength(1);
    // The defense waited for a free slot like a run: never two workers at once.
    expect(maxWorkers()).toBe(1);

    // Extend with a seed: only its cells are new.
    const extended = await call('benchmarks.extend', { benchmarkId: benchmark.id, seeds: [2, 1], actor: 'ben' });
    expect(extended).toMatchObject({ status: 'running', spec: { seeds: [1, 2] }, counts: { total: 6, finished: 3 } });
    expect((await apiError(call('benchmarks.extend', { benchmarkId: benchmark.id, seeds: [1], actor: 'ben' }))).code).toBe('invalid-input');
    const full = BenchmarkDetailSchema.parse(await settled(call, benchmark.id, 5 * MINUTES));
    expect(full.benchmark.counts).toEqual({ total: 6, finished: 6, failed: 0, running: 0 });
    expect(full.cells.map((c) => c.key)).toEqual([
      'builtin-sql/badpre/0.05/ce/1',
      'builtin-sql/badpre/0.05/dece/1',
      'builtin-sql/badpre/0.05/onion/1',
      'builtin-sql/badpre/0.05/ce/2',
      'builtin-sql/badpre/0.05/dece/2',
      'builtin-sql/badpre/0.05/onion/2',
    ]);
    const ownRuns = store.runs.list({ projectId });
    expect(ownRuns).toHaveLength(4);
    // Training jobs: one per run, plus the restart of the run the pause interrupted (if it had started training).
    const starts = trainStarts();
    expect(new Set(starts)).toEqual(new Set(ownRuns.map((r) => r.id)));
    expect(starts.length).toBeLessThanOrEqual(5);
    expect(full.scenarios.map((s) => [s.arm, s.n, s.bleu?.n, s.diffToCe?.asr?.pairs ?? null])).toEqual([
      ['ce', 2, 2, null],
      ['dece', 2, 2, 2],
      ['onion', 2, 2, 2],
    ]);
    expect(full.earlyLearning.map((e) => [e.seed, e.ce.length, e.dece.length])).toEqual([
      [1, 2, 2],
      [2, 2, 2],
    ]);
    const csv = await call('benchmarks.exportCsv', { benchmarkId: benchmark.id });
    expect(csv.fileName).toBe(`dece-benchmark-${benchmark.id}-test-matrix.csv`);
    expect(csv.csv.trim().split('\r\n').map((line) => line.split(',').slice(0, 6).join(','))).toEqual([
      'dataset,attack,rate,arm,n,seeds',
      'builtin-sql,badpre,0.05,ce,2,1 2',
      'builtin-sql,badpre,0.05,dece,2,1 2',
      'builtin-sql,badpre,0.05,onion,2,1 2',
    ]);
    expect(store.audit.list({ subject: `benchmark:${benchmark.id}` }).map((a) => [a.action, a.actor]).reverse()).toEqual([
      ['benchmark.start', 'ana'],
      ['benchmark.pause', 'ana'],
      ['benchmark.resume', 'ben'],
      ['benchmark.finish', 'system'],
      ['benchmark.extend', 'ben'],
      ['benchmark.finish', 'system'],
    ]);

    // A second, overlapping matrix: everything it shares is reused — no run is created, no job starts.
    const wider = await call('benchmarks.plan', { projectId, spec: { ...spec, name: 'again', seeds: [1, 2, 3] } });
    expect(wider).toMatchObject({ cells: 9, newRuns: 2, reusedRuns: 4, defenseJobs: 1, poisonedDatasets: 1 });
    const jobsBefore = started.length;
    const second = await call('benchmarks.start', { projectId, spec: { ...spec, name: 'again', seeds: [2, 1] }, actor: 'ana' });
    const reused = await settled(call, second.id, MINUTES);
    expect(reused.benchmark).toMatchObject({ status: 'finished', counts: { total: 6, finished: 6 } });
    expect(reused.cells.every((c) => c.reused)).toBe(true);
    expect(new Set(reused.cells.map((c) => c.runId))).toEqual(new Set(full.cells.map((c) => c.runId)));
    expect(reused.scenarios).toEqual(full.scenarios);
    expect(store.runs.list({ projectId })).toHaveLength(4);
    expect(started.length).toBe(jobsBefore);
    expect((await call('benchmarks.list', { projectId })).map((b) => [b.name, b.status])).toEqual([
      ['test matrix', 'finished'],
      ['again', 'finished'],
    ]);
  });
});
