import type { Store } from '../store/index';
import { statOf } from '../domain/stats';
import type { DefenseCost } from './types';

/**
 * The Benchmark's defenses and alternatives to DeCE in the report's cost section, beside the runs tagged as
 * defenses: every finished matrix cell of an arm that adds work to a CE run (a passive defense, a data filter,
 * early stopping, anti-backdoor learning), with the seconds of its scenario's CE run plus what the arm added.
 */

/** The arms that add work to a CE run, as a report names them. */
export const BENCHMARK_DEFENSE_LABELS: Readonly<Record<string, string>> = {
  onion: 'ONION',
  spectral: 'Spectral signatures',
  abl: 'ABL',
  killbadcode: 'KillBadCode + CE',
  'dece+killbadcode': 'KillBadCode + DeCE',
  'ce-early-stop': 'CE, early stop',
};

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function benchmarkDefenseCosts(store: Store, projectId: number): DefenseCost[] {
  const runSeconds = (runId: number) => store.metrics.epochs(runId).reduce((sum, e) => sum + e.seconds, 0);
  const byArm = new Map<string, { ce: number[]; extra: number[] }>();
  for (const benchmark of store.benchmarks.list(projectId)) {
    const cells = store.benchmarks.cells(benchmark.id);
    for (const cell of cells) {
      if (cell.status !== 'finished' || cell.runId === null || !(cell.arm in BENCHMARK_DEFENSE_LABELS)) continue;
      let ceRunId: number | null = cell.runId;
      let extra: number | null;
      if (cell.arm === 'abl') {
        // ABL is a run of its own: its extra time is its run's seconds over its scenario's CE run.
        const ce = cells.find((c) => c.arm === 'ce' && c.status === 'finished' && c.dataset === cell.dataset && c.attack === cell.attack && c.rate === cell.rate && c.seed === cell.seed);
        ceRunId = ce?.runId ?? null;
        extra = ceRunId === null ? null : runSeconds(cell.runId) - runSeconds(ceRunId);
      } else {
        // A defense cell points at the CE run it defends and records the seconds it added.
        const recorded = cell.result?.['extraSeconds'];
        extra = finite(recorded) ? recorded : null;
      }
      if (ceRunId === null || extra === null) continue;
      const entry = byArm.get(cell.arm) ?? { ce: [], extra: [] };
      entry.ce.push(runSeconds(ceRunId));
      entry.extra.push(extra);
      byArm.set(cell.arm, entry);
    }
  }
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Object.keys(BENCHMARK_DEFENSE_LABELS).flatMap((arm) => {
    const entry = byArm.get(arm);
    if (!entry) return [];
    const ceMean = mean(entry.ce);
    return [
      {
        label: `${BENCHMARK_DEFENSE_LABELS[arm] ?? arm} (Benchmark)`,
        runs: entry.extra.length,
        secondsPerRun: statOf(entry.ce.map((ce, i) => ce + (entry.extra[i] ?? 0))),
        extraOverCe: ceMean > 0 ? mean(entry.extra) / ceMean : null,
      },
    ];
  });
}
