import { describe, expect, it } from 'vitest';
import { earlyLearning, lossGapEpoch, onsetEpoch, onsetLevel, type EpochPoint } from '../../main/benchmark/early-learning';

const point = (epoch: number, asr: number, poisonedRowLoss: number | null, cleanRowLoss: number, bleu = 10 * epoch): EpochPoint => ({
  epoch,
  bleu,
  asr,
  poisonedRowLoss,
  cleanRowLoss,
});

// CE learns the trigger: ASR 0, 5, 30, 80, 90 (peak 90 → level max(20, 45) = 45 → onset at epoch 4);
// poisoned loss 4, 3, 2, 1, 0.5 vs clean 2.5, 2.2, 2.0, 1.8, 1.6 → first strictly below at epoch 4 (epoch 3 is equal).
const CE = [point(3, 30, 2, 2.0), point(1, 0, 4, 2.5), point(2, 5, 3, 2.2), point(5, 90, 0.5, 1.6), point(4, 80, 1, 1.8)];
// DeCE stops after 4 epochs, never reaches 45% ASR, never memorises.
const DECE = [point(1, 0, 4, 2.5), point(2, 2, 3.5, 2.3), point(3, 3, 3.2, 2.1), point(4, 4, 3, 2.0)];

describe('earlyLearning', () => {
  it('onset and gap epochs of a CE run that learns the trigger and a DeCE run that does not', () => {
    const a = earlyLearning(CE, DECE);
    expect(a.onsetLevel).toBe(45);
    expect(a.ceOnsetEpoch).toBe(4);
    expect(a.deceOnsetEpoch).toBeNull();
    expect(a.gapEpoch).toBe(4);
    expect(a.deceGapEpoch).toBeNull();
  });

  it('per-epoch rows over both runs, with the poisoned/clean loss ratio', () => {
    const { rows } = earlyLearning(CE, DECE);
    expect(rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
    // Epoch 1: 4 / 2.5 = 1.6 for both runs.
    expect(rows[0]?.ce).toEqual({ bleu: 10, asr: 0, poisonedRowLoss: 4, cleanRowLoss: 2.5, lossRatio: 1.6 });
    expect(rows[0]?.dece?.lossRatio).toBeCloseTo(1.6, 12);
    // Epoch 3: CE 2 / 2 = 1; DeCE 3.2 / 2.1 ≈ 1.5238.
    expect(rows[2]?.ce?.lossRatio).toBe(1);
    expect(rows[2]?.dece?.lossRatio).toBeCloseTo(1.5238095, 6);
    // Epoch 5: CE 0.5 / 1.6 = 0.3125; DeCE stopped.
    expect(rows[4]?.ce?.lossRatio).toBeCloseTo(0.3125, 12);
    expect(rows[4]?.dece).toBeNull();
  });

  it('CE that never reaches the floor: level = floor, onset null', () => {
    // Peak 15 < 20 → level max(20, 7.5) = 20; DeCE at 25 still counts against the shared level.
    const ce = [point(1, 5, 3, 2), point(2, 15, 2.5, 2)];
    const dece = [point(1, 10, 3, 2), point(2, 25, 2.5, 2)];
    const a = earlyLearning(ce, dece);
    expect(a.onsetLevel).toBe(20);
    expect(a.ceOnsetEpoch).toBeNull();
    expect(a.deceOnsetEpoch).toBe(2);
    expect(a.gapEpoch).toBeNull();
  });

  it('the floor decides when half the peak is below it; a custom floor', () => {
    // Peak 30 → max(20, 15) = 20 → first ASR ≥ 20 is epoch 2 (22).
    const ce = [point(1, 10, 3, 2), point(2, 22, 2, 2), point(3, 30, 1, 2)];
    expect(onsetLevel(ce)).toBe(20);
    expect(onsetEpoch(ce, onsetLevel(ce))).toBe(2);
    // onsetAsr 10: max(10, 15) = 15 → still epoch 2 (10 < 15).
    expect(earlyLearning(ce, [], { onsetAsr: 10 })).toMatchObject({ onsetLevel: 15, ceOnsetEpoch: 2, deceOnsetEpoch: null });
    // onsetAsr 40 above the peak: never.
    expect(earlyLearning(ce, [], { onsetAsr: 40 }).ceOnsetEpoch).toBeNull();
  });

  it('missing poisoned-row loss: no ratio, no gap; no epochs at all', () => {
    const ce = [point(1, 0, null, 2), point(2, 50, null, 1)];
    const a = earlyLearning(ce, []);
    expect(a.rows[0]?.ce?.lossRatio).toBeNull();
    expect(a.rows[0]?.dece).toBeNull();
    expect(lossGapEpoch(ce)).toBeNull();
    expect(earlyLearning([], [])).toEqual({ rows: [], onsetLevel: 20, ceOnsetEpoch: null, deceOnsetEpoch: null, gapEpoch: null, deceGapEpoch: null });
  });

  it('clean-row loss 0 gives no ratio; NaN ASR is ignored for the peak', () => {
    const ce = [point(1, Number.NaN, 1, 0), point(2, 60, 1, 2)];
    const a = earlyLearning(ce, []);
    expect(a.rows[0]?.ce?.lossRatio).toBeNull();
    // Peak 60 → level 30 → epoch 2.
    expect(a.onsetLevel).toBe(30);
    expect(a.ceOnsetEpoch).toBe(2);
  });
});
