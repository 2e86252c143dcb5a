import type { BenchmarkDataset, ScenarioRow } from '../../../common/contract-benchmark';

/**
 * Pure helpers of the Benchmark stage's views: parsing the list fields people type, naming datasets,
 * sorting scenarios and laying out the ASR heat-map. No React here, so they can be tested directly.
 */

/** What a typed list of numbers may hold. */
export interface NumberListRule {
  min: number;
  max: number;
  /** The bounds themselves are excluded. */
  minOpen?: boolean;
  maxOpen?: boolean;
  integer?: boolean;
  maxCount: number;
}

export type ListProblem = 'empty' | 'notNumber' | 'range' | 'duplicate' | 'tooMany';

export type ParsedList = { ok: true; values: number[] } | { ok: false; problem: ListProblem; token?: string };

/** "1, 2, 5" or "1 2 5" or "1、2、5" → [1, 2, 5], or the first thing wrong with it. */
export function parseNumberList(text: string, rule: NumberListRule): ParsedList {
  const tokens = text
    .split(/[\s,;、，]+/)
    .map((token) => token.trim())
    .filter((token) => token !== '');
  if (tokens.length === 0) return { ok: false, problem: 'empty' };
  if (tokens.length > rule.maxCount) return { ok: false, problem: 'tooMany' };
  const values: number[] = [];
  for (const token of tokens) {
    const value = Number(token);
    if (!Number.isFinite(value) || (rule.integer === true && !Number.isInteger(value))) return { ok: false, problem: 'notNumber', token };
    const lowOk = rule.minOpen === true ? value > rule.min : value >= rule.min;
    const highOk = rule.maxOpen === true ? value < rule.max : value <= rule.max;
    if (!lowOk || !highOk) return { ok: false, problem: 'range', token };
    if (values.includes(value)) return { ok: false, problem: 'duplicate', token };
    values.push(value);
  }
  return { ok: true, values };
}

/** A percentage typed by a person as the fraction the contract wants, without binary noise (7 % → 0.07). */
export function percentToFraction(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}

export function fractionToPercent(fraction: number): number {
  return Number((fraction * 100).toPrecision(12));
}

