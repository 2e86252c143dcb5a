import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { AppEvent } from '../../common/contract';
import { RunConfigSchema } from '../../common/run-config';
import type { SerializedError } from '../../common/training-events';
import type { DefenseOutcome } from '../defenses/evaluate';
import { softwareVersions } from '../engine/software-versions';
import type { TrainRunResult } from '../engine/train';
import { StoreStateError, type Store } from '../store/index';
import { recordCheckpointEpochs } from './checkpoint-epochs';
import { createDefenseQueue, type DefenseEntry, type DefenseJob } from './defense-queue';
import type { BackendReport } from './messages';
import { followLeader } from '../engine/stopping';
import { leaderStopRule, settledLeaderStop } from './leader-stop';
import { createPretrainPool } from './pretrain-pool';
import { remoteError } from './remote-error';
import { RunProgress } from './run-progress';
import { JobCancelledError, startJob as realStartJob, type RunningJob } from './worker-host';
import { createWorkQueue } from './work-queue';
import { cacheDir as dataCacheDir, runDir as runDirOf } from '../files/data-folder';

export type { DefenseJob } from './defense-queue';

/**
 * The queue between the store and the training workers: at most N workers at once, one run per worker,
 * every worker event turned into store rows and AppEvents. The store is the source of truth: a status
 * only changes here, through the store's guarded transitions.
 */

export interface JobServiceOptions {
  store: Store;
  dataDir: string;
  /**
   * Default: one worker per core, less one for the UI and the store (defaultMaxConcurrent). A function is read
   * whenever work could start: with remote workers the limit follows how many serve the queue.
   */
  maxConcurrent?: number | (() => number);
  emit: (event: AppEvent) => void;
  /** Tests pass a wrapper around the real startJob to watch which jobs start. */
  startJob?: typeof realStartJob;
  /** Upper bound on 'run.progress' step events per run and second (default 10). */
  maxStepEventsPerSecond?: number;
}

export type RunStatusEvent = Extract<AppEvent, { type: 'run.status' }>;

export interface EnqueueOptions {
  /** Continue from the run's newest epoch checkpoint instead of starting over. */
  resume?: boolean;
}

