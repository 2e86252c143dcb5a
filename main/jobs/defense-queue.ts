import type { RunConfig } from '../../common/run-config';
import type { DefenseJobKind, DefenseOutcome } from '../defenses/evaluate';
import { remoteError } from './remote-error';
import { JobCancelledError, startJob as realStartJob, type RunningJob } from './worker-host';

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

/** A defense job in the job service's work queue. */
export interface DefenseEntry {
  kind: 'defense';
  job: DefenseJob;
  promise: Promise<DefenseOutcome>;
  resolve: (outcome: DefenseOutcome) => void;
  reject: (error: unknown) => void;
  running: RunningJob<DefenseOutcome> | null;
  settled: Promise<void>;
}

export interface DefenseQueueOptions {
  cacheDir: string;
  startJob: typeof realStartJob;
  /** Numbers the worker jobs of the whole job service. */
  nextJobNumber: () => number;
  /** Queues the entry behind the work queued before it (the job service's work queue). */
  enqueue: (entry: DefenseEntry) => void;
  /** Takes the entry out of that queue if it is still waiting there. */
  dequeue: (entry: DefenseEntry) => boolean;
  /** A defense job released its slot, or a waiting one was dropped. */
  slotFreed: () => void;
  queueChanged: () => void;
}

/** The defense jobs of one job service, queued or holding a slot, by key. */
export function createDefenseQueue(options: DefenseQueueOptions) {
  const defenses = new Map<string, DefenseEntry>();
  const running = new Set<string>();

  function runDefense(job: DefenseJob): Promise<DefenseOutcome> {
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
    options.enqueue(entry);
    return promise;
  }

  /** Called by the work queue when the entry gets its slot. */
  function start(entry: DefenseEntry): void {
    const { job } = entry;
    running.add(job.key);
    try {
      job.onStart?.();
      entry.running = options.startJob<DefenseOutcome>({
        kind: 'defend',
        jobId: `defend-${job.key}-${options.nextJobNumber()}`,
        config: job.config,
        defense: job.defense,
        poisonedModelFile: job.poisonedModelFile,
        ...(job.initialWeightsFile ? { initialWeightsFile: job.initialWeightsFile } : {}),
        dataCacheDir: options.cacheDir,
      });
      entry.running.result.then(entry.resolve, (error: unknown) => {
        entry.reject(remoteError(error));
      });
    } catch (error) {
      entry.reject(error);
    }
    void entry.settled.finally(() => {
      running.delete(job.key);
      options.slotFreed();
    });
  }

  async function cancelDefense(key: string): Promise<void> {
    const entry = defenses.get(key);
    if (!entry) return;
    if (options.dequeue(entry)) {
      entry.reject(new JobCancelledError(`defense ${key} cancelled`));
      options.queueChanged();
    } else {
      entry.running?.cancel();
    }
    await entry.settled;
  }

  /** Stops the running defense jobs and rejects the waiting ones; resolves once all have settled. */
  async function close(): Promise<void> {
    const jobs = [...defenses.values()];
    for (const entry of jobs) {
      if (entry.running) entry.running.cancel();
      else entry.reject(new JobCancelledError('job service closed'));
    }
    await Promise.all(jobs.map((d) => d.settled));
  }

  return { runDefense, start, cancelDefense, close, runningCount: () => running.size };
}
