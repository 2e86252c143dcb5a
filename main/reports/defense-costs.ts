import type { DefenseResult } from '../store/repos/defense-results';
import { statOf } from './stats';
import type { DefenseCost } from './types';

/** Defense names as the report shows them (as the Pilot's own report names them). */
const DEFENSE_LABELS: Readonly<Record<string, string>> = { onion: 'ONION', spectral: 'spectral signatures' };

/**
 * The cost of passive defenses stored against the CE run they defended (`npm run pilot -- --defenses …
 * --data-dir`): per defense, the CE run's own seconds plus what the defense added, and that extra against
 * the CE run. Results on runs the report does not count (unfinished, no epochs) are left out.
 */
export function storedDefenseCosts(results: readonly DefenseResult[], ceRunSeconds: (runId: number) => number | null): DefenseCost[] {
  const byDefense = new Map<string, { total: number[]; extra: number[] }>();
  for (const result of results) {
    const base = ceRunSeconds(result.runId);
    if (base === null || !(base > 0)) continue;
    const entry = byDefense.get(result.defense) ?? { total: [], extra: [] };
    entry.total.push(base + result.extraSeconds);
    entry.extra.push(result.extraSeconds / base);
    byDefense.set(result.defense, entry);
  }
  return [...byDefense.entries()].map(([defense, { total, extra }]) => ({
    label: DEFENSE_LABELS[defense] ?? defense,
    runs: total.length,
    secondsPerRun: statOf(total),
    extraOverCe: extra.reduce((sum, x) => sum + x, 0) / extra.length,
  }));
}
