import { join } from 'node:path';

/**
 * The layout of the data folder (beside the store's database file, see main/store): every path into it is
 * built here, so that the job service, the services and the benchmark runner cannot disagree on where a run's
 * checkpoints or the shared caches are.
 */

/** A run's checkpoints and exported artefacts. */
export function runDir(dataDir: string, runId: number): string {
  return join(dataDir, 'runs', String(runId));
}

/** Shared pre-trained weights and prepared data, keyed by configuration. */
export function cacheDir(dataDir: string): string {
  return join(dataDir, 'cache');
}

/** Copies of imported datasets, one folder per import. */
export function importsDir(dataDir: string): string {
  return join(dataDir, 'imports');
}

/** Model exports of the Production stage. */
export function exportsDir(dataDir: string): string {
  return join(dataDir, 'exports');
}

/** Scratch space of one operation (removed by it). */
export function scratchDir(dataDir: string): string {
  return join(dataDir, 'tmp');
}

/** The app's settings (language and the like). */
export function settingsFile(dataDir: string): string {
  return join(dataDir, 'settings.json');
}
