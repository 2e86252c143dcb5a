import fs from 'node:fs';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../common/contract';
import { settingsFile } from '../../main/files/data-folder';
import { createEstimator } from '../../main/jobs/estimate';
import { assembleApp, type AssembledApp } from '../../main/services/assembly';
import { benchmarkSpec } from '../benchmark/helpers';
import { startRedis, type LocalRedis } from '../../main/cli/redis-server-process';
import { tinyRunConfig } from '../helpers/tiny-config';
import { startWorkerProcess, waitUntil, type WorkerProcess } from '../../main/cli/worker-process';
import { eventLog, tempDir } from '../jobs/helpers';
import { apiError, caller } from './call';

/**
 * Settings → "run training on": the app's own assembly (the executor that reads the setting at every job
 * start), a real redis-server with a password, real worker processes and tiny real runs started through
 * runs.start. Which side trained a run is read from the worker's own output, which names every job it takes.
 */

const PASSWORD = 'pw-s3cret-91';
let redis: LocalRedis;
let urlWithPassword: string;
let app: AssembledApp;
const workers: WorkerProcess[] = [];

/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 1);
      });
    });
  });
}

beforeAll(async () => {
  redis = await startRedis();
  const admin = new Redis(redis.url);
  await admin.config('SET', 'requirepass', PASSWORD);
  admin.disconnect();
  urlWithPassword = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
});

afterAll(async () => {
  await app.close();
  for (const worker of workers.splice(0)) await worker.stop();
  await redis.stop();
}, 60_000);

const spec = benchmarkSpec({ name: 'plan only', size: 'quick', seeds: [1, 2, 3] });

