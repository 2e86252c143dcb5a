import { closeSync, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The checkpoint file format without TensorFlow.js, so the main thread (the job service, the services) can
 * read a checkpoint's header and find a run's checkpoints without loading tf. A checkpoint is one file: a
 * 4-byte little-endian header length, a JSON header, then the float32 values of every variable (and, for
 * resumable checkpoints, the optimizer's two moments per variable); `checkpoint.ts` writes and reads the values.
 */

export const CHECKPOINT_FORMAT = 'dece-pilot-checkpoint/1';

export const CheckpointHeaderSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  epoch: z.int().min(0),
  optimizerStep: z.int().min(0).nullable(),
  variables: z.array(z.object({ shape: z.array(z.int()), size: z.int() })),
  /** Free-form facts the writer wants back (metrics so far, config hash). */
  meta: z.record(z.string(), z.unknown()),
});
export type CheckpointHeader = z.infer<typeof CheckpointHeaderSchema>;

/** A run's epoch checkpoints: `epoch-NNNN.ckpt`, so the names sort by epoch. */
export const EPOCH_CHECKPOINT_NAME = /^epoch-(\d+)\.ckpt$/;
/** What a writer that crashed mid-write leaves behind (see writeCheckpoint's temporary name). */
export const CHECKPOINT_TEMPORARY_NAME = /\.ckpt\.tmp-[\d-]+$/;

export function epochCheckpointName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}.ckpt`;
}

/** A header longer than this is not one this app wrote. */
const MAX_HEADER_BYTES = 64 * 1024 * 1024;

/** The length prefix and the JSON header, as written at the start of a checkpoint file. */
export function encodeCheckpointHeader(header: CheckpointHeader): Buffer[] {
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return [length, headerBytes];
}

/** The header of a whole checkpoint file's bytes, and where its values start. */
export function decodeCheckpointHeader(data: Buffer, file: string): { header: CheckpointHeader; valuesOffset: number } {
  if (data.length < 4) throw new Error(`checkpoint ${file}: file too short`);
  const length = data.readUInt32LE(0);
  return { header: parseHeader(data.subarray(4, 4 + length), file), valuesOffset: 4 + length };
}

/** Reads only the header of a checkpoint file (its values can be large). */
export function readCheckpointHeader(file: string): CheckpointHeader {
  const fd = openSync(file, 'r');
  try {
    const lengthBytes = Buffer.alloc(4);
    if (readSync(fd, lengthBytes, 0, 4, 0) !== 4) throw new Error(`checkpoint ${file}: file too short`);
    const length = lengthBytes.readUInt32LE(0);
    if (length > MAX_HEADER_BYTES) throw new Error(`checkpoint ${file}: header too large`);
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 4) !== length) throw new Error(`checkpoint ${file}: truncated header`);
    return parseHeader(header, file);
  } finally {
    closeSync(fd);
  }
}

function parseHeader(bytes: Buffer, file: string): CheckpointHeader {
  const parsed = CheckpointHeaderSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new Error(`checkpoint ${file}: not a DeCE Pilot checkpoint`);
  return parsed.data;
}

/** The newest `epoch-NNNN.ckpt` in a run's folder (training prunes the older ones), or null. */
export function latestCheckpoint(dir: string): { path: string; epoch: number } | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => EPOCH_CHECKPOINT_NAME.test(f)).sort();
  const last = files.at(-1);
  return last ? { path: join(dir, last), epoch: Number(last.slice(6, 10)) } : null;
}
