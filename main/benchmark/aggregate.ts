import { BENCHMARK_ARMS } from '../../common/contract-benchmark';
import { meanInterval, type Interval } from '../domain/stats';
import { toCsv, type CsvCell } from '../domain/csv';

/**
 * Statistics of a benchmark matrix: one row per scenario (dataset, attack, poisoning rate, arm) over its
 * seeds, with each arm's seed-paired difference to CE trained on the same poisoned data. Pure: the
 * caller passes finished cells, nothing is read or written here.
 */

/** Clean-data metrics of one finished cell; BLEU, CodeBLEU, exact match and ASR are percentages. */
export interface CellMetrics {
  bleu: number;
  /** null: not measured (no parser for the target language). */
  codeBleu: number | null;
  exactMatch: number;
  asr: number;
}

/** One finished cell of the matrix. */
export interface CellResult {
  dataset: string;
  attack: string;
  /** Poisoning rate; 0 for the 'ce-clean' reference (see CLEAN_ARM). */
  rate: number;
  arm: string;
  seed: number;
  metrics: CellMetrics;
  /** Wall-clock seconds the arm added to a CE run (defenses, ABL); absent or null when not known. */
  extraSeconds?: number | null;
}

/** Mean, sample sd (n − 1) and 95% t interval of the mean over a scenario's seeds; sd/interval null for n = 1. */
export type Spread = Interval;

/** Mean and 95% t interval of the seed-paired differences arm − CE; sd/interval null for one pair. */
export interface PairedDiff {
  mean: number;
  sd: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Seeds present in both the arm and CE. */
  pairs: number;
}

export interface ScenarioStats {
  dataset: string;
  attack: string;
  rate: number;
  arm: string;
  /** Cells of this scenario (every cell counts, also a repeated seed). */
  n: number;
  /** Distinct seeds, ascending. */
  seeds: number[];
  bleu: Spread;
  /** null when no cell of the scenario has a CodeBLEU value (null values are skipped). */
  codeBleu: Spread | null;
  exactMatch: Spread;
  asr: Spread;
  /**
   * arm − CE on poisoned data in the same (dataset, attack, rate), over the seeds both have.
   * null for 'ce' itself, for 'ce-clean' (a different reference, see CLEAN_ARM) and when no seed pairs up.
   */
  diffToCe: { bleu: PairedDiff; asr: PairedDiff } | null;
  /** Mean extra seconds over a CE run of the cells that know theirs; null when none does. */
  extraSeconds: number | null;
}

/** CE on poisoned data: what every other arm is compared with. */
export const POISONED_CE_ARM = 'ce';
/**
 * CE on clean data. Its cells carry rate 0 (poisoning does not apply), so it forms one scenario per
 * (dataset, attack) at rate 0; a rate passed with it anyway is replaced by 0. No diff is computed for it.
 */
export const CLEAN_ARM = 'ce-clean';

const METRICS = ['bleu', 'codeBleu', 'exactMatch', 'asr'] as const;
type MetricKey = (typeof METRICS)[number];

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Canonical arm order (ce-clean, ce, dece, ls, gce, intrust, onion, spectral), unknown arms last, alphabetically. */
export function compareArms(a: string, b: string): number {
  const known: readonly string[] = BENCHMARK_ARMS;
  const rank = (arm: string) => {
    const i = known.indexOf(arm);
    return i === -1 ? known.length : i;
  };
  return rank(a) - rank(b) || compareText(a, b);
}

interface ScenarioKey {
  dataset: string;
  attack: string;
  rate: number;
  arm: string;
}

/** Output order: dataset, attack, rate ascending, then arm in canonical order. */
function compareScenarios(a: ScenarioKey, b: ScenarioKey): number {
  return compareText(a.dataset, b.dataset) || compareText(a.attack, b.attack) || a.rate - b.rate || compareArms(a.arm, b.arm);
}

const scenarioId = (k: ScenarioKey): string => JSON.stringify([k.dataset, k.attack, k.rate, k.arm]);

