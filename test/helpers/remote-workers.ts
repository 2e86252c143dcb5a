import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createRemoteExecutor, type RemoteExecutor } from '../../main/jobs/remote/remote-executor';
import { DB_FILE_NAME, type Store } from '../../main/store/index';
import { REPO_ROOT } from '../jobs/helpers';
import { startRedis, type TestRedis } from './redis-server';

/** A worker process started from `npm run worker`'s entry point, its stdout and stderr kept. */
export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

export interface RemoteTraining {
  /** The file's redis-server. */
  redis: () => TestRedis;
  /** A worker process on the file's redis-server, once it says it is serving. */
  startWorker: () => Promise<WorkerProcess>;
  /** The app's BullMQ executor on the file's redis-server. */
  remoteExecutor: () => RemoteExecutor;
}

/**
 * A test file's redis-server (started before its first test, stopped after its last), and worker processes
 * and producers on it. Each test gets its own, stopped after it: one test's idle worker must not take the
 * next test's job. Call once, at the top of the file.
 */
export function remoteTraining(): RemoteTraining {
  let server: TestRedis | undefined;
  const redis = (): TestRedis => {
    if (!server) throw new Error('the redis-server starts before the first test');
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
    for (const worker of workers.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  return {
    redis,
    startWorker: async () => {
      // A short lock, so a killed worker's job goes back to the queue within seconds.
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/worker.ts'), '--redis', redis().url, '--lock-seconds', '4'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
      const worker = { child, output: () => text, exited };
      workers.push(worker);
      await waitUntil(() => text.includes('serving'), () => `worker did not start: ${text}`);
      return worker;
    },
    remoteExecutor: () => {
      const executor = createRemoteExecutor({ redisUrl: redis().url, log: () => undefined });
      executors.push(executor);
      return executor;
    },
  };
}

export async function waitUntil(condition: () => boolean, describeFailure: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(describeFailure());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What a run's numbers are, without how long each epoch took. */
export const epochNumbers = (store: Store, runId: number) =>
  store.metrics.epochs(runId).map(({ epoch, trainLoss, bleu, corpusBleu, exactMatch, asr }) => ({ epoch, trainLoss, bleu, corpusBleu, exactMatch, asr }));

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
