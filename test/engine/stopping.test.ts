import { describe, expect, it } from 'vitest';
import type { StoppingConfig } from '../../common/run-config';
import { PILOT_STOPPING } from '../../common/presets';
import { bestValidationEpoch, decideStop, epochsForStepBudget, pretrainEpochsForMinSteps, type ValidationPoint } from '../../main/engine/stopping';

const rule: StoppingConfig = { ...PILOT_STOPPING, budgetSeconds: null };
const roomy = { maxEpochs: 30, secondsLeft: Number.POSITIVE_INFINITY, lastEpochSeconds: 10 };

/** Feeds the rule one epoch at a time, as training does, and returns the first stop. */
function firstStop(asr: number[], bleu: number[], context = roomy, stoppingRule = rule) {
  const points: ValidationPoint[] = [];
  for (let i = 0; i < asr.length; i++) {
    points.push({ asr: asr[i] ?? 0, bleu: bleu[i] ?? 0 });
    const decision = decideStop(points, points.length, stoppingRule, typeof context === 'function' ? (context as (n: number) => typeof roomy)(i + 1) : context);
    if (decision) return decision;
  }
  return null;
}

describe('the stopping rule on scripted validation sequences', () => {
  it('rising: stops once ASR has passed the claim and stops rising, not before', () => {
    const asr = [2, 10, 30, 55, 70, 72, 73, 74, 74, 75];
    const bleu = [40, 45, 48, 50, 51, 52, 53, 54, 55, 56];
    const stop = firstStop(asr, bleu);
    expect(stop).toMatchObject({ reason: 'backdoor-learned', epoch: 7 });
    expect(stop?.detail).toMatch(/rose to 73\.0%/);
    // Still rising by ≥ 5 points at epoch 5 and 6: no stop there.
    expect(firstStop(asr.slice(0, 6), bleu.slice(0, 6))).toBeNull();
  });

  it('plateau below the claim: stops when neither ASR nor BLEU improves any more', () => {
    const stop = firstStop([0, 10, 25, 30, 31, 31, 30, 31], [40, 46, 50, 52, 52.2, 52.3, 52.1, 52.2]);
    expect(stop).toMatchObject({ reason: 'converged', epoch: 6 });
    expect(stop?.detail).toMatch(/best 31\.0%/);
  });

  it('never rising: keeps training while clean quality improves, stops when it converges', () => {
    const bleu = [30, 36, 41, 45, 48, 50, 51, 51.2, 51.3, 51.2];
    const stop = firstStop(Array.from({ length: 10 }, () => 0), bleu);
    expect(stop).toMatchObject({ reason: 'converged', epoch: 9 });
  });

  it('flat validation while the training loss still falls: keeps training (memorising, when a backdoor is learned), stops once the loss flattens too', () => {
    // The Pilot's rule carries the loss condition; without it, validation alone decides.
    expect(rule.minTrainLossDrop).toBe(0.05);
    const fitting: StoppingConfig = rule;
    const validationOnly: StoppingConfig = { ...rule };
    delete validationOnly.minTrainLossDrop;
    const points = (losses: number[], asr: number[] = losses.map(() => 0)): ValidationPoint[] => losses.map((trainLoss, i) => ({ asr: asr[i] ?? 0, bleu: 12, trainLoss }));
    const feed = (history: ValidationPoint[], stoppingRule: StoppingConfig) => {
      for (let n = 1; n <= history.length; n++) {
        const decision = decideStop(history.slice(0, n), n, stoppingRule, roomy);
        if (decision) return decision;
      }
      return null;
    };
    // Loss falls ~7% an epoch: validation alone would call it converged at epoch 3.
    const falling = points([2.4, 2.25, 2.1, 1.95, 1.8, 1.68, 1.6, 1.58, 1.57, 1.57]);
    expect(feed(falling, validationOnly)).toMatchObject({ reason: 'converged', epoch: 3 });
    const stop = feed(falling, fitting);
    // Epochs 8 and 9 fall by (1.6 − 1.57) / 1.6 ≈ 1.9% over the two before: converged at 9.
    expect(stop).toMatchObject({ reason: 'converged', epoch: 9 });
    expect(stop?.detail).toMatch(/training loss fell 1\.9% \(less than 5%\)/);
    // The backdoor rising meanwhile is caught as learned, whatever the loss does.
    const rising = points([2.4, 2.25, 2.1, 1.95, 1.8, 1.68, 1.6, 1.5], [0, 0, 2, 20, 60, 85, 86, 86]);
    expect(feed(rising, fitting)).toMatchObject({ reason: 'backdoor-learned', epoch: 8 });
    // Without a training loss (older records), validation alone decides, as before.
    expect(feed(falling.map(({ asr, bleu }) => ({ asr, bleu })), fitting)).toMatchObject({ reason: 'converged', epoch: 3 });
  });

  it('budget exhausted: stops on the step budget, or when another epoch would not fit in the time left', () => {
    const rising = Array.from({ length: 12 }, (_, i) => i * 4);
    const bleu = Array.from({ length: 12 }, (_, i) => 30 + i * 2);
    expect(firstStop(rising, bleu, { ...roomy, maxEpochs: 5 })).toMatchObject({ reason: 'max-epochs', epoch: 5 });
    const clock = (epoch: number) => ({ maxEpochs: 30, secondsLeft: 100 - epoch * 30, lastEpochSeconds: 30 });
    const stop = firstStop(rising, bleu, clock as unknown as typeof roomy);
    expect(stop).toMatchObject({ reason: 'time-budget', epoch: 3 });
    expect(stop?.detail).toMatch(/~30 s.*10 s left/);
  });

  it('never stops on a plateau before minEpochs, and without validation only the budgets apply', () => {
    expect(decideStop([{ asr: 90, bleu: 50 }, { asr: 90, bleu: 50 }], 2, { ...rule, minEpochs: 3 }, roomy)).toBeNull();
    expect(decideStop([], 4, rule, roomy)).toBeNull();
    expect(decideStop([], 30, rule, roomy)).toMatchObject({ reason: 'max-epochs' });
  });

  it('sizes epochs from a step budget and picks the best validation epoch, never the test one', () => {
    expect(epochsForStepBudget(3000, 1600, 16)).toBe(30);
    expect(epochsForStepBudget(10, 1600, 16)).toBe(1);
    // Pre-training: at least 600 steps — 720 carved pairs are 45 steps an epoch, so 14 epochs instead of 6;
    // 1,600 pairs already make 600 steps in 6; no pre-training stays none.
    expect(pretrainEpochsForMinSteps(6, 600, 720, 16)).toBe(14);
    expect(pretrainEpochsForMinSteps(6, 600, 1600, 16)).toBe(6);
    expect(pretrainEpochsForMinSteps(0, 600, 720, 16)).toBe(0);
    expect(pretrainEpochsForMinSteps(6, 600, 0, 16)).toBe(6);
    const epochs = [
      { epoch: 1, bleu: 90, validation: { bleu: 40 } },
      { epoch: 2, bleu: 10, validation: { bleu: 55 } },
      { epoch: 3, bleu: 95, validation: { bleu: 55 } },
    ];
    expect(bestValidationEpoch(epochs)).toBe(2);
    expect(bestValidationEpoch([{ epoch: 1 }])).toBeNull();
  });
});