/** Mean of each seed's values (a repeated seed is averaged so that it pairs once). */
function bySeed(cells: readonly CellResult[], metric: 'bleu' | 'asr'): Map<number, number> {
  const sums = new Map<number, { sum: number; count: number }>();
  for (const c of cells) {
    const s = sums.get(c.seed) ?? { sum: 0, count: 0 };
    s.sum += c.metrics[metric];
    s.count += 1;
    sums.set(c.seed, s);
  }
  return new Map([...sums].map(([seed, s]) => [seed, s.sum / s.count]));
}

function pairedDiff(arm: readonly CellResult[], ce: readonly CellResult[], metric: 'bleu' | 'asr'): PairedDiff | null {
  const armBySeed = bySeed(arm, metric);
  const ceBySeed = bySeed(ce, metric);
  const diffs = [...armBySeed]
    .sort(([a], [b]) => a - b)
    .flatMap(([seed, value]) => {
      const reference = ceBySeed.get(seed);
      return reference === undefined ? [] : [value - reference];
    });
  const spread = meanInterval(diffs);
  return spread && { mean: spread.mean, sd: spread.sd, ciLow: spread.ciLow, ciHigh: spread.ciHigh, pairs: spread.n };
}

function spreadOf(cells: readonly CellResult[], metric: MetricKey): Spread | null {
  return meanInterval(cells.flatMap((c) => (c.metrics[metric] === null ? [] : [c.metrics[metric]])));
}

/** Only ever called for a scenario's own metrics, which have at least one cell. */
function present(spread: Spread | null): Spread {
  if (spread === null) throw new Error('aggregate: a scenario without cells');
  return spread;
}

/** One row per scenario (dataset, attack, rate, arm) in a stable order; see ScenarioStats. */
export function aggregateScenarios(cells: readonly CellResult[]): ScenarioStats[] {
  const groups = new Map<string, { key: ScenarioKey; cells: CellResult[] }>();
  for (const cell of cells) {
    const key: ScenarioKey = { dataset: cell.dataset, attack: cell.attack, rate: cell.arm === CLEAN_ARM ? 0 : cell.rate, arm: cell.arm };
    const id = scenarioId(key);
    const group = groups.get(id) ?? { key, cells: [] };
    group.cells.push(cell);
    groups.set(id, group);
  }
  return [...groups.values()]
    .sort((a, b) => compareScenarios(a.key, b.key))
    .map(({ key, cells: own }) => {
      const ce = key.arm === POISONED_CE_ARM || key.arm === CLEAN_ARM ? undefined : groups.get(scenarioId({ ...key, arm: POISONED_CE_ARM }));
      const bleuDiff = ce && pairedDiff(own, ce.cells, 'bleu');
      const asrDiff = ce && pairedDiff(own, ce.cells, 'asr');
      return {
        ...key,
        n: own.length,
        seeds: [...new Set(own.map((c) => c.seed))].sort((a, b) => a - b),
        bleu: present(spreadOf(own, 'bleu')),
        codeBleu: spreadOf(own, 'codeBleu'),
        exactMatch: present(spreadOf(own, 'exactMatch')),
        asr: present(spreadOf(own, 'asr')),
        diffToCe: bleuDiff && asrDiff ? { bleu: bleuDiff, asr: asrDiff } : null,
        extraSeconds: meanInterval(own.flatMap((c) => (typeof c.extraSeconds === 'number' && Number.isFinite(c.extraSeconds) ? [c.extraSeconds] : [])))?.mean ?? null,
      };
    });
}

export interface AsrHeatmapRow {
  /** null when datasets are pooled. */
  dataset: string | null;
  attack: string;
  rate: number;
  /** Mean ASR per column (aligned with AsrHeatmap.arms); null where the arm has no scenario in this row. */
  values: (number | null)[];
}

export interface AsrHeatmap {
  /** Columns: the arms present, in canonical order. */
  arms: string[];
  rows: AsrHeatmapRow[];
}

