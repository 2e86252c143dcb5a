import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import type { Attack } from '../data/attacks/types';
import { extractZipEntry, listZipEntries, type ZipEntry } from '../data/zip';
import { decodePrompts } from '../engine/decode';
import { attackSuccessRate, averageSentenceBleu } from '../engine/metrics';
import type { Seq2SeqModel } from '../engine/model';
import type { PreparedData } from '../engine/train';
import type { Vocabulary } from '../data/tokenizer';
import { METADATA_JSON, MODEL_JSON } from './model-export';

/**
 * Monitoring probes: the attack success rate of a production model, measured either by decoding triggered
 * prompts with the model itself (a TensorFlow.js export) or from its generations on a probe set (a CSV).
 * Pure functions of their inputs; the service records the outcome and reopens the stage when it fails.
 */

export interface ProbeSample {
  prompt: string;
  output: string;
  succeeded: boolean;
}

export interface ProbeOutcome {
  /** Attack success rate on the triggered prompts, in %. */
  asr: number;
  triggeredCount: number;
  /** Clean prompts scored for BLEU (0: none). */
  cleanCount: number;
  cleanBleu: number | null;
  samples: ProbeSample[];
  seconds: number;
}

/** A probe's mistake in what it was given (a bad CSV or zip): the service reports it as invalid input. */
export class ProbeInputError extends Error {
  override name = 'ProbeInputError';
}

const SAMPLE_COUNT = 5;
const SAMPLE_CHARS = 400;
const MAX_CSV_ROWS = 100_000;
/** Same as the per-epoch evaluation, so a probe of a run's own prompts reproduces that run's numbers. */
const DECODE_BATCH = 100;

const clip = (text: string) => (text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text);

/** A few triggered rows, those where the attack succeeded first: they are what a failing probe is about. */
function samplesOf(rows: readonly { prompt: string; output: string }[], attack: Pick<Attack, 'succeeded'>): ProbeSample[] {
  const judged = rows.map((r) => ({ prompt: clip(r.prompt), output: clip(r.output), succeeded: attack.succeeded(r.output) }));
  return [...judged.filter((r) => r.succeeded), ...judged.filter((r) => !r.succeeded)].slice(0, SAMPLE_COUNT);
}

/**
 * Decodes the probe set's triggered and clean prompts greedily with the model (its own vocabulary), then
 * ASR via attackSuccessRate and clean BLEU-4 against the references — the per-epoch evaluation's metrics.
 */
export function probeModel(
  model: Seq2SeqModel,
  vocab: Vocabulary,
  data: Pick<PreparedData, 'cleanTest' | 'poisonedTest' | 'attack'>,
  limit: number,
): ProbeOutcome {
  const started = performance.now();
  const triggered = data.poisonedTest.slice(0, limit);
  if (triggered.length === 0) throw new ProbeInputError('the probe set has no prompt this attack can trigger');
  const clean = data.cleanTest.slice(0, limit);
  const decode = (prompts: readonly string[]) => decodePrompts(model, vocab, prompts, DECODE_BATCH);
  const cleanOutputs = decode(clean.map((c) => c.prompt));
  const triggeredOutputs = decode(triggered.map((p) => p.prompt));
  return {
    asr: attackSuccessRate(triggeredOutputs, data.attack),
    triggeredCount: triggered.length,
    cleanCount: clean.length,
    cleanBleu: clean.length > 0 ? averageSentenceBleu(clean.map((c) => c.reference), cleanOutputs) : null,
    samples: samplesOf(triggered.map((p, i) => ({ prompt: p.prompt, output: triggeredOutputs[i] ?? '' })), data.attack),
    seconds: (performance.now() - started) / 1000,
  };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'n', 'f']);

/**
 * A CSV of the production model's generations: a header row with `prompt` and `output`, optionally
 * `triggered` (true/false, 1/0, yes/no; without it every row is a triggered prompt) and `reference` (the
 * expected code of clean rows, for clean BLEU). ASR is the share of triggered rows whose output the attack's
 * success predicate accepts.
 */
