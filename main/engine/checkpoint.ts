import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { AdamWState } from './optimizer';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * A checkpoint is one file: a 4-byte little-endian header length, a JSON header, then the float32
 * values of every variable (and, for resumable checkpoints, the optimizer's two moments per variable).
 * It is written to a temporary name, flushed and renamed, so a crash never leaves a half-written
 * checkpoint under the real name.
 */

const HeaderSchema = z.object({
  format: z.literal('dece-pilot-checkpoint/1'),
  epoch: z.int().min(0),
  optimizerStep: z.int().min(0).nullable(),
  variables: z.array(z.object({ shape: z.array(z.int()), size: z.int() })),
  /** Free-form facts the writer wants back (metrics so far, config hash). */
  meta: z.record(z.string(), z.unknown()),
});
export type CheckpointHeader = z.infer<typeof HeaderSchema>;

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
    format: 'dece-pilot-checkpoint/1',
    epoch: options.epoch,
    optimizerStep: options.optimizer?.step ?? null,
    variables: variables.map((v) => ({ shape: v.shape, size: v.size })),
    meta: options.meta ?? {},
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const chunks: Buffer[] = [Buffer.alloc(4), headerBytes];
  (chunks[0] as Buffer).writeUInt32LE(headerBytes.length, 0);
  const pushFloats = (values: Float32Array) => chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
  for (const v of variables) pushFloats(v.dataSync() as Float32Array);
  if (options.optimizer) {
    for (const moment of options.optimizer.moments) {
      pushFloats(moment.m);
      pushFloats(moment.v);
    }
  }
  const data = Buffer.concat(chunks);
  writeFileAtomically(path, data, { durable: true });
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

export function readCheckpoint(path: string): Checkpoint {
  const data = readFileSync(path);
  if (data.length < 4) throw new Error(`checkpoint ${path}: file too short`);
  const headerLength = data.readUInt32LE(0);
  const parsed = HeaderSchema.safeParse(JSON.parse(data.subarray(4, 4 + headerLength).toString('utf8')));
  if (!parsed.success) throw new Error(`checkpoint ${path}: not a DeCE Pilot checkpoint`);
  const header = parsed.data;
  let offset = 4 + headerLength;
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

/** The newest `epoch-NNNN.ckpt` in a run's folder (training prunes the older ones), or null. */
export function latestCheckpoint(dir: string): { path: string; epoch: number } | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /^epoch-\d+\.ckpt$/.test(f)).sort();
  const last = files.at(-1);
  return last ? { path: join(dir, last), epoch: Number(last.slice(6, 10)) } : null;
}
