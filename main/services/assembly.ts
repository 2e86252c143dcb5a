import { APP_VERSION } from '../../common/app-version';
import type { Handlers } from '../../common/contract';
import { createJobService, defaultMaxConcurrent, type JobService, type JobServiceOptions } from '../jobs/job-service';
import { createTrainingExecutor } from '../jobs/training-executor';
import { openStore, type Store } from '../store/index';
import { resumeBenchmarks } from './benchmark';
import { createEventHub, type AppEventListener } from './events';
import type { Estimator } from '../jobs/estimate';
import { createServices, type ServicesOptions } from './index';
import { resumeSearches } from './search';
import { openSettings } from './settings';

/**
 * The one assembly of the app behind every shell (the Electron window, browser mode, the headless CLIs):
 * the store, the job service, the services with their benchmark and search runners, and the event hub
 * that carries both the job service's and the services' events.
 */

export interface AssembleOptions {
  dataDir: string;
  /** Which shell serves the handlers (reported by `app.info`). */
  shell: ServicesOptions['shell'];
  /** Default: APP_VERSION; tests pin their own. */
  version?: string;
  /**
   * Default: one worker per core, less one (see the job service). When Settings send training to remote
   * workers, as many runs go at once as workers were last counted on the queue, if that is more.
   */
  maxConcurrentRuns?: number;
  /**
   * Default: where Settings says, read at every job start (main/jobs/training-executor.ts); the CLIs pass
   * their own (local worker threads, or the queue's with --redis: main/jobs/remote/remote-executor.ts).
   */
  startJob?: JobServiceOptions['startJob'];
  /** With `startJob`: its remote workers, for the Benchmark plan (default: none, it trains on this machine). */
  connectedWorkers?: ServicesOptions['connectedWorkers'];
  estimator?: Estimator;
  dataFolders?: readonly string[];
}

/** What resumeUnfinished took back from a previous session. */
export interface ResumedWork {
  runs: number[];
  searches: number[];
  benchmarks: number[];
}

/** Plain function properties: the shells hand them around detached (subscribe to the server, close to a signal handler). */
export interface AssembledApp {
  readonly dataDir: string;
  readonly store: Store;
  readonly jobs: JobService;
  readonly handlers: Handlers;
  /** Every AppEvent (run progress and status from the job service, project changes from the services); returns the unsubscribe function. */
  subscribe: (listener: AppEventListener) => () => void;
  /**
   * Requeues the runs a previous session left queued or running, then lets the search and benchmark runners
   * continue from them (in this order: a runner continues from the runs the queue has just taken back).
   */
  resumeUnfinished: () => ResumedWork;
  /** Stops the workers (interrupted runs stay resumable), then closes the store; the same promise on every call. */
  close: () => Promise<void>;
}

/** Throws the store's errors (StoreCorruptError, StoreMigrationError, StoreAccessError) with the file untouched. */
export function assembleApp(options: AssembleOptions): AssembledApp {
  const { dataDir } = options;
  const store = openStore({ dataDir });
  try {
    const hub = createEventHub();
    const settings = openSettings(dataDir);
    const localRuns = options.maxConcurrentRuns ?? defaultMaxConcurrent();
    const training =
      options.startJob === undefined
        ? createTrainingExecutor({
            target: () => settings.trainingTarget().target,
            // Counted during a job start or a plan, after the job service exists: more workers let waiting runs start.
            onWorkersCounted: () => {
              jobs.capacityChanged();
            },
          })
        : null;
    const jobs = createJobService({
      store,
      dataDir,
      emit: hub.emit,
      maxConcurrent: training ? () => Math.max(localRuns, training.lastCountedWorkers() ?? 0) : localRuns,
      startJob: options.startJob ?? training?.startJob,
    });
    const handlers = createServices({
      store,
      jobs,
      dataDir,
      shell: options.shell,
      version: options.version ?? APP_VERSION,
      emit: hub.emit,
      ...(options.estimator === undefined ? {} : { estimator: options.estimator }),
      ...(options.dataFolders === undefined ? {} : { dataFolders: options.dataFolders }),
      ...(training ? { connectedWorkers: training.connectedWorkers } : options.connectedWorkers ? { connectedWorkers: options.connectedWorkers } : {}),
    });
    let closing: Promise<void> | null = null;
    return {
      dataDir,
      store,
      jobs,
      handlers,
      subscribe: hub.subscribe,
      resumeUnfinished: () => {
        const runs = jobs.resumeUnfinished();
        return { runs, searches: resumeSearches(jobs), benchmarks: resumeBenchmarks(jobs) };
      },
      close: () =>
        (closing ??= (async () => {
          try {
            await jobs.close();
            await training?.close();
          } finally {
            store.close();
          }
        })()),
    };
  } catch (error) {
    store.close();
    throw error;
  }
}
