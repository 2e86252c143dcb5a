import { describe, expect, it } from 'vitest';
import { chooseBest, gridPoints, halvingPlan, rankTrials, selectSurvivors, sensitivity, type Trial } from '../../main/benchmark/search';

const trial = (labelSmoothing: number, alphaBase: number, bleu: number, asr: number, epochs = 9): Trial => ({ labelSmoothing, alphaBase, epochs, bleu, asr });
const id = (t: Trial) => `${t.labelSmoothing}/${t.alphaBase}@${t.epochs}`;

describe('gridPoints', () => {
  it('all combinations, deduplicated, sorted by ε then α base', () => {
    expect(gridPoints({ labelSmoothing: [0.1, 0, 0.1], alphaBase: [0.9, 0.5, 0.9] })).toEqual([
      { labelSmoothing: 0, alphaBase: 0.5 },
      { labelSmoothing: 0, alphaBase: 0.9 },
      { labelSmoothing: 0.1, alphaBase: 0.5 },
      { labelSmoothing: 0.1, alphaBase: 0.9 },
    ]);
    expect(gridPoints({ labelSmoothing: [], alphaBase: [0.5] })).toEqual([]);
  });

  it('rejects values outside ε ∈ [0, 1) and α base ∈ (0, 1]', () => {
    expect(() => gridPoints({ labelSmoothing: [1], alphaBase: [0.5] })).toThrow(RangeError);
    expect(() => gridPoints({ labelSmoothing: [0], alphaBase: [0] })).toThrow(RangeError);
    expect(() => gridPoints({ labelSmoothing: [Number.NaN], alphaBase: [0.5] })).toThrow(RangeError);
    expect(gridPoints({ labelSmoothing: [0], alphaBase: [1] })).toHaveLength(1);
  });
});

describe('halvingPlan', () => {
  it('9 points, eta 3, 1..9 epochs: 9 × 1, 3 × 3, 1 × 9', () => {
    // ceil(9/3) = 3, ceil(3/3) = 1; epochs 1, 1·3, 1·3² = 9.
    expect(halvingPlan({ points: 9, minEpochs: 1, maxEpochs: 9 })).toEqual([
      { rung: 0, epochs: 1, points: 9, keep: 3 },
      { rung: 1, epochs: 3, points: 3, keep: 1 },
      { rung: 2, epochs: 9, points: 1, keep: 0 },
    ]);
    // Accepts the points themselves.
    const points = gridPoints({ labelSmoothing: [0, 0.05, 0.1], alphaBase: [0.5, 0.7, 0.9] });
    expect(halvingPlan({ points, minEpochs: 1, maxEpochs: 9, eta: 3 }).map((r) => r.points)).toEqual([9, 3, 1]);
  });

  it('ends at one point even below maxEpochs; caps epochs at maxEpochs', () => {
    expect(halvingPlan({ points: 9, minEpochs: 1, maxEpochs: 27 }).map((r) => [r.points, r.epochs])).toEqual([
      [9, 1],
      [3, 3],
      [1, 9],
    ]);
    // 2, 6, then 18 capped to 10.
    expect(halvingPlan({ points: 9, minEpochs: 2, maxEpochs: 10 }).map((r) => [r.points, r.epochs])).toEqual([
      [9, 2],
      [3, 6],
      [1, 10],
    ]);
    // Reaching maxEpochs ends the plan with 3 points left.
    expect(halvingPlan({ points: 9, minEpochs: 3, maxEpochs: 9 })).toEqual([
      { rung: 0, epochs: 3, points: 9, keep: 3 },
      { rung: 1, epochs: 9, points: 3, keep: 0 },
    ]);
    // 10 points: ceil(10/3) = 4, ceil(4/3) = 2, ceil(2/3) = 1.
    expect(halvingPlan({ points: 10, minEpochs: 1, maxEpochs: 100 }).map((r) => [r.points, r.epochs, r.keep])).toEqual([
      [10, 1, 4],
      [4, 3, 2],
      [2, 9, 1],
      [1, 27, 0],
    ]);
    // eta 2, 4 points: 4 × 1, 2 × 2, 1 × 4.
    expect(halvingPlan({ points: 4, minEpochs: 1, maxEpochs: 8, eta: 2 }).map((r) => [r.points, r.epochs])).toEqual([
      [4, 1],
      [2, 2],
      [1, 4],
    ]);
  });

  it('edge cases and invalid input', () => {
    expect(halvingPlan({ points: 0, minEpochs: 1, maxEpochs: 9 })).toEqual([]);
    expect(halvingPlan({ points: 1, minEpochs: 2, maxEpochs: 9 })).toEqual([{ rung: 0, epochs: 2, points: 1, keep: 0 }]);
    expect(() => halvingPlan({ points: 9, minEpochs: 5, maxEpochs: 3 })).toThrow(RangeError);
    expect(() => halvingPlan({ points: 9, minEpochs: 1, maxEpochs: 9, eta: 1 })).toThrow(RangeError);
    expect(() => halvingPlan({ points: 9, minEpochs: 0, maxEpochs: 9 })).toThrow(RangeError);
  });
});

