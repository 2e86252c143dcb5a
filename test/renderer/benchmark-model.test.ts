import { describe, expect, it } from 'vitest';
import { BenchmarkSpecSchema, DEFAULT_POISON_RATES, ScenarioRowSchema, type ScenarioRow } from '../../common/contract-benchmark';
import {
  buildHeatmap,
  datasetFromKey,
  datasetKey,
  fractionToPercent,
  groupKey,
  heatColor,
  nextSeeds,
  niceTicks,
  parseNumberList,
  percentToFraction,
  seedsFromCount,
  sortScenarios,
} from '../../renderer/components/benchmark/model';

const spread = (mean: number, n = 3) => ({ mean, sd: 1, ciLow: mean - 2, ciHigh: mean + 2, n });

/** A scenario row that the contract itself accepts. */
function scenario(partial: Partial<ScenarioRow> & Pick<ScenarioRow, 'arm' | 'rate'>): ScenarioRow {
  return ScenarioRowSchema.parse({
    dataset: 'builtin-sql',
    attack: 'badpre',
    n: 3,
    bleu: spread(40),
    codeBleu: null,
    exactMatch: spread(10),
    asr: spread(50),
    diffToCe: null,
    ...partial,
  });
}

describe('parseNumberList', () => {
  const rates = { min: 0, minOpen: true, max: 50, maxCount: 8 };

  it('reads commas, spaces and Japanese separators', () => {
    expect(parseNumberList('1, 2, 5', rates)).toEqual({ ok: true, values: [1, 2, 5] });
    expect(parseNumberList(' 0.5 1\t2 ', rates)).toEqual({ ok: true, values: [0.5, 1, 2] });
    expect(parseNumberList('1、2，5', rates)).toEqual({ ok: true, values: [1, 2, 5] });
  });

  it('names the first problem and the value that caused it', () => {
    expect(parseNumberList('  ', rates)).toEqual({ ok: false, problem: 'empty' });
    expect(parseNumberList('1, x', rates)).toEqual({ ok: false, problem: 'notNumber', token: 'x' });
    expect(parseNumberList('0, 1', rates)).toEqual({ ok: false, problem: 'range', token: '0' });
    expect(parseNumberList('50, 51', rates)).toEqual({ ok: false, problem: 'range', token: '51' });
    expect(parseNumberList('1, 2, 1', rates)).toEqual({ ok: false, problem: 'duplicate', token: '1' });
    expect(parseNumberList('1 2 3 4 5 6 7 8 9', rates)).toEqual({ ok: false, problem: 'tooMany' });
    expect(parseNumberList('1.5', { min: 0, max: 10, integer: true, maxCount: 3 })).toEqual({ ok: false, problem: 'notNumber', token: '1.5' });
  });

  it('respects open bounds on either side', () => {
    const epsilon = { min: 0, max: 1, maxOpen: true, maxCount: 8 };
    expect(parseNumberList('0, 0.99', epsilon)).toEqual({ ok: true, values: [0, 0.99] });
    expect(parseNumberList('1', epsilon)).toEqual({ ok: false, problem: 'range', token: '1' });
  });
});

describe('rates and seeds', () => {
  it('turns the default percentages into exactly the contract defaults and back', () => {
    const percents = DEFAULT_POISON_RATES.map(fractionToPercent);
    expect(percents).toEqual([1, 2, 5]);
    expect(percents.map(percentToFraction)).toEqual([...DEFAULT_POISON_RATES]);
    expect(percentToFraction(7)).toBe(0.07);
    expect(percentToFraction(0.5)).toBe(0.005);
  });

  it('builds seed lists a spec accepts', () => {
    expect(seedsFromCount(3)).toEqual([1, 2, 3]);
    expect(nextSeeds([1, 2, 3], 2)).toEqual([4, 5]);
    expect(nextSeeds([7, 2], 1)).toEqual([8]);
    const spec = BenchmarkSpecSchema.safeParse({
      name: 'x',
      size: 'tiny',
      datasets: [datasetFromKey('builtin-sql')],
      attacks: ['badpre'],
      rates: [1, 2, 5].map(percentToFraction),
      arms: ['ce', 'dece'],
      seeds: seedsFromCount(3),
      dece: { labelSmoothing: 0.05, alphaBase: 0.9 },
    });
    expect(spec.success).toBe(true);
  });
});

