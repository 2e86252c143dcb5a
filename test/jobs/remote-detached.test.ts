import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { runDir } from '../../main/files/data-folder';
import { TRAINING_QUEUE, redisOptionsFromUrl } from '../../main/jobs/remote/connection';
import { REMOTE_JOB_NOTE } from '../../main/jobs/remote/remote-executor';
import { DB_FILE_NAME } from '../../main/store/index';
import { epochNumbers, isEpoch, remoteWorkers, waitUntil } from '../helpers/remote-workers';
import { tinyRunConfig } from '../helpers/tiny-config';
import { eventLog, jobService, openTestStore, queuedRun, tempDir } from './helpers';

/**
 * Remote workers that share nothing with the app but Redis: an imported dataset's files travel with the job,
 * and workers keep training while the app is closed (its next start collects their results). A real
 * redis-server, real worker processes, the tiniest model.
 */

const { redis, startWorker, remoteExecutor, remoteRun } = remoteWorkers();

/** The same run trained by local worker threads, for comparison. */
async function localRun(config: RunConfig) {
  const dataDir = tempDir();
  const store = openTestStore(dataDir);
  const { runId } = queuedRun(store, config);
  const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: () => undefined });
  jobs.enqueue(runId);
  await jobs.idle();
  expect(store.runs.get(runId)?.status).toBe('finished');
  return epochNumbers(store, runId);
}

