import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AppEvent } from '../../common/contract';
import type { RunConfig } from '../../common/run-config';
import { createRemoteExecutor, type RemoteExecutor } from '../../main/jobs/remote/remote-executor';
import { DB_FILE_NAME, type Store } from '../../main/store/index';
import { eventLog, jobService, openTestStore, queuedRun, tempDir } from '../jobs/helpers';
import { startRedis, type LocalRedis } from '../../main/cli/redis-server-process';
import { startWorkerProcess, waitUntil, type WorkerProcess } from '../../main/cli/worker-process';

/** Worker processes (`npm run worker`'s entry point) and producers for the remote-worker tests. */

export { waitUntil, type WorkerProcess };

/**
 * A test file's redis-server (started before its first test, stopped after its last), and workers and producers
 * against it; each test has its own workers and producers, stopped after it (one test's idle worker must not take
 * the next test's job). Call once, at the top of the file.
 */
export function remoteWorkers() {
  let server: LocalRedis | undefined;
  const redis = (): LocalRedis => {
    if (!server) throw new Error('redis-server is not started yet (beforeAll)');
    return server;
  };
  const workers: WorkerProcess[] = [];
  const executors: RemoteExecutor[] = [];

  beforeAll(async () => {
    server = await startRedis();
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    for (const executor of executors.splice(0)) await executor.close();
    for (const worker of workers.splice(0)) await worker.stop();
  });

  async function startWorker(): Promise<WorkerProcess> {
    // A short lock, so a killed worker's job goes back to the queue within seconds.
    const worker = await startWorkerProcess(redis().url, ['--lock-seconds', '4']);
    workers.push(worker);
    return worker;
  }

  function remoteExecutor(): RemoteExecutor {
    const executor = createRemoteExecutor({ redisUrl: redis().url, log: () => undefined });
    executors.push(executor);
    return executor;
  }

  /** A store with one queued run, and the app's job service sending it to the queue. */
  function remoteRun(config: RunConfig) {
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const { runId } = queuedRun(store, config);
    const log = eventLog();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit, startJob: remoteExecutor().startJob });
    jobs.enqueue(runId);
    return { dataDir, store, runId, log, jobs };
  }

  return { redis, startWorker, remoteExecutor, remoteRun };
}

/** What a run's numbers are, without how long each epoch took. */
export const epochNumbers = (store: Store, runId: number) =>
  store.metrics.epochs(runId).map(({ epoch, trainLoss, bleu, corpusBleu, exactMatch, asr }) => ({ epoch, trainLoss, bleu, corpusBleu, exactMatch, asr }));

export const isEpoch = (runId: number, epoch: number) => (e: AppEvent) =>
  e.type === 'run.progress' && e.runId === runId && e.event.type === 'epoch' && e.event.metrics.epoch === epoch;

/** Read from the store's file itself: each run's stored epoch numbers (in the order given), and SQLite's integrity check. */
export function storeFileFacts(dataDir: string, runIds: readonly number[]): { epochs: unknown[][]; integrity: unknown } {
  const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    const epochsOf = db.prepare('SELECT epoch FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').pluck();
    return { epochs: runIds.map((runId) => epochsOf.all(runId)), integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}
