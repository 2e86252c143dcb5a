/**
 * Anti-backdoor learning (common/abl.ts has the method and its parameters) inside the engine's training loop:
 * which rows an epoch trains on, with which loss, and which rows are isolated after the isolation epochs.
 * The losses are tensor ops differentiated by autodiff, per sample: a sample's loss is the mean of its target
 * tokens' cross-entropy.
 */
import * as tf from '@tensorflow/tfjs';
import type { AblConfig } from '../../common/abl';
import { type EncodedExample, type MaterializedBatch, describeBatch, materializeBatch } from './batching';
import type { Seq2SeqModel } from './model';

export type AblPhase = 'isolate' | 'train' | 'unlearn';
/** 'lga': sign(loss − γ)·loss per sample; 'ascent': −loss per sample. */
export type AblLossMode = 'lga' | 'ascent';

/** What one epoch of an ABL run does. */
export function ablPhase(abl: AblConfig, epoch: number, totalEpochs: number): AblPhase {
  if (epoch <= abl.isolationEpochs) return 'isolate';
  return epoch > totalEpochs - abl.unlearningEpochs ? 'unlearn' : 'train';
}

/** Refuses a schedule whose isolation and unlearning epochs do not both fit in the run. */
export function checkAblSchedule(abl: AblConfig, totalEpochs: number): void {
  if (abl.isolationEpochs + abl.unlearningEpochs > totalEpochs) {
    throw new Error(
      `anti-backdoor learning needs ${abl.isolationEpochs} isolation + ${abl.unlearningEpochs} unlearning epochs, but the run has ${totalEpochs}; raise training.epochs or lower them`,
    );
  }
}

/** Indices (ascending) of the round(share × n) samples with the lowest loss, at least one; ties by index. */
export function isolateLowestLoss(losses: ArrayLike<number>, share: number): number[] {
  const n = losses.length;
  if (n === 0) return [];
  const count = Math.min(n, Math.max(1, Math.round(share * n)));
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => (losses[a] ?? 0) - (losses[b] ?? 0) || a - b)
    .slice(0, count)
    .sort((a, b) => a - b);
}

/** [rows] cross-entropy of each target token. */
function tokenCrossEntropy(logits: tf.Tensor2D, targetIds: Int32Array): tf.Tensor1D {
  return tf.neg(tf.sum<tf.Tensor1D>(tf.mul(tf.oneHot(tf.tensor1d(targetIds, 'int32'), logits.shape[1]), tf.logSoftmax(logits)), 1));
}

/** [B] mean of each sample's token losses. */
function meanPerSample(tokenLoss: tf.Tensor1D, batch: MaterializedBatch, samples: number): tf.Tensor1D {
  const rows = batch.rowExample.length;
  // Averaging matrix [B, rows]: 1/n_b where the row belongs to sample b.
  const counts = new Float32Array(samples);
  for (const owner of batch.rowExample) counts[owner] = (counts[owner] ?? 0) + 1;
  const average = new Float32Array(samples * rows);
  batch.rowExample.forEach((owner, row) => {
    average[owner * rows + row] = 1 / (counts[owner] ?? 1);
  });
  return tf.reshape(tf.matMul(tf.tensor2d(average, [samples, rows]), tf.reshape(tokenLoss, [rows, 1])), [samples]);
}

/**
 * The batch's ABL loss over its `samples` examples. LGA keeps each sample's loss near γ: below it the sign
 * flips and the step ascends (tf.sign has no gradient, so the sign acts as a constant). Ascent maximises the
 * samples' loss. `onRowLosses` gets the per-token cross-entropy, for the run's poisoned/clean row statistics.
 */
export function ablLoss(logits: tf.Tensor2D, batch: MaterializedBatch, samples: number, mode: AblLossMode, gamma: number, onRowLosses?: (rows: Float64Array) => void): tf.Scalar {
  return tf.tidy(() => {
    const tokenLoss = tokenCrossEntropy(logits, batch.targetIds);
    if (onRowLosses) onRowLosses(Float64Array.from(tokenLoss.dataSync()));
    const losses = meanPerSample(tokenLoss, batch, samples);
    return mode === 'lga' ? tf.mean<tf.Scalar>(tf.mul(tf.sign(tf.sub(losses, gamma)), losses)) : tf.neg(tf.mean<tf.Scalar>(losses));
  });
}

/** Each example's mean per-token loss under the model, without dropout or gradients (input order). */
export function sampleLosses(model: Seq2SeqModel, examples: readonly EncodedExample[], batchSize = 64): Float64Array {
  const result = new Float64Array(examples.length);
  for (let start = 0; start < examples.length; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, examples.length - start) }, (_, i) => start + i);
    const batch = materializeBatch(examples, describeBatch(examples, indices));
    try {
      const values = tf.tidy(() => {
        const states = model.decoderStates(batch.batch, null);
        const logits = model.logits(tf.gather(states, tf.tensor1d(batch.targetRows, 'int32')));
        return meanPerSample(tokenCrossEntropy(logits, batch.targetIds), batch, indices.length);
      });
      result.set(values.dataSync(), start);
      values.dispose();
    } finally {
      batch.dispose();
    }
  }
  return result;
}

/** One epoch of an ABL run: the rows it trains on and, outside the plain-CE middle epochs, its loss. */
export interface AblEpochPlan {
  phase: AblPhase;
  examples: EncodedExample[];
  mode: AblLossMode | null;
}

/** The run's ABL state: the schedule and, once the isolation epochs are over, the isolated rows. */
export class AblSchedule {
  /** Indices into the training rows, ascending; null until isolation has happened. */
  isolated: number[] | null;

  constructor(
    readonly config: AblConfig,
    private readonly totalEpochs: number,
    isolated: readonly number[] | null = null,
  ) {
    checkAblSchedule(config, totalEpochs);
    this.isolated = isolated === null ? null : [...isolated];
  }

  plan(epoch: number, train: readonly EncodedExample[]): AblEpochPlan {
    const phase = ablPhase(this.config, epoch, this.totalEpochs);
    if (phase === 'isolate') return { phase, examples: [...train], mode: 'lga' };
    const isolated = new Set(this.requireIsolated());
    if (phase === 'unlearn') return { phase, examples: train.filter((_, i) => isolated.has(i)), mode: 'ascent' };
    return { phase, examples: train.filter((_, i) => !isolated.has(i)), mode: null };
  }

  /** After the last isolation epoch: isolates the lowest-loss share under the model as it is now. */
  afterEpoch(epoch: number, model: Seq2SeqModel, train: readonly EncodedExample[]): string | null {
    if (epoch !== this.config.isolationEpochs) return null;
    this.isolated = isolateLowestLoss(sampleLosses(model, train), this.config.isolationShare);
    const poisoned = this.isolated.filter((i) => train[i]?.poisoned === true).length;
    return `anti-backdoor learning: isolated the ${this.isolated.length} lowest-loss of ${train.length} training rows (${poisoned} of them poisoned)`;
  }

  private requireIsolated(): number[] {
    if (this.isolated === null) throw new Error('anti-backdoor learning: no rows isolated before the training epochs');
    return this.isolated;
  }
}