/** Epochs stored for the run, straight from the database file, and whether SQLite finds the file sound. */
function storedEpochs(dataDir: string, runId: number): { epochs: unknown[]; integrity: unknown } {
  const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
  try {
    return {
      epochs: db.prepare('SELECT epoch FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').pluck().all(runId),
      integrity: db.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

async function withQueue<T>(use: (queue: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(TRAINING_QUEUE, { connection: redisOptionsFromUrl(redis().url) });
  try {
    return await use(queue);
  } finally {
    await queue.close();
  }
}

async function redisKeys(pattern: string): Promise<string[]> {
  const client = new Redis(redisOptionsFromUrl(redis().url));
  try {
    return await client.keys(pattern);
  } finally {
    client.disconnect();
  }
}

const waitingJobs = () => withQueue((queue) => queue.getWaitingCount());

/** An imported dataset in `dir`: training, test and validation JSONL files of generated pairs. */
function writeDataset(dir: string): { train: string; test: string; valid: string } {
  const pairs = generateSqlCorpus({ seed: 11, size: 260 });
  const write = (name: string, rows: typeof pairs) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, rows.map((p) => JSON.stringify({ src: p.src, tgt: p.tgt })).join('\n') + '\n');
    return file;
  };
  return { train: write('train.jsonl', pairs.slice(0, 200)), test: write('test.jsonl', pairs.slice(200, 240)), valid: write('valid.jsonl', pairs.slice(240)) };
}

function importedConfig(files: { train: string; test: string; valid: string }): RunConfig {
  const base = tinyRunConfig({ loss: 'dece', epochs: 2 });
  return { ...base, data: { ...base.data, corpus: { kind: 'files', ...files } } };
}

describe('remote workers that share nothing with the app but Redis', () => {
  it("an imported dataset travels with its job: the worker trains on its own copies after the app's files are gone, with a local run's metrics", async () => {
    const appFolder = tempDir();
    const files = writeDataset(appFolder);
    const sameFiles = tempDir();
    for (const file of Object.values(files)) fs.copyFileSync(file, path.join(sameFiles, path.basename(file)));

    // No worker yet: the job waits in the queue with its data, then the app's files disappear.
    const { store, runId, jobs } = remoteRun(importedConfig(files));
    await waitUntil(async () => (await waitingJobs()) === 1, () => 'the run was never queued');
    fs.renameSync(appFolder, `${appFolder}-moved`);
    const worker = await startWorker();
    await jobs.idle();
    fs.renameSync(`${appFolder}-moved`, appFolder);

    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 2 });
    expect(worker.output().match(/ finished on /g)).toHaveLength(1);
    const local = await localRun(importedConfig({ train: path.join(sameFiles, 'train.jsonl'), test: path.join(sameFiles, 'test.jsonl'), valid: path.join(sameFiles, 'valid.jsonl') }));
    expect(epochNumbers(store, runId)).toEqual(local);
    // The data leaves Redis once the app has collected the result.
    await waitUntil(async () => (await redisKeys('dece-training:data:*')).length === 0, () => 'the data files stayed in Redis');
  });

  it('a data error is said with the app\'s path, not the worker\'s copy', async () => {
    const appFolder = tempDir();
    const files = writeDataset(appFolder);
    // A NUL byte refuses the file (main/data/import): the worker finds it in its copy.
    fs.appendFileSync(files.test, '{"src": "a\u0000", "tgt": "b"}\n');
    await startWorker();
    const { store, runId, jobs } = remoteRun(importedConfig(files));
    await jobs.idle();
    const run = store.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error?.message).toContain(files.test);
    expect(run?.error?.message).not.toContain('dece-remote-job-');
  });

  it('the app closed after epoch 1: the worker trains on, and the next start collects the finished run, every epoch stored once', async () => {
    const worker = await startWorker();
    const config = tinyRunConfig({ loss: 'ce', epochs: 3 });
    const { dataDir, store, runId, log, jobs } = remoteRun(config);
    await log.waitFor(isEpoch(runId, 1), 120_000);
    await jobs.close();
    expect(store.runs.get(runId)?.status).toBe('running');
    expect(fs.existsSync(path.join(runDir(dataDir, runId), REMOTE_JOB_NOTE))).toBe(true);
    await waitUntil(() => worker.output().includes(' finished on '), () => worker.output(), 120_000);
    // Epochs 2 and 3 were trained while nobody listened.
    expect(store.runs.get(runId)?.lastCompletedEpoch).toBeLessThan(3);

    const restarted = jobService({ store, dataDir, maxConcurrent: 1, emit: () => undefined, startJob: remoteExecutor().startJob });
    expect(restarted.resumeUnfinished()).toEqual([runId]);
    await restarted.idle();
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 3, backend: 'wasm' });
    expect(storedEpochs(dataDir, runId)).toEqual({ epochs: [1, 2, 3], integrity: 'ok' });
    // Trained once, start to end, on one worker: never stopped, never resumed.
    expect(worker.output().match(/ started on /g)).toHaveLength(1);
    expect(fs.readdirSync(runDir(dataDir, runId))).toContain('epoch-0003.ckpt');
    expect(fs.existsSync(path.join(runDir(dataDir, runId), REMOTE_JOB_NOTE))).toBe(false);
    expect(epochNumbers(store, runId)).toEqual(await localRun(config));
  });

  it('the app restarted while its worker still trains: it follows the job again, its progress flows, every epoch stored once', async () => {
    const worker = await startWorker();
    const { dataDir, store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 3 }));
    await log.waitFor(isEpoch(runId, 1), 120_000);
    await jobs.close();
    // Restarted once epoch 2 is over (the worker is in epoch 3): epoch 2 arrived in no progress event the app heard.
    const note = JSON.parse(fs.readFileSync(path.join(runDir(dataDir, runId), REMOTE_JOB_NOTE), 'utf8')) as { bullJobId: string };
    const trainingEpoch = () => withQueue(async (queue) => ((await queue.getJob(note.bullJobId))?.progress as { event?: { epoch?: number } } | undefined)?.event?.epoch ?? 0);
    await waitUntil(async () => (await trainingEpoch()) >= 3, () => 'the worker never reached epoch 3', 120_000);
    expect(store.runs.get(runId)?.lastCompletedEpoch).toBe(1);

    const restartedLog = eventLog();
    const restarted = jobService({ store, dataDir, maxConcurrent: 1, emit: restartedLog.emit, startJob: remoteExecutor().startJob });
    expect(restarted.resumeUnfinished()).toEqual([runId]);
    await restarted.idle();
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 3 });
    expect(storedEpochs(dataDir, runId)).toEqual({ epochs: [1, 2, 3], integrity: 'ok' });
    // Epoch 2 was announced from the worker's checkpoint, the last one arrived as live progress.
    expect(restartedLog.events.filter(isEpoch(runId, 2))).toHaveLength(1);
    expect(restartedLog.events.some(isEpoch(runId, 3))).toBe(true);
    expect(worker.output().match(/ started on /g)).toHaveLength(1);
  });

  it('a job gone from Redis while the app was closed is queued again from the run\'s last epoch checkpoint', async () => {
    const first = await startWorker();
    const { dataDir, store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 2 }));
    await log.waitFor(isEpoch(runId, 1), 120_000);
    await jobs.close();
    first.child.kill('SIGKILL');
    await first.exited;
    const client = new Redis(redisOptionsFromUrl(redis().url));
    await client.flushall();
    client.disconnect();

    const second = await startWorker();
    const restarted = jobService({ store, dataDir, maxConcurrent: 1, emit: () => undefined, startJob: remoteExecutor().startJob });
    expect(restarted.resumeUnfinished()).toEqual([runId]);
    await restarted.idle();
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 2 });
    expect(storedEpochs(dataDir, runId)).toEqual({ epochs: [1, 2], integrity: 'ok' });
    expect(second.output()).toMatch(/started on .*, resuming after epoch 1/);
  });

  it('a job that failed while the app was closed is recorded as failed at its next start, and not queued again', async () => {
    const missing = path.join(tempDir(), 'missing');
    const config = importedConfig({ train: `${missing}/train.jsonl`, test: `${missing}/test.jsonl`, valid: `${missing}/valid.jsonl` });
    const { dataDir, store, runId, jobs } = remoteRun(config);
    await waitUntil(async () => (await waitingJobs()) === 1, () => 'the run was never queued');
    await jobs.close();
    const worker = await startWorker();
    await waitUntil(() => worker.output().includes(' failed: '), () => worker.output());

    const restarted = jobService({ store, dataDir, maxConcurrent: 1, emit: () => undefined, startJob: remoteExecutor().startJob });
    expect(restarted.resumeUnfinished()).toEqual([runId]);
    await restarted.idle();
    const run = store.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error?.message).toContain(`${missing}/train.jsonl`);
    expect(worker.output().match(/ started on /g)).toHaveLength(1);
    expect(await withQueue((queue) => queue.getJobCounts('waiting', 'active'))).toEqual({ waiting: 0, active: 0 });
  });

  it('a worker stopped with SIGTERM mid-run hands its job back: another worker finishes it after its last epoch, the run is not cancelled', async () => {
    const stopping = await startWorker();
    const { dataDir, store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 2 }));
    await log.waitFor(isEpoch(runId, 1), 120_000);
    stopping.child.kill('SIGTERM');
    await stopping.exited;
    expect(stopping.output()).toContain('handed back to the queue');
    const next = await startWorker();
    await jobs.idle();
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 2 });
    expect(storedEpochs(dataDir, runId)).toEqual({ epochs: [1, 2], integrity: 'ok' });
    expect(next.output()).toMatch(/started on .*, resuming after epoch 1/);
  });
});
