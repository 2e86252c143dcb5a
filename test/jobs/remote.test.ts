import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { runDir } from '../../main/files/data-folder';
import { ENGINE_VERSION } from '../../main/engine/version';
import { TRAINING_QUEUE, redisOptionsFromUrl } from '../../main/jobs/remote/connection';
import { DB_FILE_NAME } from '../../main/store/index';
import { epochNumbers, isEpoch, remoteWorkers, waitUntil } from '../helpers/remote-workers';
import { tinyRunConfig } from '../helpers/tiny-config';
import { eventLog, jobService, openTestStore, queuedRun, tempDir } from './helpers';

/**
 * Training on remote workers: a real redis-server, real worker processes (`npm run worker`'s entry point)
 * and the app's job service with the BullMQ executor, at the tiniest size.
 */

const { redis, startWorker, remoteExecutor, remoteRun } = remoteWorkers();

describe('training on remote workers (BullMQ on a real redis-server)', () => {
  it('refuses a malformed job and one of another engine version without retrying, then trains a run exactly as a local worker thread does', async () => {
    const worker = await startWorker();
    const queue = new Queue(TRAINING_QUEUE, { connection: redisOptionsFromUrl(redis().url) });
    try {
      const malformed = await queue.add('train', { engineVersion: ENGINE_VERSION, jobId: 'bad', config: { seed: 'x' }, hasInitialWeights: false }, { jobId: 'malformed' });
      const otherVersion = await queue.add('train', { engineVersion: `${ENGINE_VERSION}-other`, jobId: 'old', config: tinyRunConfig(), hasInitialWeights: false }, { jobId: 'other-version' });
      for (const job of [malformed, otherVersion]) {
        await waitUntil(() => worker.output().includes(`job ${job.id ?? ''} failed`), () => worker.output());
      }
      const [refusedPayload, refusedVersion] = await Promise.all([queue.getJob('malformed'), queue.getJob('other-version')]);
      expect(refusedPayload?.failedReason).toMatch(/^refused: invalid training job/);
      expect(refusedVersion?.failedReason).toContain(`this worker runs engine version ${ENGINE_VERSION}`);
      // Failed for their own reason: tried once, not again.
      expect([refusedPayload?.attemptsMade, refusedVersion?.attemptsMade]).toEqual([1, 1]);
    } finally {
      await queue.close();
    }

    // The same worker keeps serving: a run through the app's job service with the queue as its executor.
    const config = tinyRunConfig({ loss: 'dece', epochs: 2 });
    const remoteDir = tempDir();
    const remoteStore = openTestStore(remoteDir);
    const remote = queuedRun(remoteStore, config);
    const log = eventLog();
    const executor = remoteExecutor();
    const remoteJobs = jobService({ store: remoteStore, dataDir: remoteDir, maxConcurrent: 1, emit: log.emit, startJob: executor.startJob });
    remoteJobs.enqueue(remote.runId);
    await remoteJobs.idle();
    expect(remoteStore.runs.get(remote.runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 2, backend: 'wasm' });
    // Live progress arrived per epoch, and the final checkpoint is in the run's folder as after a local run.
    expect(log.events.filter((e) => isEpoch(remote.runId, 1)(e) || isEpoch(remote.runId, 2)(e))).toHaveLength(2);
    expect(fs.readdirSync(runDir(remoteDir, remote.runId))).toContain('epoch-0002.ckpt');

    const localDir = tempDir();
    const localStore = openTestStore(localDir);
    const local = queuedRun(localStore, config);
    const localJobs = jobService({ store: localStore, dataDir: localDir, maxConcurrent: 1, emit: () => undefined });
    localJobs.enqueue(local.runId);
    await localJobs.idle();
    expect(localStore.runs.get(local.runId)?.status).toBe('finished');
    expect(epochNumbers(remoteStore, remote.runId)).toEqual(epochNumbers(localStore, local.runId));
  });

  it('a worker killed in epoch 2: the run finishes on the other worker from its epoch-1 checkpoint, every epoch stored once', async () => {
    const first = await startWorker();
    const second = await startWorker();
    const { dataDir, store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 3 }));
    await log.waitFor(isEpoch(runId, 1), 120_000);
    const [victim, survivor] = first.output().includes(' started on ') ? [first, second] : [second, first];
    victim.child.kill('SIGKILL');
    await victim.exited;
    await jobs.idle();

    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 3 });
    expect(survivor.output()).toMatch(/started on .*, resuming after epoch [12]/);
    const db = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
    try {
      const epochs = db.prepare('SELECT epoch FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').pluck().all(runId);
      expect(epochs).toEqual([1, 2, 3]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('a run failing for a reason of its own (its data file is missing on the worker) fails once, with the cause, and is not retried', async () => {
    const worker = await startWorker();
    const base = tinyRunConfig({ loss: 'ce', epochs: 1 });
    const missing = path.join(tempDir(), 'missing');
    const config = { ...base, data: { ...base.data, corpus: { kind: 'files' as const, train: `${missing}/train.jsonl`, test: `${missing}/test.jsonl` } } };
    const { store, runId, jobs } = remoteRun(config);
    await jobs.idle();
    const run = store.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error?.message).toContain('train.jsonl');
    const queue = new Queue(TRAINING_QUEUE, { connection: redisOptionsFromUrl(redis().url) });
    try {
      const failed = (await queue.getFailed()).filter((job) => (job.data as { jobId?: unknown }).jobId === `run-${runId}-1`);
      expect(failed.map((job) => job.attemptsMade)).toEqual([1]);
    } finally {
      await queue.close();
    }
    expect(worker.output().match(/ started on /g)).toHaveLength(1);
  });

  it('redis-server restarting mid-run: the worker and the app reconnect and the run completes, every epoch stored once', async () => {
    await startWorker();
    const { store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 3 }));
    await log.waitFor(isEpoch(runId, 1), 120_000);
    // Two epochs are still to train while the server is down.
    expect(store.runs.get(runId)?.status).toBe('running');
    await redis().restart();
    await jobs.idle();
    expect(store.runs.get(runId)).toMatchObject({ status: 'finished', lastCompletedEpoch: 3 });
    expect(store.metrics.epochs(runId).map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  it('cancelling a remote run stops it on its worker, and the worker process stays up', async () => {
    const worker = await startWorker();
    const { store, runId, log, jobs } = remoteRun(tinyRunConfig({ loss: 'ce', epochs: 3 }));
    await log.waitFor((e) => e.type === 'run.progress' && e.runId === runId && e.event.type === 'step', 120_000);
    await jobs.cancel(runId, 'tester');
    expect(store.runs.get(runId)).toMatchObject({ status: 'cancelled' });
    await waitUntil(() => / failed: cancelled/.test(worker.output()), () => worker.output());
    expect(worker.output()).not.toContain(' finished on ');
    expect(worker.child.exitCode).toBeNull();
  });
});
