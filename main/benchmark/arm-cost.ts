import { toEpochMetrics } from '../domain/mappers';
import type { BenchmarkCellRecord, Store } from '../store/index';

/**
 * The wall-clock seconds a training arm adds to the CE run of the same scenario and seed: anti-backdoor
 * learning trains as many epochs as CE, some of them on fewer rows and with a second pass over the training
 * rows to isolate, so its cost is measured, not assumed. (A defense cell records its own extra seconds.)
 */

/** Seconds of training and per-epoch evaluation a run recorded. */
export function runSeconds(store: Store, runId: number): number {
  return store.metrics.epochs(runId).reduce((sum, e) => sum + toEpochMetrics(e).seconds, 0);
}

/** The arm's run seconds minus its scenario's CE run seconds; null until both have finished. */
export function extraSecondsOverCe(store: Store, cell: BenchmarkCellRecord): number | null {
  if (cell.status !== 'finished' || cell.runId === null) return null;
  const ce = store.benchmarks
    .cells(cell.benchmarkId)
    .find((c) => c.arm === 'ce' && c.status === 'finished' && c.runId !== null && c.dataset === cell.dataset && c.attack === cell.attack && c.rate === cell.rate && c.seed === cell.seed);
  if (ce?.runId == null) return null;
  return runSeconds(store, cell.runId) - runSeconds(store, ce.runId);
}