describe('dataset keys', () => {
  it('round-trips every dataset kind and refuses unknown keys', () => {
    for (const dataset of [{ kind: 'builtin-sql' as const }, { kind: 'builtin-java' as const }, { kind: 'import' as const, datasetId: 12 }]) {
      expect(datasetFromKey(datasetKey(dataset))).toEqual(dataset);
    }
    expect(datasetKey({ kind: 'import', datasetId: 12 })).toBe('import:12');
    expect(datasetFromKey('import:0')).toBeNull();
    expect(datasetFromKey('import:abc')).toBeNull();
    expect(datasetFromKey('builtin-python')).toBeNull();
  });
});

describe('buildHeatmap', () => {
  const rows = [
    scenario({ arm: 'ce-clean', rate: 0, asr: spread(2) }),
    scenario({ arm: 'ce', rate: 0.05, asr: spread(90) }),
    scenario({ arm: 'ce', rate: 0.01, asr: spread(60) }),
    scenario({ arm: 'dece', rate: 0.01, asr: spread(5) }),
    scenario({ arm: 'dece', rate: 0.05, asr: null }),
    scenario({ arm: 'ce', rate: 0.01, attack: 'ripple', asr: spread(70) }),
  ];

  it('has one row per attack and poisoning rate, in rate order, and the arms in the given order', () => {
    const heatmap = buildHeatmap(rows, ['ce-clean', 'ce', 'dece']);
    expect(heatmap.rows).toEqual([
      { dataset: 'builtin-sql', attack: 'badpre', rate: 0.01 },
      { dataset: 'builtin-sql', attack: 'badpre', rate: 0.05 },
      { dataset: 'builtin-sql', attack: 'ripple', rate: 0.01 },
    ]);
    expect(heatmap.arms).toEqual(['ce-clean', 'ce', 'dece']);
  });

  it('repeats the clean reference in every rate of its attack and leaves missing results out', () => {
    const heatmap = buildHeatmap(rows, ['ce-clean', 'ce', 'dece']);
    const at = (attack: string, rate: number) => heatmap.values.get(groupKey({ dataset: 'builtin-sql', attack, rate }));
    expect(at('badpre', 0.01)?.get('ce-clean')?.asr).toBe(2);
    expect(at('badpre', 0.05)?.get('ce-clean')?.asr).toBe(2);
    expect(at('badpre', 0.01)?.get('ce')?.asr).toBe(60);
    expect(at('badpre', 0.05)?.get('ce')?.asr).toBe(90);
    expect(at('badpre', 0.01)?.get('dece')?.asr).toBe(5);
    expect(at('badpre', 0.05)?.has('dece')).toBe(false);
    // The ripple attack has no clean reference of its own; badpre's is not borrowed.
    expect(at('ripple', 0.01)?.has('ce-clean')).toBe(false);
  });
});

describe('heatColor', () => {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
  };

  it('gets darker as ASR rises, clamps out-of-range values, and keeps the text readable', () => {
    const shades = [0, 20, 40, 60, 80, 100].map((asr) => luminance(heatColor(asr).fill));
    for (let i = 1; i < shades.length; i += 1) expect(shades[i]).toBeLessThan(shades[i - 1] ?? Infinity);
    expect(heatColor(-5)).toEqual(heatColor(0));
    expect(heatColor(130)).toEqual(heatColor(100));
    expect(heatColor(0).text).toBe('#1c2430');
    expect(heatColor(100).text).toBe('#ffffff');
    expect(heatColor(Number.NaN)).toEqual(heatColor(0));
  });
});

describe('sortScenarios', () => {
  const rows = [
    scenario({ arm: 'dece', rate: 0.01, asr: spread(5) }),
    scenario({ arm: 'ce', rate: 0.01, asr: spread(60) }),
    scenario({ arm: 'ce-clean', rate: 0, asr: null }),
    scenario({ arm: 'ce', rate: 0.05, asr: spread(90) }),
  ];
  const order = ['ce-clean', 'ce', 'dece'];

  it('reads dataset, attack, rate, then arms in their order', () => {
    expect(sortScenarios(rows, 'scenario', false, order).map((r) => `${r.arm}@${r.rate}`)).toEqual(['ce-clean@0', 'ce@0.01', 'dece@0.01', 'ce@0.05']);
  });

  it('sorts by a metric either way with missing values last', () => {
    expect(sortScenarios(rows, 'asr', false, order).map((r) => r.asr?.mean ?? null)).toEqual([5, 60, 90, null]);
    expect(sortScenarios(rows, 'asr', true, order).map((r) => r.asr?.mean ?? null)).toEqual([90, 60, 5, null]);
  });
});

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(31.2, 38.9, 5)).toEqual([32, 34, 36, 38]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });
});
