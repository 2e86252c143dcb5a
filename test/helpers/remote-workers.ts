import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AppEvent } from '../../common/contract';
import type { RunConfig } from '../../common/run-config';
import { createRemoteExecutor, type RemoteExecutor } from '../../main/jobs/remote/remote-executor';
import type { Store } from '../../main/store/index';
import { startRedis, type TestRedis } from './redis-server';
import { REPO_ROOT, eventLog, jobService, openTestStore, queuedRun, tempDir } from '../jobs/helpers';

/** Worker processes (`npm run worker`'s entry point) and producers for the remote-worker tests. */

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

export async function waitUntil(condition: () => boolean | Promise<boolean>, describeFailure: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(describeFailure());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A test file's redis-server, and workers and producers against it; each test has its own workers and
 * producers, stopped after it (one test's idle worker must not take the next test's job).
 */
export function remoteWorkers() {
  let server: TestRedis | undefined;
  const redis = (): TestRedis => {
    if (!server) throw new Error('redis-server is not started yet (beforeAll)');
    return server;
  };
  const redisUrl = () => redis().url;
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

  async function startWorker(): Promise<WorkerProcess> {
    // A short lock, so a killed worker's job goes back to the queue within seconds.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main/cli/worker.ts'), '--redis', redisUrl(), '--lock-seconds', '4'], {
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
  }

  function remoteExecutor(): RemoteExecutor {
    const executor = createRemoteExecutor({ redisUrl: redisUrl(), log: () => undefined });
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
