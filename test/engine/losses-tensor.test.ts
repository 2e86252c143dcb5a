import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LossConfig, LossKind } from '../../common/run-config';
import { createRng } from '../../main/data/rng';
import { DEFAULT_LOSS_PARAMETERS, type LossImplementation, createLoss, lossImplementationFor } from '../../main/engine/losses';
import { readGolden } from '../helpers/golden';

const golden = readGolden();

interface Evaluated {
  value: number;
  grad: number[][];
  rows: Float64Array;
  rowsDuringApply: Float64Array | null;
}

function evaluateLoss(implementation: LossImplementation, config: LossConfig, logits: number[][], target: number[], epoch: number, ignore: number | null): Evaluated {
  const loss = createLoss(config, ignore, implementation);
  expect(loss.implementation).toBe(implementation);
  const targets = Int32Array.from(target);
  const x = tf.tensor2d(logits);
  let rowsDuringApply: Float64Array | null = null;
  const { value, grad } = tf.valueAndGrad((input: tf.Tensor) =>
    loss.apply(input as tf.Tensor2D, targets, epoch, (rows) => {
      rowsDuringApply = rows;
    }),
  )(x);
  const out = { value: value.dataSync()[0] ?? Number.NaN, grad: grad.arraySync() as number[][], rows: loss.rowLosses(x, targets, epoch), rowsDuringApply };
  value.dispose();
  grad.dispose();
  x.dispose();
  return out;
}

function expectClose(actual: number, expected: number, absolute: number, relative: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(absolute + relative * Math.abs(expected));
}

function expectGradientsClose(actual: number[][], expected: number[][], absolute: number, relative: number): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((row, i) => {
    row.forEach((e, k) => {
      expectClose(actual[i]?.[k] ?? Number.NaN, e, absolute, relative);
    });
  });
}

/** Seeded random logits with a realistic spread, targets, and every third row ignored (id 0, like padding). */
function randomCase(seed: number, rows: number, vocab: number): { logits: number[][]; target: number[] } {
  const rng = createRng(seed);
  const logits = Array.from({ length: rows }, () => Array.from({ length: vocab }, () => (rng.next() - 0.5) * 12));
  const target = Array.from({ length: rows }, (_, i) => (i % 3 === 1 ? 0 : 1 + Math.floor(rng.next() * (vocab - 1))));
  return { logits, target };
}

const ALL_LOSSES: [LossKind, Partial<LossConfig>, number][] = [
  ['ce', {}, 1],
  ['dece', { labelSmoothing: 0.05, alphaBase: 0.9 }, 3],
  ['ls', { labelSmoothing: 0.1 }, 1],
  ['gce', { gceQ: 0.7 }, 1],
  ['intrust', { intrustA: 1, intrustB: 0.8, intrustDelta: 0.5 }, 1],
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`tensor-op losses on ${backend}`, () => {
    let previous = '';
    let tensorsBefore = 0;
    beforeAll(async () => {
      previous = tf.getBackend();
      await tf.setBackend(backend);
      await tf.ready();
      tensorsBefore = tf.memory().numTensors;
    });
    afterAll(async () => {
      expect(tf.memory().numTensors, 'tensors leaked').toBe(tensorsBefore);
      if (previous) await tf.setBackend(previous);
    });

    it('the fused pass is the default here, tensor ops elsewhere', () => {
      expect(lossImplementationFor(tf.getBackend(), {})).toBe('fused');
      expect(lossImplementationFor('tensorflow', {})).toBe('tensor');
      expect(lossImplementationFor('webgpu', {})).toBe('tensor');
      expect(lossImplementationFor(backend, { DECE_LOSS_IMPLEMENTATION: 'tensor' })).toBe('tensor');
      expect(() => lossImplementationFor(backend, { DECE_LOSS_IMPLEMENTATION: 'gpu' })).toThrow(/'fused' or 'tensor'/);
      expect(createLoss({ kind: 'ce', ...DEFAULT_LOSS_PARAMETERS }, 0).implementation).toBe('fused');
    });

    it.each(golden.cases.map((c, i) => [i, c] as const))('DeCE and CE reproduce the reference values and gradients, case %i', (_i, c) => {
      const dece = evaluateLoss('tensor', { ...DEFAULT_LOSS_PARAMETERS, kind: 'dece', labelSmoothing: c.label_smoothing, alphaBase: c.alpha_base }, c.logits, c.target, c.epoch, c.ignore_index);
      expectClose(dece.value, c.dece_loss, 0, 1e-5);
      expectGradientsClose(dece.grad, c.dece_grad, 1e-6, 1e-4);
      const ce = evaluateLoss('tensor', { ...DEFAULT_LOSS_PARAMETERS, kind: 'ce' }, c.logits, c.target, c.epoch, c.ignore_index);
      expectClose(ce.value, c.ce_loss, 0, 1e-5);
      expectGradientsClose(ce.grad, c.ce_grad, 1e-6, 1e-4);
    });

    it('the golden file has cases with ignored rows', () => {
      expect(golden.cases.some((c) => c.ignore_index !== null && c.target.includes(c.ignore_index))).toBe(true);
    });

    it.each(ALL_LOSSES)('%s: tensor ops agree with the fused pass on random logits with ignored rows', (kind, overrides, epoch) => {
      const config: LossConfig = { ...DEFAULT_LOSS_PARAMETERS, kind, ...overrides };
      const { logits, target } = randomCase(kind.length * 7919 + epoch, 12, 40);
      const fused = evaluateLoss('fused', config, logits, target, epoch, 0);
      const tensor = evaluateLoss('tensor', config, logits, target, epoch, 0);
      expectClose(tensor.value, fused.value, 1e-6, 1e-5);
      expectGradientsClose(tensor.grad, fused.grad, 1e-7, 1e-4);
      for (const rows of [tensor.rows, tensor.rowsDuringApply]) {
        expect(rows).not.toBeNull();
        fused.rows.forEach((expected, i) => {
          const actual = rows?.[i] ?? Number.NaN;
          if (Number.isNaN(expected)) expect(actual).toBeNaN();
          else expectClose(actual, expected, 1e-6, 1e-5);
        });
      }
      // The ignored rows get no gradient at all.
      target.forEach((t, i) => {
        if (t === 0) expect(tensor.grad[i]?.every((g) => g === 0)).toBe(true);
      });
    });

    it('a batch whose rows are all ignored has loss 0 and no gradient', () => {
      for (const kind of ['ce', 'dece'] as const) {
        const out = evaluateLoss('tensor', { ...DEFAULT_LOSS_PARAMETERS, kind }, [[1, 2, 3]], [0], 1, 0);
        expect(out.value).toBe(0);
        expect(out.grad[0]?.map(Math.abs)).toEqual([0, 0, 0]);
      }
    });

    it('rejects a target outside the vocabulary, like the fused pass', () => {
      const x = tf.tensor2d([[0, 1]]);
      for (const implementation of ['fused', 'tensor'] as const) {
        expect(() => createLoss({ ...DEFAULT_LOSS_PARAMETERS, kind: 'gce' }, null, implementation).rowLosses(x, Int32Array.from([2]), 1)).toThrow(
          /target 2 outside the vocabulary \[0, 2\)/,
        );
      }
      x.dispose();
    });
  });
}
