import { describe, expect, it } from 'vitest';
import { aggregateScenarios, asrHeatmap, compareArms, toBenchmarkCsv, type CellResult, type ScenarioStats } from '../../main/benchmark/aggregate';
import { meanInterval, tQuantile } from '../../main/domain/stats';

// Student t quantiles from a printed table (two-sided 95%: p = 0.975).
const T975_1 = 12.706205;
const T975_2 = 4.302653;

function cell(dataset: string, attack: string, rate: number, arm: string, seed: number, m: Partial<CellResult['metrics']>): CellResult {
  return { dataset, attack, rate, arm, seed, metrics: { bleu: 0, codeBleu: null, exactMatch: 0, asr: 0, ...m } };
}

/** Deliberately out of order. */
const CELLS: CellResult[] = [
  cell('sql', 'badpre', 0.05, 'zeta', 1, { asr: 70 }),
  cell('sql', 'badpre', 0.05, 'dece', 4, { bleu: 40, asr: 3 }),
  cell('sql', 'badpre', 0.05, 'ce', 3, { bleu: 30, codeBleu: 50, exactMatch: 5, asr: 99 }),
  cell('sql', 'ripple', 0.05, 'ce', 1, { asr: 40 }),
  cell('sql', 'badpre', 0.05, 'dece', 1, { bleu: 12, asr: 10 }),
  cell('sql', 'badpre', 0.05, 'onion', 2, { asr: 60 }),
  cell('sql', 'badpre', 0.01, 'dece', 1, { bleu: 18, asr: 4 }),
  cell('sql', 'badpre', 0.05, 'ce', 1, { bleu: 10, codeBleu: 40, exactMatch: 5, asr: 90 }),
  cell('sql', 'badpre', 0.05, 'aardvark', 1, { asr: 80 }),
  cell('sql', 'badpre', 0, 'ce-clean', 1, { bleu: 25, asr: 1 }),
  cell('sql', 'badpre', 0.05, 'ls', 9, { bleu: 22, asr: 50 }),
  cell('java', 'badpre', 0.05, 'ce', 1, { bleu: 15, asr: 50 }),
  cell('sql', 'badpre', 0.05, 'dece', 2, { bleu: 21, asr: 6 }),
  cell('sql', 'badpre', 0.01, 'ce', 1, { bleu: 20, asr: 30 }),
  cell('sql', 'badpre', 0.05, 'ce', 2, { bleu: 20, codeBleu: null, exactMatch: 5, asr: 96 }),
];

const rows = aggregateScenarios(CELLS);
const find = (dataset: string, attack: string, rate: number, arm: string): ScenarioStats => {
  const row = rows.find((r) => r.dataset === dataset && r.attack === attack && r.rate === rate && r.arm === arm);
  if (!row) throw new Error(`no row ${dataset} ${attack} ${rate} ${arm}`);
  return row;
};

describe('Student t quantile and mean interval (reports/stats)', () => {
  it('matches printed t tables', () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(T975_1, 5);
    expect(tQuantile(0.975, 2)).toBeCloseTo(T975_2, 5);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
    expect(tQuantile(0.995, 4)).toBeCloseTo(4.604095, 5);
    expect(tQuantile(0.025, 5)).toBeCloseTo(-2.570582, 5);
    expect(tQuantile(0.5, 3)).toBe(0);
    expect(() => tQuantile(0.975, 0)).toThrow(RangeError);
    expect(() => tQuantile(1, 3)).toThrow(RangeError);
  });

  it('interval of 10, 20, 30: 20 ± 4.302653·10/√3 = [−4.84138, 44.84138]', () => {
    const s = meanInterval([10, 20, 30]);
    expect(s?.mean).toBe(20);
    expect(s?.sd).toBeCloseTo(10, 12);
    expect(s?.ciLow).toBeCloseTo(-4.84138, 4);
    expect(s?.ciHigh).toBeCloseTo(44.84138, 4);
    expect(meanInterval([7])).toEqual({ mean: 7, sd: null, n: 1, ciLow: null, ciHigh: null });
    expect(meanInterval([])).toBeNull();
  });
});

