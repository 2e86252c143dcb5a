import type { TrainingTarget } from '../../common/contract-settings';
import { createRemoteExecutor, goesToQueue, type RemoteExecutor } from './remote/remote-executor';
import { RedisUnreachableError, probeTrainingQueue } from './remote/probe';
import type { JobRequest } from './messages';
import { JobCancelledError, JobFailedError, startJob as localStartJob, type JobHandlers, type RunningJob, type StartJobOptions } from './worker-host';

/**
 * The job service's one `startJob`, choosing per job where it trains: in a local worker thread, or on the
 * remote workers of the Redis the setting names at the moment the job starts. Switching therefore needs no
 * restart, and a job already running stays with the executor it started on until it settles; an executor no
 * job uses any more (its URL no longer chosen) is closed.
 */

export interface TrainingExecutorOptions {
  /** Read at every job start (the app's Settings). */
  target: () => TrainingTarget;
  /** After every count of the workers on a queue (each remote job start, each connectedWorkers()). */
  onWorkersCounted?: (redisUrl: string, workers: number) => void;
  log?: (line: string) => void;
}

export interface TrainingExecutor {
  startJob: typeof localStartJob;
  /** Worker processes on the queue of the chosen Redis; null when training runs on this machine. Throws RedisUnreachableError. */
  connectedWorkers: () => Promise<number | null>;
  /** The last count of workers on the chosen queue, without connecting; null when local or not counted yet. */
  lastCountedWorkers: () => number | null;
  /** After the job service has closed (its jobs have settled). */
  close: () => Promise<void>;
}

interface RemoteEntry {
  executor: RemoteExecutor;
  jobsInFlight: number;
}

export function createTrainingExecutor(options: TrainingExecutorOptions): TrainingExecutor {
  const remotes = new Map<string, RemoteEntry>();
  const closing: Promise<void>[] = [];
  const counted = new Map<string, number>();
  const countWorkers = async (url: string): Promise<number> => {
    const { workers } = await probeTrainingQueue(url);
    counted.set(url, workers);
    options.onWorkersCounted?.(url, workers);
    return workers;
  };

  const retireUnused = () => {
    const target = options.target();
    for (const [url, entry] of remotes) {
      if (entry.jobsInFlight > 0 || (target.kind === 'remote' && target.redisUrl === url)) continue;
      remotes.delete(url);
      closing.push(entry.executor.close().catch(() => undefined));
    }
  };
  const acquire = (url: string): RemoteEntry => {
    let entry = remotes.get(url);
    if (!entry) {
      entry = { executor: createRemoteExecutor({ redisUrl: url, ...(options.log ? { log: options.log } : {}) }), jobsInFlight: 0 };
      remotes.set(url, entry);
    }
    entry.jobsInFlight += 1;
    return entry;
  };

  function startJob<T>(request: JobRequest, handlers: JobHandlers = {}, startOptions: StartJobOptions = {}): RunningJob<T> {
    const target = options.target();
    retireUnused();
    if (target.kind === 'local' || !goesToQueue(request)) return localStartJob<T>(request, handlers, startOptions);
    const url = target.redisUrl;
    const state: { cancelled: boolean; inner: RunningJob<T> | null } = { cancelled: false, inner: null };
    const run = async (): Promise<T> => {
      // The queue's own connection retries forever; a run must not wait forever for a Redis that is not there.
      try {
        await countWorkers(url);
      } catch (error) {
        if (error instanceof RedisUnreachableError) throw new JobFailedError(error.message, error.name);
        throw error;
      }
      if (state.cancelled) throw new JobCancelledError(`job ${request.jobId} cancelled`);
      const entry = acquire(url);
      try {
        state.inner = entry.executor.startJob<T>(request, handlers, startOptions);
        return await state.inner.result;
      } finally {
        entry.jobsInFlight -= 1;
        retireUnused();
      }
    };
    return {
      jobId: request.jobId,
      result: run(),
      cancel() {
        state.cancelled = true;
        state.inner?.cancel();
      },
    };
  }

  return {
    startJob,
    async connectedWorkers() {
      const target = options.target();
      if (target.kind === 'local') return null;
      return countWorkers(target.redisUrl);
    },
    lastCountedWorkers() {
      const target = options.target();
      return target.kind === 'local' ? null : (counted.get(target.redisUrl) ?? null);
    },
    async close() {
      for (const entry of remotes.values()) closing.push(entry.executor.close().catch(() => undefined));
      remotes.clear();
      await Promise.all(closing);
    },
  };
}
