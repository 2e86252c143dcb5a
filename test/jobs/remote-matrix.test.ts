import fs from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import type { AppEvent, MethodOutput } from '../../common/contract';
import { TRAINING_QUEUE, redisOptionsFromUrl } from '../../main/jobs/remote/connection';
import { assembleApp, type AssembledApp, type AssembleOptions } from '../../main/services/assembly';
import { validatedCaller, type Caller } from '../../main/services/caller';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { benchmarkProject, benchmarkSpec, settled } from '../benchmark/helpers';
import { runCli, runCliAsync } from '../cli/run-cli';
import { epochNumbers, remoteWorkers, storeFileFacts, waitUntil } from '../helpers/remote-workers';
import { afterTest, eventLog, tempDir, type EventLog } from './helpers';

/**
 * A Benchmark matrix on remote workers: the app assembled as its shells assemble it, its benchmarks.* handlers
 * driving a tiny matrix whose runs go through BullMQ on a real redis-server to real worker processes, against
 * the same matrix trained in local worker threads.
 */

const MINUTES = 60_000;
/** The smallest matrix with a cell per loss: badpre at 5 %, CE and DeCE, seed 1, tiny size. */
const SPEC = benchmarkSpec({ arms: ['ce', 'dece'], seeds: [1] });

const { redis, startWorker, remoteExecutor } = remoteWorkers();

interface MatrixApp {
  app: AssembledApp;
  call: Caller;
  log: EventLog;
  projectId: number;
  dataDir: string;
}

/** The app over a fresh data folder, with a project whose Benchmark stage is open; closed after the test. */
function matrixApp(maxConcurrentRuns: number, startJob?: AssembleOptions['startJob']): MatrixApp {
  const dataDir = tempDir('dece-remote-matrix-');
  const app = assembleApp({ dataDir, shell: 'browser', version: '0.0.0-test', maxConcurrentRuns, ...(startJob ? { startJob } : {}) });
  afterTest(() => app.close());
  const log = eventLog();
  app.subscribe(log.emit);
  return { app, call: validatedCaller(app.handlers), log, projectId: benchmarkProject(app.store), dataDir };
}

/** What a finished matrix computed: each cell's status and metrics, and each cell's run epoch by epoch. */
function outcome(app: AssembledApp, detail: MethodOutput<'benchmarks.get'>) {
  return detail.cells.map(({ key, status, reused, metrics, runId }) => ({ key, status, reused, metrics, epochs: runId === null ? null : epochNumbers(app.store, runId) }));
}

/** The matrix trained in local worker threads, two at once: computed once, for every test that compares with it. */
let localOutcome: Promise<ReturnType<typeof outcome>> | undefined;
function localReference(): Promise<ReturnType<typeof outcome>> {
  localOutcome ??= (async () => {
    const { app, call, projectId } = matrixApp(2);
    const benchmark = await call('benchmarks.start', { projectId, spec: SPEC, actor: 'ana' });
    return outcome(app, await settled(call, benchmark.id, 5 * MINUTES));
  })();
  return localOutcome;
}

/** A finished epoch of the run (of any run without one). */
const isEpoch = (runId?: number) => (e: AppEvent) => e.type === 'run.progress' && e.event.type === 'epoch' && (runId === undefined || e.runId === runId);

