import { describe, expect, it } from 'vitest';
import { ScenarioRowSchema, type BenchmarkCell } from '../../common/contract-benchmark';
import { scenarioStats, toScenarioRow } from '../../main/benchmark/results';

function cell(arm: BenchmarkCell['arm'], seed: number, bleu: number, asr: number, status: BenchmarkCell['status'] = 'finished'): BenchmarkCell {
  return {
    key: `builtin-sql/badpre/0.05/${arm}/${seed}`,
    dataset: 'builtin-sql',
    attack: 'badpre',
    rate: arm === 'ce-clean' ? 0 : 0.05,
    arm,
    seed,
    status,
    runId: seed,
    reused: false,
    metrics: status === 'finished' ? { bleu, codeBleu: arm === 'onion' ? null : bleu / 2, exactMatch: 10 * seed, asr } : null,
    detail: null,
    error: null,
  };
}

describe('scenario rows of a matrix', () => {
  it('aggregates finished cells over seeds into the contract’s rows, with seed-paired differences to CE', () => {
    const rows = scenarioStats([
      cell('ce', 1, 40, 90),
      cell('ce', 2, 44, 80),
      cell('dece', 1, 41, 0),
      cell('dece', 2, 43, 10),
      cell('dece', 3, 0, 0, 'running'),
      cell('onion', 1, 30, 50),
      cell('ce-clean', 1, 45, 1),
    ]).map(toScenarioRow);
    for (const row of rows) ScenarioRowSchema.parse(row);
    expect(rows.map((r) => [r.arm, r.rate, r.n])).toEqual([
      ['ce-clean', 0, 1],
      ['ce', 0.05, 2],
      ['dece', 0.05, 2],
      ['onion', 0.05, 1],
    ]);
    const [clean, ce, dece, onion] = rows;
    // CE BLEU 40, 44: mean 42, sd √8; 95% t interval 42 ± 12.706 · √8/√2.
    expect(ce?.bleu?.mean).toBe(42);
    expect(ce?.bleu?.sd).toBeCloseTo(Math.sqrt(8), 10);
    expect(ce?.bleu?.ciHigh).toBeCloseTo(42 + 12.7062 * 2, 2);
    expect(ce?.codeBleu?.mean).toBe(21);
    expect(ce?.diffToCe).toBeNull();
    expect(clean?.diffToCe).toBeNull();
    // DeCE − CE per seed: BLEU (1, −1) → mean 0; ASR (−90, −70) → mean −80, sd √200.
    expect(dece?.diffToCe?.bleu).toMatchObject({ mean: 0, pairs: 2 });
    expect(dece?.diffToCe?.asr?.mean).toBe(-80);
    expect(dece?.diffToCe?.asr?.ciLow).toBeCloseTo(-80 - 12.7062 * 10, 2);
    // One seed: a mean without spread; CodeBLEU not measured by the defense.
    expect(onion?.bleu).toEqual({ mean: 30, sd: null, ciLow: null, ciHigh: null, n: 1 });
    expect(onion?.codeBleu).toBeNull();
    expect(onion?.diffToCe?.asr).toEqual({ mean: -40, ciLow: null, ciHigh: null, pairs: 1 });
  });
});