describe('aggregateScenarios', () => {
  it('orders datasets, attacks, rates ascending and arms canonically (unknown arms last, alphabetical)', () => {
    expect(rows.map((r) => `${r.dataset}/${r.attack}/${r.rate}/${r.arm}`)).toEqual([
      'java/badpre/0.05/ce',
      'sql/badpre/0/ce-clean',
      'sql/badpre/0.01/ce',
      'sql/badpre/0.01/dece',
      'sql/badpre/0.05/ce',
      'sql/badpre/0.05/dece',
      'sql/badpre/0.05/ls',
      'sql/badpre/0.05/onion',
      'sql/badpre/0.05/aardvark',
      'sql/badpre/0.05/zeta',
      'sql/ripple/0.05/ce',
    ]);
    expect(['spectral', 'zeta', 'ce', 'ce-clean', 'aardvark', 'intrust'].sort(compareArms)).toEqual(['ce-clean', 'ce', 'intrust', 'spectral', 'aardvark', 'zeta']);
  });

  it('mean, sample sd and 95% t interval per metric; null CodeBLEU values skipped', () => {
    const ce = find('sql', 'badpre', 0.05, 'ce');
    expect(ce.n).toBe(3);
    expect(ce.seeds).toEqual([1, 2, 3]);
    // BLEU 10, 20, 30: mean 20, sd 10, CI 20 ± 4.302653·10/√3 = 20 ± 24.84138.
    expect(ce.bleu.mean).toBe(20);
    expect(ce.bleu.sd).toBeCloseTo(10, 10);
    expect(ce.bleu.ciLow).toBeCloseTo(20 - 24.84138, 4);
    expect(ce.bleu.ciHigh).toBeCloseTo(20 + 24.84138, 4);
    expect(ce.bleu.n).toBe(3);
    // ASR 90, 96, 99: mean 95, squared deviations 25 + 1 + 16 = 42, sd = √(42/2) = √21 ≈ 4.582576;
    // half-width 4.302653·√21/√3 = 4.302653·√7 = 4.302653·2.645751 ≈ 11.383749.
    expect(ce.asr.mean).toBe(95);
    expect(ce.asr.sd).toBeCloseTo(4.582576, 5);
    expect(ce.asr.ciLow).toBeCloseTo(95 - 11.383749, 4);
    expect(ce.asr.ciHigh).toBeCloseTo(95 + 11.383749, 4);
    // CodeBLEU 40, null, 50 → two values: mean 45, sd √(25 + 25) = 7.071068, half-width 12.706205·7.071068/√2 = 63.531025.
    expect(ce.codeBleu?.n).toBe(2);
    expect(ce.codeBleu?.mean).toBe(45);
    expect(ce.codeBleu?.sd).toBeCloseTo(7.071068, 5);
    expect(ce.codeBleu?.ciLow).toBeCloseTo(45 - 5 * T975_1, 4);
    expect(ce.codeBleu?.ciHigh).toBeCloseTo(45 + 5 * T975_1, 4);
    // Exact match 5, 5, 5: sd 0, a zero-width interval.
    expect(ce.exactMatch).toEqual({ mean: 5, sd: 0, n: 3, ciLow: 5, ciHigh: 5 });
    expect(ce.diffToCe).toBeNull();
    // DeCE has no CodeBLEU at all.
    expect(find('sql', 'badpre', 0.05, 'dece').codeBleu).toBeNull();
  });

  it('n = 1: sd and interval null', () => {
    const clean = find('sql', 'badpre', 0, 'ce-clean');
    expect(clean.n).toBe(1);
    expect(clean.bleu).toEqual({ mean: 25, sd: null, n: 1, ciLow: null, ciHigh: null });
    expect(clean.asr).toEqual({ mean: 1, sd: null, n: 1, ciLow: null, ciHigh: null });
    expect(clean.diffToCe).toBeNull();
  });

  it('diffs to CE use only the seeds both arms have', () => {
    const dece = find('sql', 'badpre', 0.05, 'dece');
    expect(dece.n).toBe(3);
    expect(dece.seeds).toEqual([1, 2, 4]);
    // Seeds 1 and 2 pair (CE has no seed 4). BLEU: 12 − 10 = 2, 21 − 20 = 1 → mean 1.5, sd √0.5 = 0.707107,
    // half-width 12.706205·0.707107/√2 = 12.706205·0.5 = 6.353102.
    expect(dece.diffToCe?.bleu.pairs).toBe(2);
    expect(dece.diffToCe?.bleu.mean).toBeCloseTo(1.5, 10);
    expect(dece.diffToCe?.bleu.sd).toBeCloseTo(0.707107, 5);
    expect(dece.diffToCe?.bleu.ciLow).toBeCloseTo(1.5 - 6.353102, 4);
    expect(dece.diffToCe?.bleu.ciHigh).toBeCloseTo(1.5 + 6.353102, 4);
    // ASR: 10 − 90 = −80, 6 − 96 = −90 → mean −85, sd √50 = 7.071068, half-width 12.706205·5 = 63.531025.
    expect(dece.diffToCe?.asr.mean).toBeCloseTo(-85, 10);
    expect(dece.diffToCe?.asr.ciLow).toBeCloseTo(-85 - 63.531025, 4);
    expect(dece.diffToCe?.asr.ciHigh).toBeCloseTo(-85 + 63.531025, 4);
    // DeCE's own spread is over its three cells: BLEU 12, 21, 40 → mean 73/3.
    expect(dece.bleu.mean).toBeCloseTo(73 / 3, 10);
  });

  it('one pair: a mean without interval; no pair or no CE: null', () => {
    const dece = find('sql', 'badpre', 0.01, 'dece');
    // 18 − 20 = −2 and 4 − 30 = −26.
    expect(dece.diffToCe).toEqual({
      bleu: { mean: -2, sd: null, ciLow: null, ciHigh: null, pairs: 1 },
      asr: { mean: -26, sd: null, ciLow: null, ciHigh: null, pairs: 1 },
    });
    expect(find('sql', 'badpre', 0.05, 'ls').diffToCe).toBeNull(); // seed 9 only
    // Onion seed 2 against CE seed 2: 60 − 96 = −36.
    expect(find('sql', 'badpre', 0.05, 'onion').diffToCe?.asr.mean).toBe(-36);
  });

  it('puts ce-clean at rate 0 whatever rate it came with', () => {
    const r = aggregateScenarios([cell('d', 'a', 0.05, 'ce-clean', 1, {}), cell('d', 'a', 0, 'ce-clean', 2, {})]);
    expect(r).toHaveLength(1);
    expect(r[0]?.rate).toBe(0);
    expect(r[0]?.n).toBe(2);
  });
});

