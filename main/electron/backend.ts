import path from 'node:path';
import type { AppEvent, Handlers } from '../../common/contract';
import { assembleApp } from '../services/assembly';
import { DB_FILE_NAME, StoreAccessError, StoreCorruptError, StoreMigrationError } from '../store/index';

/**
 * Everything behind the window: the app assembly every shell uses (store, job queue, services and the
 * event hub), for the electron shell. No electron import, so tests start it under plain Node.
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
  /**
   * Electron's app.getVersion(): the same package.json field as APP_VERSION, read by Electron from the app it
   * runs (tests of the main process stub it). Default: APP_VERSION.
   */
  version?: string;
  /** Tests keep this at 1. */
  maxConcurrentRuns?: number;
}

/** Throws StoreCorruptError / StoreMigrationError (file untouched) when the store cannot be used. */
export function startBackend(options: StartBackendOptions): Backend {
  const app = assembleApp({
    dataDir: options.dataDir,
    shell: 'electron',
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns: options.maxConcurrentRuns }),
  });
  return {
    dataDir: app.dataDir,
    handlers: app.handlers,
    subscribe: app.subscribe,
    resumeUnfinished: () => app.resumeUnfinished().runs,
    close: app.close,
  };
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
