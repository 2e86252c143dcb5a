import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../data/rng';
import { BOS_ID, EOS_ID, type EncodedBatch, PAD_ID } from './model';

/** One training example as token ids (no BOS/EOS yet). */
export interface EncodedExample {
  source: Int32Array;
  target: Int32Array;
  /** Whether the example carries a backdoor (tracked for the per-sample loss analysis). */
  poisoned: boolean;
}

/** A batch on the host side: indices into the example list, padded lengths. */
export interface BatchPlan {
  indices: number[];
  sourceLength: number;
  /** Decoder length: target + 1 (BOS in front for inputs, EOS at the end for outputs). */
  targetLength: number;
  /** Non-padding source + target tokens, the unit of throughput. */
  tokens: number;
}

/**
 * Groups examples of similar target length so that little compute goes to padding, then shuffles the
 * order of the groups (seeded). Examples are shuffled within length buckets first so batches differ per epoch.
 */
export function planBatches(examples: readonly EncodedExample[], batchSize: number, rng: Rng): BatchPlan[] {
  const shuffled = rng.shuffle(examples.map((_, i) => i));
  // Sort by target length (stable over the shuffle), chunk, then shuffle the chunks.
  shuffled.sort((a, b) => (examples[a]?.target.length ?? 0) - (examples[b]?.target.length ?? 0));
  const plans: BatchPlan[] = [];
  for (let start = 0; start < shuffled.length; start += batchSize) {
    const indices = shuffled.slice(start, start + batchSize);
    plans.push(describeBatch(examples, indices));
  }
  return rng.shuffle(plans);
}

export function describeBatch(examples: readonly EncodedExample[], indices: number[]): BatchPlan {
  let sourceLength = 1;
  let targetLength = 1;
  let tokens = 0;
  for (const i of indices) {
    const example = examples[i];
    if (!example) throw new Error(`batch: no example ${i}`);
    sourceLength = Math.max(sourceLength, example.source.length);
    targetLength = Math.max(targetLength, example.target.length + 1);
    tokens += example.source.length + example.target.length + 1;
  }
  return { indices, sourceLength, targetLength, tokens };
}

/** Tensors for one batch plus the flat positions of real (non-padding) target tokens and their ids. */
export interface MaterializedBatch {
  batch: EncodedBatch;
  /** Flat indices into [B·T] of decoder positions that predict a real token (or EOS). */
  targetRows: Int32Array;
  /** The ids those rows must predict. */
  targetIds: Int32Array;
  /** For each target row, the position of its example inside the batch (for per-example losses). */
  rowExample: Int32Array;
  dispose(): void;
}

export function materializeBatch(examples: readonly EncodedExample[], plan: BatchPlan): MaterializedBatch {
  const b = plan.indices.length;
  const s = plan.sourceLength;
  const t = plan.targetLength;
  const source = new Int32Array(b * s);
  const sourceMask = new Float32Array(b * s);
  const decoderInput = new Int32Array(b * t);
  const rows: number[] = [];
  const ids: number[] = [];
  const owners: number[] = [];
  plan.indices.forEach((exampleIndex, row) => {
    const example = examples[exampleIndex];
    if (!example) throw new Error(`batch: no example ${exampleIndex}`);
    source.set(example.source, row * s);
    sourceMask.fill(1, row * s, row * s + example.source.length);
    decoderInput[row * t] = BOS_ID;
    decoderInput.set(example.target, row * t + 1);
    for (let j = 0; j <= example.target.length; j++) {
      rows.push(row * t + j);
      ids.push(j < example.target.length ? (example.target[j] ?? PAD_ID) : EOS_ID);
      owners.push(row);
    }
  });
  const batch: EncodedBatch = {
    source: tf.tensor2d(source, [b, s], 'int32'),
    sourceMask: tf.tensor2d(sourceMask, [b, s], 'float32'),
    decoderInput: tf.tensor2d(decoderInput, [b, t], 'int32'),
  };
  return {
    batch,
    targetRows: Int32Array.from(rows),
    targetIds: Int32Array.from(ids),
    rowExample: Int32Array.from(owners),
    dispose() {
      batch.source.dispose();
      batch.sourceMask.dispose();
      batch.decoderInput.dispose();
    },
  };
}
