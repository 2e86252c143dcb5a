import { existsSync, mkdirSync } from 'node:fs';
import type { RunConfig } from '../../common/run-config';
import type { TrainingEvent } from '../../common/training-events';
import { configForLoss, pretrainCacheFile, pretrainKey, shippedPretrainFile } from '../pilot/run-pilot';
import type { BackendReport, PretrainResult } from './messages';
import { JobCancelledError, startJob as realStartJob, type RunningJob } from './run-worker';

/**
 * The shared pre-training of one job service: runs whose configurations pre-train alike (a CE and a DeCE run
 * of one experiment) wait for one pre-training job and start from its cached weights; it is stopped when
 * nobody waits for it any more.
 */

export interface PretrainListener {
  onBackend: (backend: BackendReport) => void;
  onEvent: (event: TrainingEvent) => void;
}

/** The run that waits, as far as the pool needs to know it. */
export interface PretrainWaiter {
  /** Read when the wait ends: a stopping run's leaving may stop the shared job. */
  isStopping(): boolean;
  /** The pool sets this while the run waits; calling it rejects that wait. */
  setAbort(abort: (() => void) | null): void;
}

interface PretrainEntry {
  promise: Promise<string>;
  job: RunningJob<PretrainResult> | null;
  listeners: Set<PretrainListener>;
  backend: BackendReport | null;
  cancelled: boolean;
}

export class WaitCancelledError extends JobCancelledError {}

export interface PretrainPoolOptions {
  cacheDir: string;
  startJob: typeof realStartJob;
  /** Numbers the worker jobs of the whole job service. */
  nextJobNumber: () => number;
}

export function createPretrainPool(options: PretrainPoolOptions) {
  const { cacheDir, startJob } = options;
  const pretrains = new Map<string, PretrainEntry>();
  /** Cancelled pre-training jobs still winding down, so a new one never races them on the same output file. */
  const draining = new Map<string, Promise<unknown>>();

  /** The file of pre-trained weights for this configuration: shipped, cached, or pre-trained now (shared). */
  async function waitForPretrained(waiter: PretrainWaiter, config: RunConfig, listener: PretrainListener): Promise<string> {
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
          { kind: 'pretrain', jobId: `pretrain-${key}-${options.nextJobNumber()}`, config: configForLoss(config, 'ce'), outputFile: file, dataCacheDir: cacheDir },
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
        waiter.setAbort(() => {
          reject(new WaitCancelledError('cancelled while waiting for pre-trained weights'));
        });
      });
    } finally {
      waiter.setAbort(null);
      shared.listeners.delete(listener);
      // Nobody waits any more: stop the shared job rather than finish it for no one.
      if (shared.listeners.size === 0 && waiter.isStopping()) cancelPretrain(key, shared);
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

  return {
    waitForPretrained,
    /** Stops every pre-training job (the job service is closing). */
    cancelAll(): void {
      for (const [key, entry] of pretrains) cancelPretrain(key, entry);
    },
    /** Resolves once every cancelled pre-training job has wound down. */
    drained: (): Promise<unknown> => Promise.all([...draining.values()]),
  };
}

/** Read through a function: callbacks set the flag while the code that checks it awaits. */
function isCancelled(entry: PretrainEntry): boolean {
  return entry.cancelled;
}