describe('a Benchmark matrix on remote workers (BullMQ on a real redis-server, tiny size)', () => {
  it("two worker processes train it — through a redis-server restart mid-matrix — into the same metrics, cell by cell and epoch by epoch, as local worker threads", async () => {
    // First, alone: the local reference does not compete with the workers for the cores.
    const reference = await localReference();
    expect(reference.map((c) => [c.key, c.status, c.epochs?.length])).toEqual([
      ['builtin-sql/badpre/0.05/ce/1', 'finished', 2],
      ['builtin-sql/badpre/0.05/dece/1', 'finished', 2],
    ]);

    const workers = [await startWorker(), await startWorker()];
    const { app, call, log, projectId, dataDir } = matrixApp(2, remoteExecutor().startJob);
    const benchmark = await call('benchmarks.start', { projectId, spec: SPEC, actor: 'ana' });
    await log.waitFor(isEpoch(), 3 * MINUTES);
    // Every run still has an epoch to train while the server is down.
    expect(app.store.runs.list({ projectId }).filter((r) => r.status === 'finished')).toEqual([]);
    await redis().restart();

    const detail = await settled(call, benchmark.id, 5 * MINUTES);
    expect(detail.benchmark).toMatchObject({ status: 'finished', counts: { total: 2, finished: 2, failed: 0, running: 0 } });
    expect(outcome(app, detail)).toEqual(reference);
    // Both workers trained (one cell each, both at once), and each run's epochs are stored once.
    for (const worker of workers) expect(worker.output()).toMatch(/ started on /);
    const runIds = detail.cells.map((c) => c.runId ?? 0);
    expect(storeFileFacts(dataDir, runIds)).toEqual({ epochs: [[1, 2], [1, 2]], integrity: 'ok' });
    // DeCE followed CE while both trained: the app answered its worker's stop question after every epoch.
    const [ceRun, deceRun] = runIds;
    expect(app.store.runs.leaderOf(deceRun ?? 0)).toBe(ceRun);
    expect(app.store.metrics.epochs(deceRun ?? 0).at(-1)?.extra['stop']).toMatchObject({ reason: 'paired-run-stopped' });
  }, 10 * MINUTES);

  it('pausing while a cell trains remotely stops it on its worker and starts nothing else; resuming continues it from its last epoch into the local metrics', async () => {
    const reference = await localReference();
    const worker = await startWorker();
    // One run at a time, as in the local pause test: the second cell waits in the app's queue.
    const { app, call, log, projectId, dataDir } = matrixApp(1, remoteExecutor().startJob);
    const benchmark = await call('benchmarks.start', { projectId, spec: SPEC, actor: 'ana' });
    const runs = app.store.runs.list({ projectId });
    const [first] = runs;
    if (!first) throw new Error('the matrix created no run');
    // Paused in its second epoch: the first one is stored, and its checkpoint is in the run's folder.
    await log.waitFor(isEpoch(first.id), 3 * MINUTES);

    const paused = await call('benchmarks.pause', { benchmarkId: benchmark.id, actor: 'ana' });
    expect(paused.status).toBe('paused');
    expect(app.store.runs.list({ projectId }).map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    const afterPause = await call('benchmarks.get', { benchmarkId: benchmark.id });
    expect(afterPause.cells.map((c) => [c.arm, c.status])).toEqual([
      ['ce', 'cancelled'],
      ['dece', 'cancelled'],
    ]);
    // On the worker: the running job stops, and no other job reaches the queue.
    await waitUntil(() => / failed: cancelled/.test(worker.output()), () => worker.output());
    const queue = new Queue(TRAINING_QUEUE, { connection: redisOptionsFromUrl(redis().url) });
    try {
      expect(await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')).toEqual({ waiting: 0, prioritized: 0, delayed: 0, active: 0 });
    } finally {
      await queue.close();
    }
    expect(worker.output().match(/ started on /g)).toHaveLength(1);

    // Resume: the same runs continue (no new run) and the matrix finishes as if never paused.
    await call('benchmarks.resume', { benchmarkId: benchmark.id, actor: 'ben' });
    const detail = await settled(call, benchmark.id, 5 * MINUTES);
    expect(detail.benchmark).toMatchObject({ status: 'finished', counts: { total: 2, finished: 2, failed: 0, running: 0 } });
    expect(app.store.runs.list({ projectId }).map((r) => [r.id, r.status])).toEqual(runs.map((r) => [r.id, 'finished']));
    expect(outcome(app, detail)).toEqual(reference);
    expect(worker.output()).toMatch(new RegExp(`job run-${first.id}-\\d+-\\S+ started on \\S+, resuming after epoch 1`));
    expect(storeFileFacts(dataDir, runs.map((r) => r.id))).toEqual({ epochs: [[1, 2], [1, 2]], integrity: 'ok' });
  }, 10 * MINUTES);

  it('the headless Pilot with --redis trains CE and DeCE on a worker, on the team’s files, into the numbers of local threads', async () => {
    const dir = tempDir('dece-pilot-remote-');
    const pairs = generateSqlCorpus({ seed: 21, size: 220 });
    const toJsonl = (file: string, rows: readonly { src: string; tgt: string }[]) => {
      fs.writeFileSync(file, rows.map((p) => JSON.stringify(p)).join('\n'));
      return file;
    };
    const files = ['--train', toJsonl(path.join(dir, 'train.jsonl'), pairs.slice(0, 180)), '--test', toJsonl(path.join(dir, 'test.jsonl'), pairs.slice(180))];
    const tiny = ['--epochs', '2', '--pretrain-epochs', '0', '--eval-limit', '8', '--batch-size', '16', ...files];
    const epochsOf = (json: string) =>
      (JSON.parse(fs.readFileSync(json, 'utf8')) as { runs: { loss: string; epochs: { epoch: number; trainLoss: number; bleu: number; asr: number }[] }[] }).runs.map((r) => ({
        loss: r.loss,
        epochs: r.epochs.map(({ epoch, trainLoss, bleu, asr }) => ({ epoch, trainLoss, bleu, asr })),
      }));
    const local = runCli('main/cli/pilot.ts', [...tiny, '--json', path.join(dir, 'local.json'), '--report', path.join(dir, 'local.md')], 5 * MINUTES);
    expect(local.code).toBe(0);
    const worker = await startWorker();
    const remote = await runCliAsync('main/cli/pilot.ts', [...tiny, '--redis', redis().url, '--json', path.join(dir, 'remote.json'), '--report', path.join(dir, 'remote.md')], 5 * MINUTES);
    expect(remote.stderr).not.toMatch(/pilot: /);
    expect(remote.code).toBe(0);
    // Both runs went to the worker (the files travelled with them), and trained exactly as on this machine.
    expect(worker.output().match(/ finished on /g)).toHaveLength(2);
    expect(epochsOf(path.join(dir, 'remote.json'))).toEqual(epochsOf(path.join(dir, 'local.json')));
  }, 10 * MINUTES);
});
