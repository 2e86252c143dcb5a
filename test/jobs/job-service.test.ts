import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../common/contract';
import { renderMessage } from '../../common/messages';
import { ENGINE_VERSION } from '../../main/engine/version';
import { startJob } from '../../main/jobs/worker-host';
import { DB_FILE_NAME } from '../../main/store/index';
import { REPO_ROOT, eventLog, jobService, openTestStore, queuedRun, tempDir, threadCount, tinyConfig } from './helpers';

const isStep = (runId: number) => (e: AppEvent) => e.type === 'run.progress' && e.runId === runId && e.event.type === 'step';
const statuses = (events: AppEvent[], runId: number) =>
  events.flatMap((e) => (e.type === 'run.status' && e.runId === runId ? [e.status] : []));

describe('job service', () => {
  it('cancels a running job within one batch: status cancelled, worker gone', async () => {
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const { runId } = queuedRun(store, tinyConfig('ce', { epochs: 3 }));
    const log = eventLog();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit });
    const threadsBefore = threadCount();
    jobs.enqueue(runId);
    // A second run waits for the only slot; cancelling it never starts a worker.
    const waiting = store.runs.create({ projectId: store.runs.get(runId)?.projectId ?? 0, stage: 'pilot', name: 'waiting', config: tinyConfig('dece'), lossKind: 'dece', backend: 'auto', actor: 'tester' });
    jobs.enqueue(waiting.id);
    await jobs.cancel(waiting.id, 'tester');
    expect(store.runs.get(waiting.id)).toMatchObject({ status: 'cancelled', startedAt: null });
    await log.waitFor((e) => isStep(runId)(e) && e.type === 'run.progress' && e.event.type === 'step' && e.event.step >= 2);
    const threadsWhileTraining = threadCount();

    // Within one batch: the cancel resolves before the epoch could end, and no step follows it (checked below).
    await jobs.cancel(runId, 'tester');
    const eventsAtCancel = log.events.length;

    expect(store.runs.get(runId)).toMatchObject({ status: 'cancelled', lastCompletedEpoch: 0 });
    expect(statuses(log.events, runId)).toEqual(['queued', 'running', 'cancelled']);
    expect(store.audit.list({ subject: `run:${runId}`, action: 'run.cancel' })[0]?.actor).toBe('tester');
    expect(jobs.active()).toEqual([]);
    await jobs.idle();

    // The worker thread is gone: no more events, and (on Linux) the process has its thread back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(log.events.slice(eventsAtCancel).filter(isStep(runId))).toEqual([]);
    if (threadsBefore !== null && threadsWhileTraining !== null) {
      expect(threadsWhileTraining).toBeGreaterThan(threadsBefore);
      expect(threadCount()).toBeLessThan(threadsWhileTraining);
    }
  });

  it('shares one pre-training job between runs and stops it only when no run waits for it', async () => {
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const config = tinyConfig('ce', { epochs: 1, pretrainEpochs: 8 });
    const { projectId, runId: first } = queuedRun(store, config);
    const second = store.runs.create({ projectId, stage: 'pilot', name: 'dece', config: { ...config, loss: { ...config.loss, kind: 'dece' } }, lossKind: 'dece', backend: 'auto' }).id;
    const log = eventLog();
    const kinds: string[] = [];
    const jobs = jobService({
      store,
      dataDir,
      maxConcurrent: 2,
      emit: log.emit,
      startJob: (request, handlers) => {
        kinds.push(request.kind);
        return startJob(request, handlers);
      },
    });
    jobs.enqueue(first);
    jobs.enqueue(second);
    const pretrainStep = (id: number) => (e: AppEvent) => e.type === 'run.progress' && e.runId === id && e.event.type === 'step' && e.event.phase === 'pretrain';
    await log.waitFor(pretrainStep(second));
    await jobs.cancel(first, 'tester');
    expect(store.runs.get(first)?.status).toBe('cancelled');
    // The other run still waits, so pre-training goes on for it.
    const seen = log.events.filter(pretrainStep(second)).length;
    await log.waitFor((e) => pretrainStep(second)(e) && log.events.filter(pretrainStep(second)).length > seen);
    await jobs.cancel(second, 'tester');
    await jobs.idle();
    expect(store.runs.get(second)?.status).toBe('cancelled');
    expect(kinds).toEqual(['pretrain']);
    expect(fs.existsSync(path.join(dataDir, 'cache'))).toBe(true);
    expect(fs.readdirSync(path.join(dataDir, 'cache')).filter((f) => f.endsWith('.ckpt'))).toEqual([]);
  });

  it("fails a run with the worker's own error", async () => {
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const config = tinyConfig('ce');
    const { runId } = queuedRun(store, { ...config, data: { ...config.data, corpus: { kind: 'files', train: '/nonexistent/train.csv', test: '/nonexistent/test.csv' } } });
    const log = eventLog();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit });
    jobs.enqueue(runId);
    await jobs.idle();
    const run = store.runs.get(runId);
    expect(run?.status).toBe('failed');
    expect(run?.error?.message).toMatch(/built-in corpus|nonexistent/);
    // Name and stack are the worker's, where the failure happened, not those of the main thread's wrapper.
    expect(run?.error?.name).not.toBe('JobFailedError');
    expect(run?.error?.stack).toBeTruthy();
    expect(run?.error?.stack).not.toMatch(/worker-host\.ts/);
    const failed = log.events.find((e) => e.type === 'run.status' && e.runId === runId && e.status === 'failed');
    expect(failed).toMatchObject({ error: { message: run?.error?.message } });
    // The failure is also stored as a catalog message, which the UI shows in its language.
    expect(run?.error?.i18n).toEqual({ id: 'job.failed', params: { message: run?.error?.message } });
    expect(renderMessage(run?.error?.i18n ?? { id: 'job.failed', params: {} }, 'ja')).toMatch(/^学習に失敗しました: /);
  });

  it('resumes a run after its process was SIGKILLed mid-epoch, without repeating or recomputing epochs', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/jobs/fixtures/train-child.ts'), dataDir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on('exit', (_code, signal) => {
        resolve(signal);
      });
    });
    // Killed during epoch 2: after epoch 1 was persisted and epoch 2 has begun.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`child never reached epoch 2; stderr:\n${stderr}`));
      }, 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        if (/^EPOCH 1$/m.test(stdout) && /^STEP 2$/m.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => {
        reject(new Error(`child exited early; stderr:\n${stderr}`));
      });
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const runId = Number(/^RUN (\d+)$/m.exec(stdout)?.[1]);
    expect(stdout).not.toMatch(/^EPOCH 2$/m);

    const raw = new Database(path.join(dataDir, DB_FILE_NAME), { readonly: true });
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    raw.close();

    const store = openTestStore(dataDir);
    expect(store.runs.get(runId)).toMatchObject({ status: 'running', lastCompletedEpoch: 1 });
    const [epoch1] = store.metrics.epochs(runId);
    expect(epoch1?.epoch).toBe(1);
    expect(fs.readdirSync(path.join(dataDir, 'runs', String(runId)))).toContain('epoch-0001.ckpt');

    const log = eventLog();
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit });
    expect(jobs.resumeUnfinished()).toEqual([runId]);
    await jobs.idle();

    const run = store.runs.get(runId);
    expect(run, JSON.stringify(run?.error)).toMatchObject({ status: 'finished', lastCompletedEpoch: 3, error: null });
    const epochs = store.metrics.epochs(runId);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(epochs[0]).toEqual(epoch1);
    // Not recomputed: the resumed worker started at epoch 2 (no epoch-1 steps or metrics were produced).
    const progress = log.events.flatMap((e) => (e.type === 'run.progress' && e.runId === runId ? [e.event] : []));
    expect(progress.filter((e) => e.type === 'epoch').map((e) => e.metrics.epoch)).toEqual([2, 3]);
    expect(progress.some((e) => e.type === 'step' && e.epoch === 1)).toBe(false);
    expect(progress.some((e) => e.type === 'phase' && e.message === 'resuming after epoch 1')).toBe(true);
    expect(statuses(log.events, runId)).toEqual(['queued', 'running', 'finished']);
    const steps = store.metrics.steps(runId);
    for (const epoch of [1, 2, 3]) {
      const ids = steps.filter((s) => s.epoch === epoch).map((s) => s.step);
      expect(ids.length).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
    }
  }, 180_000);

  it('keeps the main thread free while a job trains: timers run between the steps of one epoch', async () => {
    // How responsive (event-loop delay p99) is a figure of `npm run bench`; this checks the mechanism:
    // training happens off the main thread, so its timers keep firing inside an epoch, not only between epochs.
    const dataDir = tempDir();
    const store = openTestStore(dataDir);
    const { runId } = queuedRun(store, tinyConfig('dece', { epochs: 1 }));
    const log = eventLog();
    const timeline: ('tick' | { step: number })[] = [];
    const emit = (e: AppEvent): void => {
      if (isStep(runId)(e) && e.type === 'run.progress' && e.event.type === 'step') timeline.push({ step: e.event.step });
      log.emit(e);
    };
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit });
    const ticker = setInterval(() => timeline.push('tick'), 5);
    jobs.enqueue(runId);
    await log.waitFor((e) => e.type === 'run.status' && e.runId === runId && e.status === 'finished', 120_000);
    clearInterval(ticker);

    const stepIndexes = timeline.flatMap((entry, index) => (entry === 'tick' ? [] : [index]));
    expect(stepIndexes.length).toBeGreaterThan(1);
    const firstStep = stepIndexes[0] ?? 0;
    const lastStep = stepIndexes.at(-1) ?? 0;
    const lastEntry = timeline[lastStep];
    // The epoch had more steps than the first one reported, and timers fired while it was still running.
    expect(typeof lastEntry === 'object' && lastEntry.step).toBeGreaterThan(1);
    expect(timeline.slice(firstStep, lastStep).filter((entry) => entry === 'tick').length).toBeGreaterThan(0);
    // The run records what produced its numbers: app, engine and TensorFlow.js versions and the backend it ran on.
    const versions = store.runs.versions(runId);
    expect(versions?.app).toMatch(/^\d+\.\d+\.\d+/);
    expect(versions?.tfjs).toMatch(/^4\.\d+\.\d+/);
    expect(versions).toMatchObject({ engine: ENGINE_VERSION, backend: store.runs.get(runId)?.backend });
  }, 180_000);
});
