import path from 'node:path';
import type { AppEvent, Handlers } from '../../common/contract';
import { createJobService } from '../jobs/job-service';
import { resumeBenchmarks } from '../services/benchmark';
import { createEventHub, createServices } from '../services/index';
import { resumeSearches } from '../services/search';
import { DB_FILE_NAME, StoreAccessError, StoreCorruptError, StoreMigrationError, openStore } from '../store/index';

/**
 * Everything behind the window, assembled the way the local server assembles it: store, job queue,
 * services and the event hub. No electron import, so tests start it under plain Node.
 */

export interface Backend {
  readonly dataDir: string;
  readonly handlers: Handlers;
  /** Every AppEvent (run progress and status from the job queue, project changes from the services). */
  subscribe(listener: (event: AppEvent) => void): () => void;
  /** Requeues runs a previous session left queued or running (and continues running searches); returns the runs' ids. */
  resumeUnfinished(): number[];
  /** Stops the workers (interrupted runs stay resumable) and closes the store. */
  close(): Promise<void>;
}

export interface StartBackendOptions {
  dataDir: string;
  version: string;
  /** Tests keep this at 1. */
  maxConcurrentRuns?: number;
}

/** Throws StoreCorruptError / StoreMigrationError (file untouched) when the store cannot be used. */
export function startBackend(options: StartBackendOptions): Backend {
  const { dataDir } = options;
  const store = openStore({ dataDir });
  try {
    const hub = createEventHub();
    const emit = (event: AppEvent) => {
      hub.emit(event);
    };
    const jobs = createJobService({ store, dataDir, emit, ...(options.maxConcurrentRuns === undefined ? {} : { maxConcurrent: options.maxConcurrentRuns }) });
    const handlers = createServices({ store, jobs, dataDir, shell: 'electron', version: options.version, emit });
    let closing: Promise<void> | null = null;
    return {
      dataDir,
      handlers,
      subscribe: (listener) => hub.subscribe(listener),
      resumeUnfinished: () => {
        const resumed = jobs.resumeUnfinished();
        // After the runs: a search continues from the runs the queue has just taken back.
        resumeSearches(jobs);
        resumeBenchmarks(jobs);
        return resumed;
      },
      close: () =>
        (closing ??= (async () => {
          try {
            await jobs.close();
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

export interface StartupErrorReport {
  title: string;
  message: string;
}

/** The text of the native dialog shown when start-up fails; it always says the file was left alone. */
export function describeStartupError(error: unknown, dataDir: string): StartupErrorReport {
  const file = path.join(dataDir, DB_FILE_NAME);
  const elsewhere = 'To use another folder, start DeCE Pilot with --data-dir <folder> (or set DECE_PILOT_DATA_DIR).';
  if (error instanceof StoreCorruptError) {
    return {
      title: 'DeCE Pilot: the database is damaged',
      message: `${error.message}\n\nDeCE Pilot did not modify or replace ${error.file}.\n${elsewhere}`,
    };
  }
  if (error instanceof StoreAccessError) {
    return { title: 'DeCE Pilot: the database cannot be used', message: `${error.message}\n\nDeCE Pilot did not modify ${error.file}.` };
  }
  if (error instanceof StoreMigrationError) {
    return {
      title: 'DeCE Pilot: the database cannot be upgraded',
      message:
        `${error.message}\n\nThe database ${file} may come from a newer or a different version of DeCE Pilot. ` +
        `It was left exactly as it was: install the matching version, or restore a backup.\n${elsewhere}`,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return {
    title: 'DeCE Pilot could not start',
    message: `${detail}\n\nData folder: ${dataDir}\n${elsewhere}`,
  };
}
