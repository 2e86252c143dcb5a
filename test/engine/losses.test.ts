import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LossConfig, LossKind } from '../../common/run-config';
import { DEFAULT_LOSS_PARAMETERS, createLoss, deceAlpha } from '../../main/engine/losses';
import { readGolden } from '../helpers/golden';

const golden = readGolden();

function lossConfig(kind: LossKind, overrides: Partial<LossConfig> = {}): LossConfig {
  return { kind, ...DEFAULT_LOSS_PARAMETERS, ...overrides };
}

function lossAndGradient(kind: LossKind, logits: number[][], target: number[], epoch: number, overrides: Partial<LossConfig>, ignore: number | null) {
  const loss = createLoss(lossConfig(kind, overrides), ignore);
  const x = tf.tensor2d(logits);
  const f = tf.valueAndGrad((input: tf.Tensor) => loss.apply(input as tf.Tensor2D, Int32Array.from(target), epoch));
  const { value, grad } = f(x);
  const out = { value: value.dataSync()[0] ?? Number.NaN, grad: grad.arraySync() as number[][] };
  value.dispose();
  grad.dispose();
  x.dispose();
  return out;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`losses on ${backend}`, () => {
    let previous = '';
    beforeAll(async () => {
      previous = tf.getBackend();
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(async () => {
      if (previous) await tf.setBackend(previous);
    });

    it.each(golden.cases.map((c, i) => [i, c] as const))('DeCE matches the reference implementation, case %i', (_i, c) => {
      const before = tf.memory().numTensors;
      const { value, grad } = lossAndGradient('dece', c.logits, c.target, c.epoch, { labelSmoothing: c.label_smoothing, alphaBase: c.alpha_base }, c.ignore_index);
      expect(Math.abs(value - c.dece_loss) / Math.abs(c.dece_loss)).toBeLessThanOrEqual(1e-5);
      c.dece_grad.forEach((row, i) => { row.forEach((expected, k) => {
          const actual = grad[i]?.[k] ?? Number.NaN;
          expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(expected));
        }); },
      );
      expect(deceAlpha(c.alpha_base, c.epoch)).toBeCloseTo(c.alpha, 12);
      expect(tf.memory().numTensors).toBe(before);
    });

    it.each(golden.cases.map((c, i) => [i, c] as const))('CE matches PyTorch cross-entropy, case %i', (_i, c) => {
      const { value, grad } = lossAndGradient('ce', c.logits, c.target, c.epoch, {}, c.ignore_index);
      expect(Math.abs(value - c.ce_loss) / Math.abs(c.ce_loss)).toBeLessThanOrEqual(1e-5);
      c.ce_grad.forEach((row, i) => { row.forEach((expected, k) => { expect(Math.abs((grad[i]?.[k] ?? Number.NaN) - expected)).toBeLessThanOrEqual(1e-6 + 1e-4 * Math.abs(expected)); }); },
      );
    });
  });
}

describe('gradients of every loss agree with finite differences', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const logits = [
    [0.3, -1.2, 2.0, 0.1, -0.4, 0.9],
    [1.5, 0.2, -0.3, -2.2, 0.7, 0.0],
    [-0.8, 0.4, 0.6, 1.1, -1.0, 0.2],
  ];
  const target = [2, 0, 5];
  const cases: [LossKind, Partial<LossConfig>, number][] = [
    ['ce', {}, 1],
    ['ls', { labelSmoothing: 0.1 }, 1],
    ['dece', { labelSmoothing: 0.1, alphaBase: 0.9 }, 4],
    ['gce', { gceQ: 0.7 }, 1],
    ['intrust', { intrustA: 1, intrustB: 0.8, intrustDelta: 0.5 }, 1],
  ];
  it.each(cases)('%s', (kind, overrides, epoch) => {
    const { grad } = lossAndGradient(kind, logits, target, epoch, overrides, null);
    const loss = createLoss(lossConfig(kind, overrides), null);
    const h = 1e-2;
    const valueAt = (m: number[][]) => {
      const x = tf.tensor2d(m);
      const rows = loss.rowLosses(x, Int32Array.from(target), epoch);
      x.dispose();
      return rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    logits.forEach((row, i) => { row.forEach((_v, k) => {
        const plus = logits.map((r) => r.slice());
        const minus = logits.map((r) => r.slice());
        (plus[i] as number[])[k] = (row[k] ?? 0) + h;
        (minus[i] as number[])[k] = (row[k] ?? 0) - h;
        const numeric = (valueAt(plus) - valueAt(minus)) / (2 * h);
        expect(grad[i]?.[k] ?? Number.NaN).toBeCloseTo(numeric, 3);
      }); },
    );
  });

  it('DeCE with alpha_base 1 and no smoothing is cross-entropy', () => {
    const ce = lossAndGradient('ce', logits, target, 3, {}, null);
    const dece = lossAndGradient('dece', logits, target, 3, { labelSmoothing: 0, alphaBase: 1 }, null);
    expect(dece.value).toBeCloseTo(ce.value, 6);
  });

  it('DeCE bounds the gradient of a confidently wrong row as α falls', () => {
    const wrongRow = [[8, 0, 0, 0]];
    const gradNorm = (epoch: number) => {
      const { grad } = lossAndGradient('dece', wrongRow, [3], epoch, { labelSmoothing: 0.05, alphaBase: 0.8 }, null);
      return Math.hypot(...(grad[0] ?? []));
    };
    const ce = Math.hypot(...(lossAndGradient('ce', wrongRow, [3], 1, {}, null).grad[0] ?? []));
    expect(gradNorm(1)).toBeLessThan(ce);
    expect(gradNorm(10)).toBeLessThan(gradNorm(1) / 5);
  });

  it('rejects a target outside the vocabulary', () => {
    const x = tf.tensor2d([[0, 1]]);
    expect(() => createLoss(lossConfig('dece'), null).rowLosses(x, Int32Array.from([2]), 1)).toThrow(/outside the vocabulary/);
    x.dispose();
  });
});
