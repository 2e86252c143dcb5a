/**
 * Spectral signatures (Tran, Li & Madry, 2018, "Spectral Signatures in Backdoor Attacks"): poisoned training
 * examples leave a trace along the top singular direction of the (centred) learned representations. For every
 * training example we take the mean-pooled encoder states of the (possibly backdoored) model, centre them,
 * find the top right-singular vector v by power iteration on MᵀM, score each example by its squared projection
 * (mᵢ·v)², and drop the highest-scoring share (typically 1.5 × the expected poison rate).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../data/rng';
import type { EncodedExample } from '../engine/batching';
import { PAD_ID, type Seq2SeqModel } from '../engine/model';

export interface SpectralOptions {
  /** Share of the examples to drop, e.g. 1.5 × the expected poison rate. */
  removeFraction: number;
  /** Examples per encoder batch (default 64). */
  batchSize?: number;
}

/** Final (layer-normed) encoder states [B, S, d] of a padded batch: the model's own encoder, without dropout. */
export function encoderStates(model: Seq2SeqModel, source: tf.Tensor2D, sourceMask: tf.Tensor2D): tf.Tensor3D {
  return model.encoderStates(source, sourceMask);
}

/** Mean-pooled encoder states of every example's source, one row of length dModel each (input order). */
export function encoderRepresentations(model: Seq2SeqModel, examples: readonly EncodedExample[], options: { batchSize?: number } = {}): Float64Array[] {
  const batchSize = options.batchSize ?? 64;
  const d = model.config.dModel;
  const maxLength = model.config.maxSourceLength;
  const order = examples.map((_, i) => i).sort((a, b) => (examples[a]?.source.length ?? 0) - (examples[b]?.source.length ?? 0));
  const rows: Float64Array[] = new Array<Float64Array>(examples.length);
  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const b = indices.length;
    const s = Math.max(1, ...indices.map((i) => Math.min(examples[i]?.source.length ?? 0, maxLength)));
    const ids = new Int32Array(b * s).fill(PAD_ID);
    const mask = new Float32Array(b * s);
    indices.forEach((exampleIndex, row) => {
      const src = (examples[exampleIndex]?.source ?? new Int32Array(0)).subarray(0, s);
      ids.set(src, row * s);
      mask.fill(1, row * s, row * s + src.length);
    });
    const pooled = tf.tidy(() => {
      const sourceTensor = tf.tensor2d(ids, [b, s], 'int32');
      const maskTensor = tf.tensor2d(mask, [b, s], 'float32');
      const states = encoderStates(model, sourceTensor, maskTensor);
      const weights = tf.reshape(maskTensor, [b, s, 1]);
      const summed = tf.sum(tf.mul(states, weights), 1);
      return tf.div(summed, tf.maximum(tf.sum(weights, 1), 1));
    });
    const values = pooled.dataSync();
    pooled.dispose();
    indices.forEach((exampleIndex, row) => {
      rows[exampleIndex] = Float64Array.from(values.subarray(row * d, (row + 1) * d));
    });
  }
  return rows;
}

/** Rows minus their mean. */
export function centerRows(rows: readonly ArrayLike<number>[]): Float64Array[] {
  const d = rows[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0) / rows.length;
  return rows.map((r) => Float64Array.from({ length: d }, (_, j) => (r[j] ?? 0) - (mean[j] ?? 0)));
}

/** Top right-singular vector of the matrix whose rows are given (power iteration on MᵀM, seeded start). */
export function topRightSingularVector(rows: readonly ArrayLike<number>[], options: { iterations?: number; tolerance?: number } = {}): Float64Array {
  const d = rows[0]?.length ?? 0;
  const gram = new Float64Array(d * d);
  for (const r of rows) {
    for (let i = 0; i < d; i++) {
      const ri = r[i] ?? 0;
      if (ri === 0) continue;
      for (let j = 0; j < d; j++) gram[i * d + j] = (gram[i * d + j] ?? 0) + ri * (r[j] ?? 0);
    }
  }
  const rng = createRng('spectral-power-iteration');
  let v: Float64Array = Float64Array.from({ length: d }, () => rng.next() - 0.5);
  const normalize = (x: Float64Array): Float64Array => {
    const n = Math.hypot(...x);
    return n === 0 ? x : x.map((value) => value / n);
  };
  v = normalize(v);
  const iterations = options.iterations ?? 500;
  const tolerance = options.tolerance ?? 1e-10;
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      let sum = 0;
      for (let j = 0; j < d; j++) sum += (gram[i * d + j] ?? 0) * (v[j] ?? 0);
      next[i] = sum;
    }
    const normalized = normalize(next);
    let change = 0;
    for (let i = 0; i < d; i++) change = Math.max(change, Math.abs((normalized[i] ?? 0) - (v[i] ?? 0)));
    v = normalized;
    if (change < tolerance) break;
  }
  return v;
}

/** Outlier scores: squared projection of each centred row on the top singular direction. */
export function spectralScores(rows: readonly ArrayLike<number>[]): Float64Array {
  if (rows.length === 0) return new Float64Array(0);
  const centred = centerRows(rows);
  const v = topRightSingularVector(centred);
  return Float64Array.from(centred, (r) => {
    let dot = 0;
    for (let j = 0; j < r.length; j++) dot += (r[j] ?? 0) * (v[j] ?? 0);
    return dot * dot;
  });
}

/** Indices (ascending) of the round(fraction × n) highest scores; ties broken by index. */
export function topScoreIndices(scores: ArrayLike<number>, fraction: number): number[] {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) throw new Error(`removeFraction must be in [0, 1], got ${fraction}`);
  const n = scores.length;
  const count = Math.round(fraction * n);
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** Indices (ascending) of the training examples to drop: the top `removeFraction` by spectral score. */
export function spectralFilter(model: Seq2SeqModel, examples: readonly EncodedExample[], options: SpectralOptions): number[] {
  return topScoreIndices(spectralScores(encoderRepresentations(model, examples, { batchSize: options.batchSize })), options.removeFraction);
}