/** The seeds 1…count, the default way to ask for "n seeds". */
export function seedsFromCount(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

/** The next `count` seeds after the ones a benchmark already has (what "extend" offers by default). */
export function nextSeeds(existing: readonly number[], count: number): number[] {
  const start = existing.reduce((most, seed) => Math.max(most, seed), 0) + 1;
  return Array.from({ length: count }, (_, index) => start + index);
}

/** The key the backend uses for a dataset in cells and scenarios: 'builtin-sql', 'builtin-java' or 'import:<id>'. */
export function datasetKey(dataset: BenchmarkDataset): string {
  return dataset.kind === 'import' ? `import:${dataset.datasetId}` : dataset.kind;
}

/** The inverse of datasetKey; null for a key this version does not know. */
export function datasetFromKey(key: string): BenchmarkDataset | null {
  if (key === 'builtin-sql' || key === 'builtin-java') return { kind: key };
  const match = /^import:(\d+)$/.exec(key);
  const id = match?.[1] === undefined ? NaN : Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? { kind: 'import', datasetId: id } : null;
}

/** One (dataset, attack, rate) row of the heat-map and of the cells grid. */
export interface ScenarioGroup {
  dataset: string;
  attack: string;
  rate: number;
}

export const groupKey = (group: ScenarioGroup): string => `${group.dataset}|${group.attack}|${group.rate}`;

/**
 * The heat-map's layout: one row per (dataset, attack, poisoning rate), one column per arm, the mean ASR
 * over seeds in each cell. 'ce-clean' is trained once per (dataset, attack, seed) with rate 0 and shared
 * by every rate, so its value is repeated in each of that attack's rows rather than getting a row of its own.
 */
export interface Heatmap {
  rows: ScenarioGroup[];
  arms: string[];
  /** groupKey(row) → arm → mean ASR (%) and the number of seeds it is over. */
  values: Map<string, Map<string, { asr: number; n: number }>>;
}

export function buildHeatmap(scenarios: readonly ScenarioRow[], armOrder: readonly string[]): Heatmap {
  const poisonedRates = new Map<string, Set<number>>();
  for (const row of scenarios) {
    if (row.rate <= 0) continue;
    const key = `${row.dataset}|${row.attack}`;
    const rates = poisonedRates.get(key) ?? new Set<number>();
    rates.add(row.rate);
    poisonedRates.set(key, rates);
  }
  const rows: ScenarioGroup[] = [];
  for (const [key, rates] of poisonedRates) {
    const [dataset = '', attack = ''] = key.split('|');
    for (const rate of [...rates].sort((a, b) => a - b)) rows.push({ dataset, attack, rate });
  }
  const present = new Set(scenarios.map((row) => row.arm));
  const arms = [...armOrder.filter((arm) => present.has(arm)), ...[...present].filter((arm) => !armOrder.includes(arm)).sort()];
  const values = new Map<string, Map<string, { asr: number; n: number }>>();
  for (const group of rows) {
    const byArm = new Map<string, { asr: number; n: number }>();
    for (const row of scenarios) {
      if (row.dataset !== group.dataset || row.attack !== group.attack || row.asr === null) continue;
      if (row.rate === group.rate || (row.rate <= 0 && !byArm.has(row.arm))) byArm.set(row.arm, { asr: row.asr.mean, n: row.asr.n });
    }
    values.set(groupKey(group), byArm);
  }
  return { rows, arms, values };
}

/** Colour stops of the ASR scale: low ASR is pale, full attack success is dark red. */
const HEAT_STOPS: readonly (readonly [number, readonly [number, number, number]])[] = [
  [0, [240, 249, 244]],
  [25, [254, 240, 190]],
  [50, [251, 176, 96]],
  [75, [232, 89, 60]],
  [100, [153, 27, 27]],
];

const hex = (value: number) => Math.round(value).toString(16).padStart(2, '0');

/** The fill for an ASR (%), clamped to 0–100, and a text colour that stays readable on it. */
export function heatColor(asr: number): { fill: string; text: string } {
  const value = Number.isFinite(asr) ? Math.min(100, Math.max(0, asr)) : 0;
  let index = 1;
  while (index < HEAT_STOPS.length - 1 && (HEAT_STOPS[index]?.[0] ?? 100) < value) index += 1;
  const [x0, c0] = HEAT_STOPS[index - 1] ?? HEAT_STOPS[0] ?? [0, [0, 0, 0]];
  const [x1, c1] = HEAT_STOPS[index] ?? [100, c0];
  const share = x1 === x0 ? 0 : (value - x0) / (x1 - x0);
  const rgb = c0.map((channel, i) => channel + ((c1[i] ?? channel) - channel) * share);
  return { fill: `#${rgb.map(hex).join('')}`, text: value >= 62 ? '#ffffff' : '#1c2430' };
}

/** A linear gradient of the same scale, for the legend. */
export function heatGradient(): string {
  return `linear-gradient(to right, ${HEAT_STOPS.map(([at]) => `${heatColor(at).fill} ${at}%`).join(', ')})`;
}

export const SCENARIO_SORT_KEYS = ['scenario', 'bleu', 'codeBleu', 'exactMatch', 'asr', 'diffBleu', 'diffAsr'] as const;
export type ScenarioSortKey = (typeof SCENARIO_SORT_KEYS)[number];

function sortValue(row: ScenarioRow, key: Exclude<ScenarioSortKey, 'scenario'>): number | null {
  switch (key) {
    case 'diffBleu':
      return row.diffToCe?.bleu?.mean ?? null;
    case 'diffAsr':
      return row.diffToCe?.asr?.mean ?? null;
    default:
      return row[key]?.mean ?? null;
  }
}

/**
 * Scenarios in reading order (dataset, attack, rate, then arms in the order given) or by one metric;
 * rows without the metric go last whichever the direction.
 */
export function sortScenarios(rows: readonly ScenarioRow[], key: ScenarioSortKey, descending: boolean, armOrder: readonly string[]): ScenarioRow[] {
  const armIndex = (arm: string) => {
    const index = armOrder.indexOf(arm);
    return index === -1 ? armOrder.length : index;
  };
  const natural = (a: ScenarioRow, b: ScenarioRow) =>
    a.dataset.localeCompare(b.dataset) || a.attack.localeCompare(b.attack) || a.rate - b.rate || armIndex(a.arm) - armIndex(b.arm) || a.arm.localeCompare(b.arm);
  return [...rows].sort((a, b) => {
    if (key === 'scenario') return descending ? natural(b, a) : natural(a, b);
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === null || y === null) return x === y ? natural(a, b) : x === null ? 1 : -1;
    return (descending ? y - x : x - y) || natural(a, b);
  });
}

/** Evenly spaced round tick values covering [min, max] (for the SVG axes). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max <= min) return [min];
  const rough = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}