// CE BLEU 30, tolerance 2 → feasible when BLEU ≥ 28.
const OBJECTIVE = { ceBleu: 30, tolerance: 2 };
const A = trial(0, 0.5, 29, 10); // feasible, ASR 10
const B = trial(0, 0.9, 31, 10); // feasible, ASR 10, higher BLEU than A → before A
const C = trial(0.1, 0.5, 28, 5); // feasible exactly at the floor, lowest ASR → first
const D = trial(0.1, 0.9, 27.9, 0); // infeasible (27.9 < 28) despite ASR 0
const E = trial(0.2, 0.5, 20, 0); // infeasible, lower BLEU than D
const F = trial(0.2, 0.9, Number.NaN, 0); // diverged → infeasible, last

describe('ranking and selection', () => {
  it('feasible by ASR asc (BLEU desc on ties), then infeasible by BLEU desc', () => {
    expect(rankTrials([F, E, D, A, B, C], OBJECTIVE).map(id)).toEqual([C, B, A, D, E, F].map(id));
    expect(rankTrials([A, C, B, F, D, E], OBJECTIVE).map(id)).toEqual([C, B, A, D, E, F].map(id));
  });

  it('selectSurvivors keeps the top k, infeasible ones only to fill up', () => {
    expect(selectSurvivors([A, B, C, D, E, F], 2, OBJECTIVE).map(id)).toEqual([C, B].map(id));
    expect(selectSurvivors([A, B, C, D, E, F], 5, OBJECTIVE).map(id)).toEqual([C, B, A, D, E].map(id));
    expect(selectSurvivors([A], 0, OBJECTIVE)).toEqual([]);
  });

  it('chooseBest: the best feasible point among the trials with the most epochs', () => {
    // An early 1-epoch trial with ASR 0 must not win: ASR is only comparable at equal training length.
    const early = trial(0.3, 0.5, 35, 0, 1);
    const choice = chooseBest([early, A, B, C, D, E, F], OBJECTIVE);
    expect(choice.chosen).toEqual({ labelSmoothing: 0.1, alphaBase: 0.5 });
    expect(choice.trial).toBe(C);
    expect(choice.reason).toContain('28.0');
    expect(choice.reason).toContain('3 of 6');
  });

  it('chooseBest: null with a reason when nothing is feasible or nothing finished', () => {
    const none = chooseBest([D, E, F], OBJECTIVE);
    expect(none.chosen).toBeNull();
    expect(none.trial).toBeNull();
    expect(none.reason).toContain('None of the 3');
    expect(none.reason).toContain('27.9');
    expect(chooseBest([], OBJECTIVE)).toEqual({ chosen: null, trial: null, reason: 'No trial has finished yet.' });
  });
});

describe('sensitivity', () => {
  it('neighbours along each axis, compared with the chosen point at the same epochs', () => {
    const chosen = { labelSmoothing: 0.1, alphaBase: 0.5 };
    const trials = [
      trial(0.1, 0.5, 30, 5, 9), // the chosen point, 9 epochs
      trial(0.1, 0.5, 10, 0, 1), // the chosen point, 1 epoch
      trial(0, 0.5, 29, 10, 9), // ε neighbour: ΔBLEU 29 − 30 = −1, ΔASR 10 − 5 = 5
      trial(0, 0.5, 12, 0, 1), // the same neighbour after 1 epoch: superseded by its 9-epoch trial
      trial(0.2, 0.5, 28, 3, 9), // ε neighbour: −2, −2
      trial(0.1, 0.9, 31, 20, 9), // α neighbour: +1, +15
      trial(0.1, 0.3, 8, 1, 1), // α neighbour only at 1 epoch: 8 − 10 = −2, 1 − 0 = 1
      trial(0.3, 0.5, 25, 2, 3), // no chosen trial at 3 epochs → left out
      trial(0, 0.9, 31, 1, 9), // differs in both → not a neighbour
    ];
    expect(sensitivity(trials, chosen)).toEqual([
      { parameter: 'labelSmoothing', value: 0, epochs: 9, bleu: 29, asr: 10, deltaBleu: -1, deltaAsr: 5 },
      { parameter: 'labelSmoothing', value: 0.2, epochs: 9, bleu: 28, asr: 3, deltaBleu: -2, deltaAsr: -2 },
      { parameter: 'alphaBase', value: 0.3, epochs: 1, bleu: 8, asr: 1, deltaBleu: -2, deltaAsr: 1 },
      { parameter: 'alphaBase', value: 0.9, epochs: 9, bleu: 31, asr: 20, deltaBleu: 1, deltaAsr: 15 },
    ]);
  });

  it('no trial of the chosen point: nothing to compare', () => {
    expect(sensitivity([trial(0, 0.5, 29, 10)], { labelSmoothing: 0.1, alphaBase: 0.5 })).toEqual([]);
  });
});