describe('asrHeatmap', () => {
  it('pooled: rows (attack, rate), columns arms, mean of per-dataset means; ce-clean in every rate of its attack', () => {
    const map = asrHeatmap(rows);
    expect(map.arms).toEqual(['ce-clean', 'ce', 'dece', 'ls', 'onion', 'aardvark', 'zeta']);
    expect(map.rows.map((r) => [r.dataset, r.attack, r.rate])).toEqual([
      [null, 'badpre', 0.01],
      [null, 'badpre', 0.05],
      [null, 'ripple', 0.05],
    ]);
    for (const r of map.rows) expect(r.values).toHaveLength(7);
    // badpre 0.01: ce-clean 1, ce 30, dece 4.
    expect(map.rows[0]?.values).toEqual([1, 30, 4, null, null, null, null]);
    // badpre 0.05: ce = (java 50 + sql 95) / 2 = 72.5; dece (10 + 6 + 3) / 3 = 19/3.
    const mid = map.rows[1]?.values ?? [];
    expect(mid[0]).toBe(1);
    expect(mid[1]).toBe(72.5);
    expect(mid[2]).toBeCloseTo(19 / 3, 10);
    expect(mid.slice(3)).toEqual([50, 60, 80, 70]);
    expect(map.rows[2]?.values).toEqual([null, 40, null, null, null, null, null]);
  });

  it('per dataset: one row per (dataset, attack, rate)', () => {
    const map = asrHeatmap(rows, { perDataset: true });
    expect(map.rows.map((r) => [r.dataset, r.attack, r.rate])).toEqual([
      ['java', 'badpre', 0.05],
      ['sql', 'badpre', 0.01],
      ['sql', 'badpre', 0.05],
      ['sql', 'ripple', 0.05],
    ]);
    expect(map.rows[0]?.values).toEqual([null, 50, null, null, null, null, null]);
    expect(map.rows[2]?.values[1]).toBe(95);
  });

  it('empty input: no rows, no columns', () => {
    expect(asrHeatmap([])).toEqual({ arms: [], rows: [] });
  });
});

describe('toBenchmarkCsv', () => {
  it('header plus one CRLF line per scenario, RFC 4180 quoting, formula-looking text neutralised', () => {
    const r = aggregateScenarios([
      cell('imp,"x"', 'badpre', 0.05, 'ce', 1, { bleu: 10, asr: 90 }),
      cell('imp,"x"', 'badpre', 0.05, 'dece', 1, { bleu: 12, codeBleu: 33, asr: 10 }),
      cell('=evil', 'badpre', 0, 'ce-clean', 1, { bleu: 25, asr: 1 }),
    ]);
    const csv = toBenchmarkCsv(r);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.split('\r\n').slice(0, -1);
    expect(lines).toHaveLength(4);
    const header = lines[0]?.split(',') ?? [];
    // 6 key columns + 4 metrics × 4 + 2 diffs × 3 + pairs.
    expect(header).toHaveLength(6 + 16 + 6 + 1);
    expect(header.slice(0, 10)).toEqual(['dataset', 'attack', 'rate', 'arm', 'n', 'seeds', 'bleu_mean', 'bleu_sd', 'bleu_ci95_low', 'bleu_ci95_high']);
    expect(header.slice(-7)).toEqual([
      'bleu_diff_to_ce_mean',
      'bleu_diff_to_ce_ci95_low',
      'bleu_diff_to_ce_ci95_high',
      'asr_diff_to_ce_mean',
      'asr_diff_to_ce_ci95_low',
      'asr_diff_to_ce_ci95_high',
      'diff_pairs',
    ]);
    // '=evil' sorts before 'imp…'; n = 1 leaves sd and interval empty; no CodeBLEU, no diff.
    expect(lines[1]).toBe(`'=evil,badpre,0,ce-clean,1,1,25,,,,,,,,0,,,,1,,,,,,,,,,`);
    expect(lines[2]).toBe('"imp,""x""",badpre,0.05,ce,1,1,10,,,,,,,,0,,,,90,,,,,,,,,,');
    // DeCE − CE with one pair: BLEU +2, ASR −80.
    expect(lines[3]).toBe('"imp,""x""",badpre,0.05,dece,1,1,12,,,,33,,,,0,,,,10,,,,2,,,-80,,,1');
  });
});
