import { hash } from 'node:crypto';
import type { CodePair } from '../types';
import { readDelimited } from './csv';
import { readJsonl } from './jsonl';
import { detectFormat, validateOptions, type ImportFormat, type ImportOptions } from './options';
import type { PairRecord } from './record';
import { buildImportReport, type ImportReport } from './report';
import { checkedSource, openSource } from './source';

export interface ImportResult {
  pairs: CodePair[];
  /** The path as given. */
  file: string;
  format: ImportFormat;
  /** SHA-256 (hex) of the file bytes exactly as stored (BOM included). */
  sha256: string;
  /** Data records read, before de-duplication. */
  records: number;
  duplicatesRemoved: number;
  report: ImportReport;
}

interface Run {
  format: ImportFormat;
  records: AsyncGenerator<PairRecord, void, undefined>;
  sha256(): string;
}

async function start(file: string, options: ImportOptions | undefined): Promise<Run> {
  const opts = validateOptions(file, options);
  const fh = await openSource(file);
  try {
    const format = detectFormat(file, opts.format);
    const source = checkedSource(file, fh);
    const resolved = { ...opts, format };
    const records = format === 'jsonl' ? readJsonl(file, source, resolved) : readDelimited(file, source, resolved);
    return { format, records, sha256: () => source.sha256() };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * The streaming primitive: yields accepted records one by one, reading the file as a stream. Memory stays
 * bounded by maxRecordBytes plus a few read chunks, whatever the file size.
 *
 * It throws ImportError at the first bad record, possibly after yielding earlier ones. A consumer that
 * stores records as they come (a database, a shard writer) must stage them and commit only once the loop
 * has finished without throwing, e.g. inside a transaction that the error rolls back; importPairs does the
 * same with an in-memory list. Breaking out of the loop early closes the file.
 */
export async function* iteratePairs(file: string, options?: ImportOptions): AsyncGenerator<PairRecord, void, undefined> {
  const run = await start(file, options);
  yield* run.records;
}

/** A fixed-size key per pair, so de-duplication does not keep a second copy of every src and tgt. */
function pairKey(p: CodePair): string {
  // Length prefix: ("ab", "c") and ("a", "bc") must not collide. One-shot hash: ~2x faster than createHash.
  return hash('sha256', `${p.src.length}:${p.src}${p.tgt}`, 'base64');
}

/**
 * Reads the whole file into memory, dropping exact (src, tgt) duplicates (first occurrence kept).
 * All or nothing: it resolves with every pair or rejects with an ImportError; no partial list escapes.
 */
export async function importPairs(file: string, options?: ImportOptions): Promise<ImportResult> {
  const run = await start(file, options);
  const pairs: CodePair[] = [];
  const seen = new Set<string>();
  let records = 0;
  for await (const { pair } of run.records) {
    records++;
    const key = pairKey(pair);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push(pair);
  }
  const duplicatesRemoved = records - pairs.length;
  const report = buildImportReport(pairs, { duplicatesRemoved, ...(options?.canPoison === undefined ? {} : { canPoison: options.canPoison }) });
  return { pairs, file, format: run.format, sha256: run.sha256(), records, duplicatesRemoved, report };
}
