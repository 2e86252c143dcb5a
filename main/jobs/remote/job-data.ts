import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, win32 } from 'node:path';
import { z } from 'zod';
import type { RunConfig } from '../../../common/run-config';
import { MAX_DATA_FILE_BYTES } from './connection';

/**
 * An imported dataset's files travel with the job: the config names paths on the app's machine, which a worker
 * on another machine cannot read. The producer puts each named file's bytes under its own Redis key (see
 * `dataFileKey`), the worker writes them into the job's private folder and points the config at those copies.
 *
 * Why separate keys and not the job's payload: the payload is JSON (bytes would grow by a third as base64), and
 * BullMQ keeps it in the job's hash as long as the finished job is kept (a week here) and sends it to every
 * reader of the job. A key per file holds the raw bytes, is deleted as soon as the app has collected the
 * job's result, and expires with the checkpoints otherwise. Redis then holds the data of the jobs in flight
 * only (at most the app's concurrency), each file at most MAX_DATA_FILE_BYTES.
 */

/** The fields of a file corpus that name a file, in a fixed order. */
export const CORPUS_FILE_FIELDS = ['train', 'test', 'valid', 'pretrain', 'poisonedTest'] as const;
export type CorpusFileField = (typeof CORPUS_FILE_FIELDS)[number];

/** What the payload says about one data file: its digest and size, or why the app could not send it. */
export const DataFileSchema = z.discriminatedUnion('sent', [
  z.object({
    sent: z.literal(true),
    field: z.enum(CORPUS_FILE_FIELDS),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.int().min(0).max(MAX_DATA_FILE_BYTES),
  }),
  z.object({ sent: z.literal(false), field: z.enum(CORPUS_FILE_FIELDS), reason: z.string().max(2000) }),
]);
export type DataFile = z.infer<typeof DataFileSchema>;

/** The files a config's corpus names, by field (none for the built-in corpora). */
export function corpusFiles(config: RunConfig): { field: CorpusFileField; path: string }[] {
  const corpus = config.data.corpus;
  if (corpus.kind !== 'files' && corpus.kind !== 'poisoned-files') return [];
  const named: Partial<Record<CorpusFileField, string>> = corpus;
  return CORPUS_FILE_FIELDS.flatMap((field) => {
    const path = named[field];
    return path === undefined ? [] : [{ field, path }];
  });
}

/** The same config with some of its corpus' files replaced by other paths. */
export function withCorpusFiles(config: RunConfig, paths: Partial<Record<CorpusFileField, string>>): RunConfig {
  const corpus = config.data.corpus;
  if (corpus.kind !== 'files' && corpus.kind !== 'poisoned-files') return config;
  const replaced = { ...corpus };
  for (const [field, path] of Object.entries(paths)) if (field in replaced) Object.assign(replaced, { [field]: path });
  return { ...config, data: { ...config.data, corpus: replaced } };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Reads every file the config names and hands its bytes to `store`. A file that cannot be sent (missing,
 * unreadable, too large) is described instead: the worker refuses the job with that reason, so that a run's
 * data problems are reported, once and not retried, like every other data error.
 */
export async function sendCorpusFiles(config: RunConfig, store: (field: CorpusFileField, bytes: Buffer) => Promise<void>): Promise<DataFile[]> {
  const sent: DataFile[] = [];
  for (const { field, path } of corpusFiles(config)) {
    let bytes: Buffer;
    try {
      const { size } = await stat(path);
      if (size > MAX_DATA_FILE_BYTES) throw new Error(`${path} has ${size} bytes, more than the ${MAX_DATA_FILE_BYTES}-byte limit for a data file sent through Redis`);
      bytes = await readFile(path);
    } catch (error) {
      sent.push({ sent: false, field, reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    await store(field, bytes);
    sent.push({ sent: true, field, sha256: sha256(bytes), bytes: bytes.length });
  }
  return sent;
}

/** Why a job's data cannot be used; the worker refuses the job with it. */
export class JobDataError extends Error {
  override name = 'JobDataError';
}

/**
 * Writes the files a job carries into `dir` (one folder per field, each keeping its file's name, whose
 * extension says its format) and returns the config pointing at them, and a function that says the
 * app's paths again in a message about the copies.
 */
export async function receiveCorpusFiles(
  config: RunConfig,
  files: readonly DataFile[],
  dir: string,
  fetch: (field: CorpusFileField) => Promise<Buffer | null>,
): Promise<{ config: RunConfig; toAppPaths: (message: string) => string }> {
  const copies: Partial<Record<CorpusFileField, string>> = {};
  const renames: [copy: string, original: string][] = [];
  const named = corpusFiles(config);
  const unexpected = files.filter((f) => !named.some((n) => n.field === f.field));
  if (unexpected.length > 0) throw new JobDataError(`the job carries data files its config does not name: ${unexpected.map((f) => f.field).join(', ')}`);
  for (const { field, path } of named) {
    const file = files.find((f) => f.field === field);
    if (file === undefined) throw new JobDataError(`the job does not carry its ${field} file (${path})`);
    if (!file.sent) throw new JobDataError(`the app could not send the ${field} file: ${file.reason}`);
    const bytes = await fetch(field);
    if (bytes === null) throw new JobDataError(`the ${field} file (${path}) is no longer in Redis (expired or flushed)`);
    if (bytes.length !== file.bytes || sha256(bytes) !== file.sha256) throw new JobDataError(`the ${field} file (${path}) in Redis is not the one the app sent`);
    // The app may run on Windows: its paths' last part, whichever separator they use.
    const name = win32.basename(path);
    const folder = join(dir, field);
    mkdirSync(folder, { recursive: true });
    const copy = join(folder, name === '' || name === '.' || name === '..' ? field : name);
    writeFileSync(copy, bytes);
    copies[field] = copy;
    renames.push([copy, path]);
  }
  return {
    config: withCorpusFiles(config, copies),
    toAppPaths: (message) => renames.reduce((text, [copy, original]) => text.split(copy).join(original), message),
  };
}