describe('Settings: run training on this machine or on remote workers', () => {
  it('switches between local threads and BullMQ workers for new runs, keeps the password secret, and plans with the connected workers', async () => {
    const dataDir = tempDir('dece-training-target-');
    const log = eventLog();
    app = assembleApp({ dataDir, shell: 'browser', maxConcurrentRuns: 1, estimator: createEstimator({ throughput: 2000 }) });
    app.subscribe(log.emit);
    const call = caller(app.handlers);
    const { id: projectId } = await call('projects.create', { name: 'remote', description: '' });
    const startRun = async (name: string) => (await call('runs.start', { projectId, stage: 'pilot', name, config: tinyRunConfig({ epochs: 1 }), actor: 'tester' })).id;
    const settled = (runId: number) => log.waitFor((e: AppEvent) => e.type === 'run.status' && e.runId === runId && (e.status === 'finished' || e.status === 'failed'), 120_000);
    const localPlan = await call('benchmarks.plan', { projectId, spec });
    expect(localPlan).toMatchObject({ concurrency: 1, concurrencyBasis: 'local-workers' });

    expect(await call('settings.trainingTarget', {})).toEqual({ kind: 'local', redisUrl: null, hasPassword: false });

    // Unreachable: the test action, a run and the plan each say so, naming the URL without its password.
    const nowhere = `redis://:${PASSWORD}@127.0.0.1:${await closedPort()}`;
    const refused = await apiError(call('settings.testTrainingTarget', { redisUrl: nowhere }));
    expect(refused.code).toBe('failed');
    expect(refused.message).toMatch(/^Cannot reach the training queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    await call('settings.setTrainingTarget', { kind: 'remote', redisUrl: nowhere });
    const failedRun = await startRun('nowhere');
    const failure = await settled(failedRun);
    expect(failure).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/cannot reach the training queue at redis:\/\/:\*\*\*@/) as unknown } });
    expect((await apiError(call('benchmarks.plan', { projectId, spec }))).code).toBe('failed');
    for (const text of [refused.message, JSON.stringify(failure), JSON.stringify(await call('settings.trainingTarget', {}))]) expect(text).not.toContain(PASSWORD);

    // Remote, with a password: the renderer gets it redacted; the file holding it is its owner's alone.
    const redacted = `redis://:***@127.0.0.1:${redis.port}`;
    const view = await call('settings.setTrainingTarget', { kind: 'remote', redisUrl: urlWithPassword });
    expect(view).toEqual({ kind: 'remote', redisUrl: redacted, hasPassword: true });
    expect(fs.statSync(settingsFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(await call('settings.testTrainingTarget', {})).toEqual({ redisUrl: redacted, workers: 0 });

    workers.push(...(await Promise.all([startWorkerProcess(urlWithPassword), startWorkerProcess(urlWithPassword)])));
    // The redacted URL saved back unchanged keeps the stored password: the connection still authenticates.
    expect(await call('settings.setTrainingTarget', { kind: 'remote', redisUrl: redacted })).toEqual(view);
    // A started worker registers its connection with Redis a moment after it reports ready: wait for both.
    let probed: unknown = null;
    await waitUntil(
      async () => {
        probed = await call('settings.testTrainingTarget', { redisUrl: redacted });
        return (probed as { workers: number }).workers === 2;
      },
      () => `the probe still sees ${JSON.stringify(probed)}`,
    );
    expect(probed).toEqual({ redisUrl: redacted, workers: 2 });
    const twoWorkers = await call('benchmarks.plan', { projectId, spec });
    expect(twoWorkers).toMatchObject({ newRuns: 6, concurrency: 2, concurrencyBasis: 'connected-workers' });

    // As many runs go at once as workers serve the queue (the app's own limit here is 1), each to a worker;
    // switching to local while they run leaves them there.
    expect(await call('app.info', {})).toMatchObject({ maxConcurrentRuns: 2 });
    const remoteRuns = [await startRun('remote A'), await startRun('remote B')];
    const statusIndex = (runId: number, status: string) => log.events.findIndex((e) => e.type === 'run.status' && e.runId === runId && e.status === status);
    await Promise.all(remoteRuns.map((runId) => log.waitFor((e) => e.type === 'run.status' && e.runId === runId && e.status === 'running', 60_000)));
    expect(await call('settings.setTrainingTarget', { kind: 'local' })).toEqual({ kind: 'local', redisUrl: redacted, hasPassword: true });
    for (const runId of remoteRuns) expect(await settled(runId)).toMatchObject({ status: 'finished' });
    const [first = 0, second = 0] = remoteRuns;
    expect(statusIndex(second, 'running')).toBeLessThan(statusIndex(first, 'finished'));
    const workerOutput = () => workers.map((w) => w.output()).join('\n');
    const finishedOn = (output: string, runId: number) => new RegExp(`job run-${runId}-\\d+-[0-9a-f-]+ finished on `).test(output);
    for (const runId of remoteRuns) {
      expect(workers.filter((w) => finishedOn(w.output(), runId)), `run ${runId} on exactly one worker`).toHaveLength(1);
      expect((await call('runs.get', { runId })).epochs.map((e) => e.epoch)).toEqual([1]);
    }
    expect(workers.map((w) => remoteRuns.filter((runId) => finishedOn(w.output(), runId)).length)).toEqual([1, 1]);

    // Back on this machine: the next run never reaches a worker.
    const localRun = await startRun('local');
    expect(await settled(localRun)).toMatchObject({ status: 'finished' });
    expect((await call('runs.get', { runId: localRun })).epochs.map((e) => e.epoch)).toEqual([1]);
    expect(workerOutput()).not.toContain(`job run-${localRun}-`);
    expect(await call('benchmarks.plan', { projectId, spec })).toMatchObject({ concurrency: 1, concurrencyBasis: 'local-workers', seconds: localPlan.seconds });

    // One worker fewer, one run at a time less in the plan (durations are for npm run bench:remote, not asserted here).
    await call('settings.setTrainingTarget', { kind: 'remote', redisUrl: redacted });
    await workers.pop()?.stop();
    await waitUntil(
      async () => (await call('settings.testTrainingTarget', { redisUrl: redacted })).workers === 1,
      () => 'the stopped worker still counts as connected',
    );
    const oneWorker = await call('benchmarks.plan', { projectId, spec });
    expect(oneWorker).toMatchObject({ concurrency: 1, concurrencyBasis: 'connected-workers' });
    expect(workerOutput()).not.toContain(PASSWORD);
  }, 240_000);
});
