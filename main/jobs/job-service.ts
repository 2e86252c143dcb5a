import { closeSync, existsSync, mkdirSync, openSync, readSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { message } from '../../common/messages';
import type { AppEvent } from '../../common/contract';
import { EpochMetricsSchema, RunConfigSchema, type EpochMetrics, type RunConfig } from '../../common/run-config';
import type { SerializedError, StepEvent, TrainingEvent } from '../../common/training-events';
import type { DefenseJobKind, DefenseOutcome } from '../defenses/evaluate';
import { softwareVersions } from '../engine/software-versions';
import type { TrainRunResult } from '../engine/train';
import { configForLoss, pretrainCacheFile, pretrainKey, shippedPretrainFile } from '../pilot/run-pilot';
import { StoreStateError, type Store, type StepInput } from '../store/index';
import type { BackendReport, PretrainResult } from './messages';
import { JobCancelledError, JobFailedError, startJob as realStartJob, type RunningJob } from './run-worker';

/**
 * The queue between the store and the training workers: at most N workers at once, one run per worker,
 * every worker event turned into store rows and AppEvents. The store is the source of truth: a status
 * only changes here, through the store's guarded transitions.
 */

export interface JobServiceOptions {
  store: Store;
  dataDir: string;
  /** Default: one worker per core, less one for the UI and the store. */
  maxConcurrent?: number;
  emit: (event: AppEvent) => void;
  /** Tests pass a wrapper around the real startJob to watch which jobs start. */
  startJob?: typeof realStartJob;
  /** Upper bound on 'run.progress' step events per run and second (default 10). */
  maxStepEventsPerSecond?: number;
}

/** A passive-defense evaluation: not a run, but it takes a worker slot like one. */
export interface DefenseJob {
  /** Names the job: asking again with a key that is queued or running returns the same promise. */
  key: string;
  config: RunConfig;
  defense: DefenseJobKind;
  /** The cross-entropy model the defense is applied to (a run's final checkpoint). */
  poisonedModelFile: string;
  /** Where that model started (pre-trained weights), for a defense that retrains. */
  initialWeightsFile?: string;
  /** Called when the job gets its worker slot. */
  onStart?: () => void;
}

export type RunStatusEvent = Extract<AppEvent, { type: 'run.status' }>;

export interface EnqueueOptions {
  /** Continue from the run's newest epoch checkpoint instead of starting over. */
  resume?: boolean;
}

export interface JobService {
  readonly maxConcurrent: number;
  /** Queues a run the store holds as 'queued'. */
  enqueue(runId: number, options?: EnqueueOptions): void;
  /** Stops a run within one batch; resolves once its worker has settled and the status is stored. */
  cancel(runId: number, actor?: string): Promise<void>;
  /** Start-up: requeues every queued or running run of the store, resuming from checkpoints. */
  resumeUnfinished(): number[];
  /**
   * Queues a passive-defense evaluation behind the runs queued before it; resolves with its outcome.
   * Rejects with JobCancelledError when cancelled or when the service closes.
   */
  runDefense(job: DefenseJob): Promise<DefenseOutcome>;
  /** Cancels a queued or running defense job (no-op for an unknown key); resolves once it has settled. */
  cancelDefense(key: string): Promise<void>;
  /** Every run status change this service makes or announces, delivered after the change is stored. Returns the unsubscribe function. */
  onRunStatus(listener: (event: RunStatusEvent) => void): () => void;
  /** Runs that hold a worker slot (training, or waiting for shared pre-trained weights). */
  active(): number[];
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  /**
   * Stops every worker without touching statuses: interrupted runs stay 'running'/'queued' so the
   * next start resumes them. Call before closing the store.
   */
  close(): Promise<void>;
}

/** Steps are written in transactions of this many (or after STEP_FLUSH_MS), not one commit per step. */
const STEP_BATCH = 50;
const STEP_FLUSH_MS = 1000;

interface RunEntry {
  kind: 'run';
  runId: number;
  resume: boolean;
}

interface DefenseEntry {
  kind: 'defense';
  job: DefenseJob;
  promise: Promise<DefenseOutcome>;
  resolve: (outcome: DefenseOutcome) => void;
  reject: (error: unknown) => void;
  running: RunningJob<DefenseOutcome> | null;
  settled: Promise<void>;
}

type QueueEntry = RunEntry | DefenseEntry;

interface Slot {
  runId: number;
  projectId: number;
  cancelRequested: boolean;
  cancelActor: string;
  /** close() stops the worker but leaves the run resumable. */
  stoppedByClose: boolean;
  job: RunningJob<unknown> | null;
  /** Set while waiting for shared pre-trained weights: rejects that wait. */
  abortWait: (() => void) | null;
  /** A store write failed mid-run; the run is stopped and failed with it. */
  persistError: unknown;
  done: Promise<void>;
}

interface PretrainListener {
  onBackend: (backend: BackendReport) => void;
  onEvent: (event: TrainingEvent) => void;
}

interface PretrainEntry {
  promise: Promise<string>;
  job: RunningJob<PretrainResult> | null;
  listeners: Set<PretrainListener>;
  backend: BackendReport | null;
  cancelled: boolean;
}

class WaitCancelledError extends JobCancelledError {}

export function createJobService(options: JobServiceOptions): JobService {
  const { store, dataDir } = options;
  const startJob = options.startJob ?? realStartJob;
  const maxConcurrent = Math.max(1, Math.floor(options.maxConcurrent ?? Math.max(1, availableParallelism() - 1)));
  const minStepGapMs = 1000 / Math.max(0.001, options.maxStepEventsPerSecond ?? 10);
  const cacheDir = join(dataDir, 'cache');
  const queue: QueueEntry[] = [];
  const slots = new Map<number, Slot>();
  /** Defense jobs, queued or holding a slot, by key. */
  const defenses = new Map<string, DefenseEntry>();
  const runningDefenses = new Set<string>();
  const statusListeners = new Set<(event: RunStatusEvent) => void>();
  const pretrains = new Map<string, PretrainEntry>();
  /** Cancelled pre-training jobs still winding down, so a new one never races them on the same output file. */
  const draining = new Map<string, Promise<unknown>>();
  const idleWaiters: (() => void)[] = [];
  let closed = false;
  let jobCounter = 0;

  const emit = (event: AppEvent): void => {
    try {
      options.emit(event);
    } catch {
      // A broken listener must not take a training run down with it.
    }
  };
  const emitStatus = (runId: number, projectId: number, status: RunStatusEvent['status'], error: SerializedError | null = null) => {
    const event: RunStatusEvent = { type: 'run.status', runId, projectId, status, error };
    emit(event);
    // Later, not inside whatever queue operation announced it: a listener may well queue more work.
    for (const listener of statusListeners) {
      queueMicrotask(() => {
        try {
          listener(event);
        } catch {
          // Same as for emit: a listener's failure is its own.
        }
      });
    }
  };

  const busySlots = () => slots.size + runningDefenses.size;
  const isQueuedRun = (runId: number) => queue.some((q) => q.kind === 'run' && q.runId === runId);

  const checkIdle = () => {
    if (busySlots() > 0 || queue.length > 0) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const pump = () => {
    while (!closed && busySlots() < maxConcurrent) {
      const entry = queue.shift();
      if (!entry) break;
      if (entry.kind === 'run') startSlot(entry);
      else startDefense(entry);
    }
    checkIdle();
  };

  function enqueue(runId: number, enqueueOptions: EnqueueOptions = {}): void {
    if (closed) throw new Error('job service is closed');
    if (slots.has(runId) || isQueuedRun(runId)) return;
    const run = store.runs.get(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    if (run.status !== 'queued') throw new StoreStateError(`run ${runId} is ${run.status}; only a queued run can be enqueued`);
    queue.push({ kind: 'run', runId, resume: enqueueOptions.resume ?? false });
    emitStatus(runId, run.projectId, 'queued');
    pump();
  }

  function runDefense(job: DefenseJob): Promise<DefenseOutcome> {
    if (closed) return Promise.reject(new JobCancelledError('job service is closed'));
    const existing = defenses.get(job.key);
    if (existing) return existing.promise;
    let resolve: (outcome: DefenseOutcome) => void = () => undefined;
    let reject: (error: unknown) => void = () => undefined;
    const promise = new Promise<DefenseOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: DefenseEntry = { kind: 'defense', job, promise, resolve, reject, running: null, settled: Promise.resolve() };
    entry.settled = promise.then(
      () => undefined,
      () => undefined,
    );
    void entry.settled.finally(() => {
      if (defenses.get(job.key) === entry) defenses.delete(job.key);
    });
    defenses.set(job.key, entry);
    queue.push(entry);
    pump();
    return promise;
  }

  function startDefense(entry: DefenseEntry): void {
    const { job } = entry;
    runningDefenses.add(job.key);
    try {
      job.onStart?.();
      entry.running = startJob<DefenseOutcome>({
        kind: 'defend',
        jobId: `defend-${job.key}-${++jobCounter}`,
        config: job.config,
        defense: job.defense,
        poisonedModelFile: job.poisonedModelFile,
        ...(job.initialWeightsFile ? { initialWeightsFile: job.initialWeightsFile } : {}),
        dataCacheDir: cacheDir,
      });
      entry.running.result.then(entry.resolve, (error: unknown) => {
        entry.reject(remoteError(error));
      });
    } catch (error) {
      entry.reject(error);
    }
    void entry.settled.finally(() => {
      runningDefenses.delete(job.key);
      pump();
    });
  }

  async function cancelDefense(key: string): Promise<void> {
    const entry = defenses.get(key);
    if (!entry) return;
    const queuedAt = queue.indexOf(entry);
    if (queuedAt >= 0) {
      queue.splice(queuedAt, 1);
      entry.reject(new JobCancelledError(`defense ${key} cancelled`));
      checkIdle();
    } else {
      entry.running?.cancel();
    }
    await entry.settled;
  }

  function startSlot(entry: RunEntry): void {
    const slot: Slot = {
      runId: entry.runId,
      projectId: 0,
      cancelRequested: false,
      cancelActor: 'system',
      stoppedByClose: false,
      job: null,
      abortWait: null,
      persistError: undefined,
      done: Promise.resolve(),
    };
    slots.set(entry.runId, slot);
    slot.done = runSlot(slot, entry.resume)
      .catch(() => undefined)
      .finally(() => {
        slots.delete(entry.runId);
        pump();
      });
  }

  async function runSlot(slot: Slot, resume: boolean): Promise<void> {
    const run = store.runs.get(slot.runId);
    // Cancelled (or otherwise settled) between enqueue and getting a slot.
    if (!run || run.status !== 'queued') return;
    slot.projectId = run.projectId;
    const progress = new RunProgress(slot, store, emit, minStepGapMs, () => {
      slot.job?.cancel();
    });
    let marked = false;
    const markRunning = (backend: BackendReport) => {
      if (marked) return;
      marked = true;
      try {
        store.runs.markRunning(slot.runId, { backend: backend.name });
        // What produced the numbers, for the report: app, engine and TensorFlow.js versions and the backend.
        store.runs.recordVersions(slot.runId, { ...softwareVersions(), backend: backend.name });
        emitStatus(slot.runId, slot.projectId, 'running');
      } catch (error) {
        slot.persistError = error;
        stopSlot(slot);
      }
    };
    try {
      const parsed = RunConfigSchema.safeParse(run.config);
      if (!parsed.success) throw new Error(`run ${slot.runId} has an invalid stored config: ${z.prettifyError(parsed.error)}`);
      const config = parsed.data;
      const runDir = join(dataDir, 'runs', String(slot.runId));
      // A fresh run must not pick up a folder left by an earlier store that used the same run id.
      if (!resume) rmSync(runDir, { recursive: true, force: true });
      mkdirSync(runDir, { recursive: true });

      let initialWeightsFile: string | undefined;
      if (config.training.pretrainEpochs > 0) {
        initialWeightsFile = await waitForPretrained(slot, config, {
          onBackend: markRunning,
          onEvent: (event) => {
            progress.onEvent(event, false);
          },
        });
      }
      if (isStopping(slot)) throw new JobCancelledError('cancelled');
      throwIfPersistFailed(slot);
      if (resume) recordCheckpointEpochs(store, slot.runId, runDir);

      const job = startJob<TrainRunResult>(
        {
          kind: 'train',
          jobId: `run-${slot.runId}-${++jobCounter}`,
          config,
          dataCacheDir: cacheDir,
          checkpointDir: runDir,
          // Always resume from whatever checkpoint the run's own folder holds: it is empty for a new run.
          resume: true,
          ...(initialWeightsFile ? { initialWeightsFile } : {}),
        },
        {
          onBackend: markRunning,
          onEvent: (event) => {
            progress.onEvent(event, true);
          },
        },
      );
      slot.job = job;
      if (isStopping(slot)) job.cancel();
      const result = await job.result;
      progress.finish();
      throwIfPersistFailed(slot);
      // The engine reports the epochs it restored from a checkpoint too: recording is idempotent per epoch.
      for (const metrics of result.epochs) store.metrics.recordEpoch(slot.runId, metrics);
      const after = store.runs.get(slot.runId);
      // A run that stopped on evidence ends early on purpose: its last epoch says why.
      const stoppedEarly = result.epochs.at(-1)?.stop !== undefined;
      if (after && after.lastCompletedEpoch < config.training.epochs && !stoppedEarly) {
        throw new Error(`run ${slot.runId} ended after epoch ${after.lastCompletedEpoch} of ${config.training.epochs}`);
      }
      // Only if the worker never reported its backend (it always does first today).
      if (after?.status === 'queued') markRunning({ name: config.backend, description: '' });
      store.runs.markFinished(slot.runId);
      emitStatus(slot.runId, slot.projectId, 'finished');
    } catch (error) {
      progress.finish();
      settleFailure(slot, error);
    } finally {
      progress.dispose();
    }
  }

  function settleFailure(slot: Slot, error: unknown): void {
    const cancelled = error instanceof JobCancelledError;
    try {
      if (slot.persistError !== undefined && !slot.cancelRequested) {
        failRun(slot, slot.persistError);
      } else if (cancelled && slot.stoppedByClose && !slot.cancelRequested) {
        // Left as is on purpose: the next start resumes it.
      } else if (cancelled) {
        const run = store.runs.get(slot.runId);
        if (run && (run.status === 'queued' || run.status === 'running')) {
          store.runs.markCancelled(slot.runId, { actor: slot.cancelActor });
          emitStatus(slot.runId, slot.projectId, 'cancelled');
        }
      } else {
        failRun(slot, error);
      }
    } catch {
      // The run was settled by someone else meanwhile; its stored status stands.
    }
  }

  function failRun(slot: Slot, error: unknown): void {
    const cause = remoteError(error);
    const run = store.runs.markFailed(slot.runId, cause);
    emitStatus(slot.runId, slot.projectId, 'failed', run.error);
  }

  async function waitForPretrained(slot: Slot, config: RunConfig, listener: PretrainListener): Promise<string> {
    const shipped = shippedPretrainFile(config);
    if (shipped) return shipped;
    const key = pretrainKey(config);
    const file = pretrainCacheFile(cacheDir, config);
    if (existsSync(file)) return file;
    let entry = pretrains.get(key);
    if (!entry) {
      const created: PretrainEntry = { promise: Promise.resolve(file), job: null, listeners: new Set(), backend: null, cancelled: false };
      const previous = draining.get(key) ?? Promise.resolve();
      created.promise = (async () => {
        await previous;
        if (existsSync(file)) return file;
        if (created.cancelled) throw new WaitCancelledError('pre-training cancelled');
        mkdirSync(cacheDir, { recursive: true });
        const job = startJob<PretrainResult>(
          { kind: 'pretrain', jobId: `pretrain-${key}-${++jobCounter}`, config: configForLoss(config, 'ce'), outputFile: file, dataCacheDir: cacheDir },
          {
            onBackend: (backend) => {
              created.backend = backend;
              for (const l of created.listeners) l.onBackend(backend);
            },
            onEvent: (event) => {
              for (const l of created.listeners) l.onEvent(event);
            },
          },
        );
        created.job = job;
        if (isCancelled(created)) job.cancel();
        await job.result;
        return file;
      })();
      created.promise
        .finally(() => {
          if (pretrains.get(key) === created) pretrains.delete(key);
        })
        .catch(() => undefined);
      pretrains.set(key, created);
      entry = created;
    }
    const shared = entry;
    shared.listeners.add(listener);
    if (shared.backend) listener.onBackend(shared.backend);
    try {
      return await new Promise<string>((resolve, reject) => {
        shared.promise.then(resolve, reject);
        slot.abortWait = () => {
          reject(new WaitCancelledError('cancelled while waiting for pre-trained weights'));
        };
      });
    } finally {
      slot.abortWait = null;
      shared.listeners.delete(listener);
      // Nobody waits any more: stop the shared job rather than finish it for no one.
      if (shared.listeners.size === 0 && isStopping(slot)) cancelPretrain(key, shared);
    }
  }

  function cancelPretrain(key: string, entry: PretrainEntry): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    entry.job?.cancel();
    if (pretrains.get(key) === entry) pretrains.delete(key);
    const settled = entry.promise.catch(() => undefined);
    draining.set(key, settled);
    void settled.then(() => {
      if (draining.get(key) === settled) draining.delete(key);
    });
  }

  function stopSlot(slot: Slot): void {
    slot.job?.cancel();
    slot.abortWait?.();
  }

  async function cancel(runId: number, actor = 'user'): Promise<void> {
    const queuedAt = queue.findIndex((q) => q.kind === 'run' && q.runId === runId);
    if (queuedAt >= 0) {
      queue.splice(queuedAt, 1);
      const run = store.runs.markCancelled(runId, { actor });
      emitStatus(runId, run.projectId, 'cancelled');
      checkIdle();
      return;
    }
    const slot = slots.get(runId);
    if (slot) {
      slot.cancelRequested = true;
      slot.cancelActor = actor;
      stopSlot(slot);
      await slot.done;
      return;
    }
    // Not ours (e.g. interrupted by a crash and not resumed yet): the store's guard decides.
    const run = store.runs.markCancelled(runId, { actor });
    emitStatus(runId, run.projectId, 'cancelled');
  }

  function resumeUnfinished(): number[] {
    const ids: number[] = [];
    for (const run of store.runs.listUnfinished()) {
      if (slots.has(run.id) || isQueuedRun(run.id)) continue;
      // 'running' here means the process that ran it died; queue it again without losing its epochs.
      if (run.status === 'running') store.runs.requeue(run.id, { actor: 'system' });
      enqueue(run.id, { resume: true });
      ids.push(run.id);
    }
    return ids;
  }

  function idle(): Promise<void> {
    if (busySlots() === 0 && queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  async function close(): Promise<void> {
    closed = true;
    queue.length = 0;
    const running = [...slots.values()];
    for (const slot of running) {
      slot.stoppedByClose = true;
      stopSlot(slot);
    }
    for (const [key, entry] of pretrains) cancelPretrain(key, entry);
    const defenseJobs = [...defenses.values()];
    for (const entry of defenseJobs) {
      if (entry.running) entry.running.cancel();
      else entry.reject(new JobCancelledError('job service closed'));
    }
    await Promise.all(running.map((s) => s.done));
    await Promise.all(defenseJobs.map((d) => d.settled));
    await Promise.all([...draining.values()]);
    checkIdle();
  }

  function onRunStatus(listener: (event: RunStatusEvent) => void): () => void {
    statusListeners.add(listener);
    return () => {
      statusListeners.delete(listener);
    };
  }

  return { maxConcurrent, enqueue, cancel, resumeUnfinished, runDefense, cancelDefense, onRunStatus, active: () => [...slots.keys()], idle, close };
}

/** Read through functions: callbacks set these flags while the code that checks them awaits. */
function isStopping(slot: Slot): boolean {
  return slot.cancelRequested || slot.stoppedByClose;
}
function isCancelled(entry: PretrainEntry): boolean {
  return entry.cancelled;
}
function throwIfPersistFailed(slot: Slot): void {
  const error = slot.persistError;
  if (error === undefined) return;
  throw error instanceof Error ? error : new Error(typeof error === 'string' ? error : 'failed to record the run');
}

/** A worker's error keeps its own name and stack (the worker's, where the cause is). */
function remoteError(error: unknown): unknown {
  if (error instanceof JobFailedError) {
    const copy = new Error(error.message);
    copy.name = error.remoteName;
    copy.stack = error.remoteStack ?? `${error.remoteName}: ${error.message}`;
    // The store keeps the failure as a catalog message too, so the UI can say it in its language.
    const i18n =
      error.exitCode === undefined ? message('job.failed', { message: error.message }) : message('job.workerExited', { code: error.exitCode });
    return Object.assign(copy, { i18n });
  }
  return error;
}

/**
 * Per-run event translation: step losses buffered into batched inserts, epochs persisted before they
 * are announced, and step announcements thinned to a few per second (the UI cannot show more).
 */
class RunProgress {
  private steps: StepInput[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private lastStepEmit = 0;
  private pendingStep: StepEvent | null = null;
  private stepTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly slot: Slot,
    private readonly store: Store,
    private readonly emit: (event: AppEvent) => void,
    private readonly minStepGapMs: number,
    private readonly stop: () => void,
  ) {}

  onEvent(event: TrainingEvent, persist: boolean): void {
    // A worker can still deliver a message or two after its job settled.
    if (this.disposed) return;
    try {
      if (event.type === 'step') {
        if (persist && event.phase === 'train') this.bufferStep({ epoch: event.epoch, step: event.step, loss: event.loss });
        this.throttleStep(event);
        return;
      }
      // Keep the order the worker sent: the last step of an epoch before the epoch itself.
      this.emitPendingStep();
      if (event.type === 'epoch' && persist) {
        this.flushSteps();
        this.store.metrics.recordEpoch(this.slot.runId, event.metrics);
      }
      this.announce(event);
    } catch (error) {
      if (this.slot.persistError === undefined) this.slot.persistError = error;
      this.stop();
    }
  }

  /** Writes what is buffered and announces the last step; call when the job has settled. */
  finish(): void {
    try {
      this.flushSteps();
    } catch (error) {
      if (this.slot.persistError === undefined) this.slot.persistError = error;
    }
    this.emitPendingStep();
  }

  dispose(): void {
    this.disposed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.flushTimer = null;
    this.stepTimer = null;
  }

  private announce(event: TrainingEvent): void {
    this.emit({ type: 'run.progress', runId: this.slot.runId, projectId: this.slot.projectId, event });
  }

  private bufferStep(step: StepInput): void {
    this.steps.push(step);
    if (this.steps.length >= STEP_BATCH) {
      this.flushSteps();
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        try {
          this.flushSteps();
        } catch (error) {
          if (this.slot.persistError === undefined) this.slot.persistError = error;
          this.stop();
        }
      }, STEP_FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  private flushSteps(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.steps.length === 0) return;
    const batch = this.steps;
    this.steps = [];
    this.store.metrics.recordSteps(this.slot.runId, batch);
  }

  private throttleStep(event: StepEvent): void {
    const now = performance.now();
    if (now - this.lastStepEmit >= this.minStepGapMs) {
      this.pendingStep = null;
      this.lastStepEmit = now;
      this.announce(event);
      return;
    }
    // Trailing edge: the newest step still shows up once the gap has passed.
    this.pendingStep = event;
    if (!this.stepTimer) {
      this.stepTimer = setTimeout(() => {
        this.stepTimer = null;
        this.emitPendingStep();
      }, this.minStepGapMs - (now - this.lastStepEmit));
      this.stepTimer.unref();
    }
  }

  private emitPendingStep(): void {
    if (this.stepTimer) clearTimeout(this.stepTimer);
    this.stepTimer = null;
    const pending = this.pendingStep;
    if (!pending) return;
    this.pendingStep = null;
    this.lastStepEmit = performance.now();
    this.announce(pending);
  }
}

const CHECKPOINT_NAME = /^epoch-(\d+)\.ckpt$/;
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** Reads only the JSON header of a checkpoint file (its weights can be large). */
function readCheckpointHeader(file: string): unknown {
  const fd = openSync(file, 'r');
  try {
    const lengthBytes = Buffer.alloc(4);
    if (readSync(fd, lengthBytes, 0, 4, 0) !== 4) throw new Error(`checkpoint ${file}: file too short`);
    const length = lengthBytes.readUInt32LE(0);
    if (length > MAX_HEADER_BYTES) throw new Error(`checkpoint ${file}: header too large`);
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 4) !== length) throw new Error(`checkpoint ${file}: truncated header`);
    return JSON.parse(header.toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

const CheckpointMetaSchema = z.object({ epoch: z.int().min(0), meta: z.object({ epochs: z.array(EpochMetricsSchema) }) });

/**
 * Before resuming: the engine writes an epoch's checkpoint just before announcing the epoch, so a crash
 * in between leaves a checkpoint one epoch ahead of the store. Its header carries that epoch's metrics;
 * recording them first keeps the store gap-free when the resumed run reports the next epoch. If the
 * header cannot be used, the checkpoint is removed and the run retrains from the store's last epoch.
 */
export function recordCheckpointEpochs(store: Store, runId: number, runDir: string): void {
  if (!existsSync(runDir)) return;
  const files = readdirSync(runDir);
  // Half-written checkpoints of the crashed process are never resumed from; they only take space.
  for (const f of files) if (/\.ckpt\.tmp-\d+$/.test(f)) rmSync(join(runDir, f), { force: true });
  const newest = files.filter((f) => CHECKPOINT_NAME.test(f)).sort().at(-1);
  if (newest === undefined) return;
  const path = join(runDir, newest);
  const run = store.runs.get(runId);
  if (!run) return;
  try {
    const header = CheckpointMetaSchema.parse(readCheckpointHeader(path));
    if (header.epoch <= run.lastCompletedEpoch) return;
    const missing: EpochMetrics[] = header.meta.epochs.filter((e) => e.epoch > run.lastCompletedEpoch).sort((a, b) => a.epoch - b.epoch);
    for (const metrics of missing) store.metrics.recordEpoch(runId, metrics);
    if ((store.runs.get(runId)?.lastCompletedEpoch ?? 0) < header.epoch) throw new Error('checkpoint metrics incomplete');
  } catch {
    rmSync(path, { force: true });
  }
}