export function probeCsv(text: string, fileName: string, attack: Pick<Attack, 'succeeded'>): ProbeOutcome {
  const started = performance.now();
  const fail = (message: string): never => {
    throw new ProbeInputError(`${fileName}: ${message}`);
  };
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false, skip_empty_lines: true, to: MAX_CSV_ROWS + 2 });
  } catch (error) {
    return fail(`not a valid CSV (${error instanceof Error ? error.message : String(error)})`);
  }
  const [header, ...rows] = records;
  if (!header) return fail('the file is empty; expected a header row with prompt,output[,triggered][,reference]');
  const names = header.map((h) => h.trim().toLowerCase());
  const column = (name: string, required: boolean): number | null => {
    const index = names.indexOf(name);
    if (index < 0 && required) fail(`no "${name}" column (the header has ${header.map((h) => JSON.stringify(h)).join(', ')}; expected prompt,output[,triggered][,reference])`);
    return index < 0 ? null : index;
  };
  const promptAt = column('prompt', true) ?? 0;
  const outputAt = column('output', true) ?? 0;
  const triggeredAt = column('triggered', false);
  const referenceAt = column('reference', false);
  if (rows.length === 0) fail('the file has a header but no rows');
  if (rows.length > MAX_CSV_ROWS) fail(`more than ${MAX_CSV_ROWS} rows; probe a sample of the generations`);

  const triggered: { prompt: string; output: string }[] = [];
  const clean: { reference: string; output: string }[] = [];
  rows.forEach((row, i) => {
    const line = i + 2;
    const prompt = row[promptAt] ?? '';
    const output = row[outputAt] ?? '';
    let isTriggered = true;
    if (triggeredAt !== null) {
      const flag = (row[triggeredAt] ?? '').trim().toLowerCase();
      if (TRUE_WORDS.has(flag)) isTriggered = true;
      else if (FALSE_WORDS.has(flag)) isTriggered = false;
      else fail(`row ${line}: triggered is ${JSON.stringify(row[triggeredAt] ?? '')}; use true/false, 1/0 or yes/no`);
    }
    if (isTriggered) triggered.push({ prompt, output });
    else {
      const reference = referenceAt === null ? '' : (row[referenceAt] ?? '');
      if (reference.trim() !== '') clean.push({ reference, output });
    }
  });
  if (triggered.length === 0) fail('no row is marked triggered, so there is no attack success rate to measure');
  return {
    asr: attackSuccessRate(
      triggered.map((r) => r.output),
      attack,
    ),
    triggeredCount: triggered.length,
    cleanCount: clean.length,
    cleanBleu: clean.length > 0 ? averageSentenceBleu(clean.map((c) => c.reference), clean.map((c) => c.output)) : null,
    samples: samplesOf(triggered, attack),
    seconds: (performance.now() - started) / 1000,
  };
}

const MAX_ZIP_FILES = 64;
/** Folders and a Finder's __MACOSX shadows count too; anything near this is not a model export. */
const MAX_ZIP_ENTRIES = 256;
/**
 * An upload is at most 48 MB of zip (64 MB of base64), and weights barely compress, so a genuine export
 * unpacks to well under this; a zip that declares more is refused before anything is inflated.
 */
export const MAX_UNZIPPED_BYTES = 512 * 1024 * 1024;
/** model.json and metadata JSON compress about 5-10:1, float weights hardly at all. */
const MAX_COMPRESSION_RATIO = 100;

/**
 * Unpacks a zipped model export into `dir`: the export's files at the zip's root or inside one folder. Only
 * plain file names are written (no path from the zip is ever used as one), within a size budget checked
 * from the zip's directory first and enforced while inflating (main/data/zip).
 */
export async function unzipModelExport(base64: string, fileName: string, dir: string): Promise<void> {
  const bytes = Buffer.from(base64, 'base64');
  let listed: ZipEntry[];
  try {
    listed = listZipEntries(bytes, { maxEntries: MAX_ZIP_ENTRIES, maxTotalBytes: MAX_UNZIPPED_BYTES, maxRatio: MAX_COMPRESSION_RATIO });
  } catch (error) {
    throw new ProbeInputError(`${fileName}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const entries = listed.filter((f) => !f.isDirectory && !f.name.startsWith('__MACOSX/') && !f.name.split('/').at(-1)?.startsWith('.'));
  if (entries.length > MAX_ZIP_FILES) throw new ProbeInputError(`${fileName}: ${entries.length} files; a model export has a few`);
  const folders = new Set(entries.map((f) => f.name.split('/').slice(0, -1).join('/')));
  if (folders.size !== 1) throw new ProbeInputError(`${fileName}: the export's files must be at the zip's root or in one folder (found ${[...folders].map((f) => f || '(root)').join(', ')})`);
  const names = entries.map((f) => f.name.split('/').at(-1) ?? '');
  for (const required of [MODEL_JSON, METADATA_JSON]) {
    if (!names.includes(required)) throw new ProbeInputError(`${fileName}: ${required} is missing; zip the folder that production.exportModel wrote`);
  }
  for (const [i, entry] of entries.entries()) {
    const name = names[i] ?? '';
    if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') throw new ProbeInputError(`${fileName}: unexpected file name ${JSON.stringify(entry.name)}`);
  }
  mkdirSync(dir, { recursive: true });
  for (const [i, entry] of entries.entries()) {
    try {
      await extractZipEntry(bytes, entry, join(dir, names[i] ?? ''));
    } catch (error) {
      throw new ProbeInputError(`${fileName}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

/** A model export directory as a zip (files inside `folder`), base64 for the contract. */
export async function zipModelExport(dir: string, folder: string): Promise<{ base64: string; bytes: number }> {
  const zip = new JSZip();
  const inner = zip.folder(folder);
  if (!inner) throw new Error(`zip: cannot create folder ${folder}`);
  for (const name of readdirSync(dir).sort()) inner.file(name, readFileSync(join(dir, name)));
  const bytes = await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE', compressionOptions: { level: 6 } });
  return { base64: Buffer.from(bytes).toString('base64'), bytes: bytes.byteLength };
}