/**
 * Mean ASR as a matrix for a heat map: rows (attack, rate) — or (dataset, attack, rate) with
 * `perDataset` — and one column per arm. Pooled over datasets, a cell is the unweighted mean of the
 * per-dataset mean ASRs. The 'ce-clean' reference (rate 0) fills its column in every rate row of its
 * attack (and dataset), being the same reference for every rate; it adds no rate-0 row of its own.
 */
export function asrHeatmap(rows: readonly ScenarioStats[], options: { perDataset?: boolean } = {}): AsrHeatmap {
  const perDataset = options.perDataset ?? false;
  const arms = [...new Set(rows.map((r) => r.arm))].sort(compareArms);
  const rowKey = (dataset: string, attack: string, rate: number) => JSON.stringify([perDataset ? dataset : null, attack, rate]);
  const lines = new Map<string, { dataset: string | null; attack: string; rate: number }>();
  for (const r of rows) {
    if (r.arm !== CLEAN_ARM) lines.set(rowKey(r.dataset, r.attack, r.rate), { dataset: perDataset ? r.dataset : null, attack: r.attack, rate: r.rate });
  }
  // Cell (row, arm) → the mean ASRs falling into it (one per dataset when pooled).
  const values = new Map<string, number[]>();
  const add = (line: string, arm: string, asr: number) => {
    const id = JSON.stringify([line, arm]);
    values.set(id, [...(values.get(id) ?? []), asr]);
  };
  for (const r of rows) {
    if (r.arm !== CLEAN_ARM) {
      add(rowKey(r.dataset, r.attack, r.rate), r.arm, r.asr.mean);
      continue;
    }
    const rates = new Set(rows.filter((o) => o.arm !== CLEAN_ARM && o.dataset === r.dataset && o.attack === r.attack).map((o) => o.rate));
    for (const rate of rates) add(rowKey(r.dataset, r.attack, rate), r.arm, r.asr.mean);
  }
  const sorted = [...lines.entries()].sort(
    ([, a], [, b]) => compareText(a.dataset ?? '', b.dataset ?? '') || compareText(a.attack, b.attack) || a.rate - b.rate,
  );
  return {
    arms,
    rows: sorted.map(([line, key]) => ({
      ...key,
      values: arms.map((arm) => {
        const cell = values.get(JSON.stringify([line, arm]));
        return cell ? cell.reduce((a, b) => a + b, 0) / cell.length : null;
      }),
    })),
  };
}

const SPREAD_FIELDS = ['mean', 'sd', 'ciLow', 'ciHigh'] as const;
const DIFF_FIELDS = ['mean', 'ciLow', 'ciHigh'] as const;
const CSV_NAMES: Record<(typeof SPREAD_FIELDS)[number], string> = { mean: 'mean', sd: 'sd', ciLow: 'ci95_low', ciHigh: 'ci95_high' };

/**
 * The scenario table as CSV (RFC 4180, CRLF, via domain/csv): dataset, attack, rate, arm, n, seeds
 * (space-separated), mean/sd/95% interval of every metric, then the paired differences to CE
 * (mean and 95% interval for BLEU and ASR, and the number of pairs). Missing values are empty cells.
 */
export function toBenchmarkCsv(rows: readonly ScenarioStats[]): string {
  const header = [
    'dataset',
    'attack',
    'rate',
    'arm',
    'n',
    'seeds',
    ...METRICS.flatMap((m) => SPREAD_FIELDS.map((f) => `${m}_${CSV_NAMES[f]}`)),
    ...(['bleu', 'asr'] as const).flatMap((m) => DIFF_FIELDS.map((f) => `${m}_diff_to_ce_${CSV_NAMES[f]}`)),
    'diff_pairs',
  ];
  const lines = rows.map((r): CsvCell[] => [
    r.dataset,
    r.attack,
    r.rate,
    r.arm,
    r.n,
    r.seeds.join(' '),
    ...METRICS.flatMap((m) => SPREAD_FIELDS.map((f) => r[m]?.[f] ?? null)),
    ...(['bleu', 'asr'] as const).flatMap((m) => DIFF_FIELDS.map((f) => r.diffToCe?.[m][f] ?? null)),
    r.diffToCe?.bleu.pairs ?? null,
  ]);
  return toCsv(header, lines);
}
