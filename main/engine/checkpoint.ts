import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { CHECKPOINT_FORMAT, decodeCheckpointHeader, encodeCheckpointHeader, type CheckpointHeader } from './checkpoint-format';
import type { AdamWState } from './optimizer';

/**
 * Writing and reading a checkpoint's values into tf variables. The file format itself (header, names, the
 * newest checkpoint of a folder) is in checkpoint-format.ts, which the main thread reads without tf. A
 * checkpoint is written to a temporary name, flushed and renamed, so a crash never leaves a half-written
 * checkpoint under the real name.
 */

export interface Checkpoint {
  header: CheckpointHeader;
  weights: Float32Array[];
  optimizer: AdamWState | null;
}

export function writeCheckpoint(
  path: string,
  variables: readonly tf.Variable[],
  options: { epoch: number; optimizer: AdamWState | null; meta?: Record<string, unknown> },
): { sha256: string; bytes: number } {
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    epoch: options.epoch,
    optimizerStep: options.optimizer?.step ?? null,
    variables: variables.map((v) => ({ shape: v.shape, size: v.size })),
    meta: options.meta ?? {},
  };
  const chunks: Buffer[] = encodeCheckpointHeader(header);
  const pushFloats = (values: Float32Array) => chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  for (const v of variables) pushFloats(v.dataSync() as Float32Array);
  if (options.optimizer) {
    for (const moment of options.optimizer.moments) {
      pushFloats(moment.m);
      pushFloats(moment.v);
    }
  }
  const data = Buffer.concat(chunks);
  // Two worker threads of one process may write the same file: the thread id keeps their temporaries apart.
  const temporary = `${path}.tmp-${String(process.pid)}-${String(threadId)}`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

export function readCheckpoint(path: string): Checkpoint {
  const data = readFileSync(path);
  const { header, valuesOffset } = decodeCheckpointHeader(data, path);
  let offset = valuesOffset;
  const take = (size: number): Float32Array => {
    const bytes = size * 4;
    if (offset + bytes > data.length) throw new Error(`checkpoint ${path}: truncated`);
    // Copy: the file buffer's offset is not guaranteed to be 4-byte aligned.
    const out = new Float32Array(size);
    Buffer.from(out.buffer).set(data.subarray(offset, offset + bytes));
    offset += bytes;
    return out;
  };
  const weights = header.variables.map((v) => take(v.size));
  let optimizer: AdamWState | null = null;
  if (header.optimizerStep !== null) {
    optimizer = { step: header.optimizerStep, moments: header.variables.map((v) => ({ m: take(v.size), v: take(v.size) })) };
  }
  return { header, weights, optimizer };
}

/** Loads weights into variables of the same shapes (the same model config and vocabulary). */
export function assignWeights(variables: readonly tf.Variable[], checkpoint: Checkpoint): void {
  if (checkpoint.weights.length !== variables.length) {
    throw new Error(`checkpoint has ${checkpoint.weights.length} variables, the model ${variables.length}: different model config?`);
  }
  variables.forEach((variable, i) => {
    const expected = checkpoint.header.variables[i];
    if (!expected || expected.shape.join('x') !== variable.shape.join('x')) {
      throw new Error(`checkpoint variable ${i} has shape ${expected?.shape.join('x') ?? '?'}, the model ${variable.shape.join('x')}`);
    }
    tf.tidy(() => {
      variable.assign(tf.tensor(checkpoint.weights[i] as Float32Array, variable.shape));
    });
  });
}