export interface JobService {
  /** Runs (and defense jobs) at once, now. */
  readonly maxConcurrent: number;
  /** Starts waiting work after `maxConcurrent` has grown (e.g. more remote workers were counted). */
  capacityChanged(): void;
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

interface RunEntry {
  kind: 'run';
  runId: number;
  resume: boolean;
}

type QueueEntry = RunEntry | DefenseEntry;

/** A run holding a worker slot: training, or waiting for shared pre-trained weights. */
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

export function createJobService(options: JobServiceOptions): JobService {
  const { store, dataDir } = options;
  const startJob = options.startJob ?? realStartJob;
  const limit = options.maxConcurrent ?? defaultMaxConcurrent();
  const maxConcurrent = () => Math.max(1, Math.floor(typeof limit === 'function' ? limit() : limit));
  const minStepGapMs = 1000 / Math.max(0.001, options.maxStepEventsPerSecond ?? 10);
  const cacheDir = dataCacheDir(dataDir);
  const slots = new Map<number, Slot>();
  const statusListeners = new Set<(event: RunStatusEvent) => void>();
  let jobCounter = 0;
  const nextJobNumber = () => ++jobCounter;

  const queue = createWorkQueue<QueueEntry>({
    maxConcurrent,
    busySlots: () => slots.size + defenses.runningCount(),
    start: (entry) => {
      if (entry.kind === 'run') startSlot(entry);
      else defenses.start(entry);
    },
  });
  const defenses = createDefenseQueue({
    cacheDir,
    startJob,
    nextJobNumber,
    enqueue: (entry) => {
      queue.push(entry);
      queue.pump();
    },
    dequeue: (entry) => queue.remove((q) => q === entry),
    slotFreed: () => {
      queue.pump();
    },
    queueChanged: () => {
      queue.checkIdle();
    },
  });
  const pretrained = createPretrainPool({ cacheDir, startJob, nextJobNumber });

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

  const isQueuedRun = (runId: number) => queue.includes((q) => q.kind === 'run' && q.runId === runId);

  function enqueue(runId: number, enqueueOptions: EnqueueOptions = {}): void {
    if (queue.closed) throw new Error('job service is closed');
    if (slots.has(runId) || isQueuedRun(runId)) return;
    const run = store.runs.get(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    if (run.status !== 'queued') throw new StoreStateError(`run ${runId} is ${run.status}; only a queued run can be enqueued`);
    queue.push({ kind: 'run', runId, resume: enqueueOptions.resume ?? false });
    emitStatus(runId, run.projectId, 'queued');
    queue.pump();
  }

  function runDefense(job: DefenseJob): Promise<DefenseOutcome> {
    if (queue.closed) return Promise.reject(new JobCancelledError('job service is closed'));
    return defenses.runDefense(job);
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
        queue.pump();
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
      const runDir = runDirOf(dataDir, slot.runId);
      // A fresh run must not pick up a folder left by an earlier store that used the same run id.
      if (!resume) rmSync(runDir, { recursive: true, force: true });
      mkdirSync(runDir, { recursive: true });

      let initialWeightsFile: string | undefined;
      if (config.training.pretrainEpochs > 0) {
        const waiter = {
          isStopping: () => isStopping(slot),
          setAbort: (abort: (() => void) | null) => {
            slot.abortWait = abort;
          },
        };
        initialWeightsFile = await pretrained.waitForPretrained(waiter, config, {
          onBackend: markRunning,
          onEvent: (event) => {
            progress.onEvent(event, false);
          },
        });
      }
      if (isStopping(slot)) throw new JobCancelledError('cancelled');
      throwIfPersistFailed(slot);
      if (resume) recordCheckpointEpochs(store, slot.runId, runDir);
      // A run that follows another stops where its leader stopped, instead of on its own evidence: told up front
      // when the leader's stop is already known (any executor can train it), else asked after every epoch (here).
      const leaderRunId = store.runs.leaderOf(slot.runId);
      const settled = leaderRunId === null ? null : settledLeaderStop(store, leaderRunId);
      const followed = settled === null ? null : followLeader(settled.epoch, settled);
      const jobConfig = followed ? { ...config, training: { ...config.training, followStop: { epoch: followed.epoch, detail: followed.detail } } } : config;
      const askLeader =
        leaderRunId === null || followed !== null
          ? null
          : leaderStopRule(store, leaderRunId, { leaderActive: () => slots.has(leaderRunId), isStopping: () => isStopping(slot) });

      const job = startJob<TrainRunResult>(
        {
          kind: 'train',
          jobId: `run-${slot.runId}-${nextJobNumber()}`,
          config: jobConfig,
          dataCacheDir: cacheDir,
          checkpointDir: runDir,
          // Always resume from whatever checkpoint the run's own folder holds: it is empty for a new run.
          resume: true,
          ...(initialWeightsFile ? { initialWeightsFile } : {}),
          ...(askLeader ? { parentDecidesStop: true } : {}),
        },
        {
          onBackend: markRunning,
          onEvent: (event) => {
            progress.onEvent(event, true);
          },
          ...(askLeader ? { decideStop: askLeader } : {}),
        },
      );
      slot.job = job;
      if (isStopping(slot)) stopSlot(slot);
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

  function stopSlot(slot: Slot): void {
    const job = slot.job;
    // A job that runs elsewhere (a queue's worker) goes on while the app is closed: its next start collects it.
    if (job?.detach && slot.stoppedByClose && !slot.cancelRequested) job.detach();
    else job?.cancel();
    slot.abortWait?.();
  }

  async function cancel(runId: number, actor = 'user'): Promise<void> {
    if (queue.remove((q) => q.kind === 'run' && q.runId === runId)) {
      const run = store.runs.markCancelled(runId, { actor });
      emitStatus(runId, run.projectId, 'cancelled');
      queue.checkIdle();
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

  async function close(): Promise<void> {
    queue.close();
    const running = [...slots.values()];
    for (const slot of running) {
      slot.stoppedByClose = true;
      stopSlot(slot);
    }
    pretrained.cancelAll();
    const defensesClosed = defenses.close();
    await Promise.all(running.map((s) => s.done));
    await defensesClosed;
    await pretrained.drained();
    queue.checkIdle();
  }

  function onRunStatus(listener: (event: RunStatusEvent) => void): () => void {
    statusListeners.add(listener);
    return () => {
      statusListeners.delete(listener);
    };
  }

  return {
    get maxConcurrent() {
      return maxConcurrent();
    },
    capacityChanged: () => {
      queue.pump();
    },
    enqueue,
    cancel,
    resumeUnfinished,
    runDefense,
    cancelDefense: defenses.cancelDefense,
    onRunStatus,
    active: () => [...slots.keys()],
    idle: queue.idle,
    close,
  };
}

/** One worker thread per core, less one for the UI and the store. */
export function defaultMaxConcurrent(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** Read through functions: callbacks set these flags while the code that checks them awaits. */
function isStopping(slot: Slot): boolean {
  return slot.cancelRequested || slot.stoppedByClose;
}
function throwIfPersistFailed(slot: Slot): void {
  const error = slot.persistError;
  if (error === undefined) return;
  throw error instanceof Error ? error : new Error(typeof error === 'string' ? error : 'failed to record the run');
}
