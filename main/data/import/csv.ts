import { pipeline, Readable } from 'node:stream';
import { Parser, type CsvError } from 'csv-parse';
import { formatBytes, ImportError, preview, truncate } from './errors';
import type { ResolvedOptions } from './options';
import { makePair, tooManyRecords, type PairRecord } from './record';
import type { CheckedSource } from './source';

function newlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    let i = f.indexOf('\n');
    while (i !== -1) {
      n++;
      i = f.indexOf('\n', i + 1);
    }
  }
  return n;
}

/** A blank line comes out of the parser as one empty field; a whitespace-only line is treated the same. */
function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && (fields[0] ?? '').trim() === '';
}

function fieldBytes(fields: readonly string[], limit: number): number {
  let chars = 0;
  for (const f of fields) chars += f.length;
  // A UTF-16 unit is at most 3 UTF-8 bytes: skip the exact count when the record is clearly small.
  if (chars * 3 <= limit) return chars;
  let bytes = 0;
  for (const f of fields) bytes += Buffer.byteLength(f, 'utf8');
  return bytes;
}

function fromCsvError(file: string, err: CsvError, opts: ResolvedOptions, where: { line: number; record?: number }): ImportError {
  const column = typeof err['column'] === 'number' ? err['column'] + 1 : undefined;
  const field = column === undefined ? 'a field' : `field ${column}`;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new ImportError('UNTERMINATED_QUOTE', file, 'unterminated quoted field', where, { cause: err });
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new ImportError('MALFORMED_QUOTE', file, `text after the closing quote of ${field} (a quote inside a quoted field must be doubled: "")`, where, { cause: err });
    case 'INVALID_OPENING_QUOTE': {
      const hint = opts.format === 'tsv' ? ', or pass quote: false for a TSV without quoting' : '';
      return new ImportError('MALFORMED_QUOTE', file, `quote character inside unquoted ${field} (quote the whole field and double inner quotes${hint})`, where, { cause: err });
    }
    case 'CSV_MAX_RECORD_SIZE':
      return new ImportError('RECORD_TOO_LARGE', file, `record larger than maxRecordBytes (${formatBytes(opts.maxRecordBytes)}); if it should be small, look for an unterminated quote`, where, { cause: err });
    default:
      return new ImportError('MALFORMED_CSV', file, `malformed ${opts.format.toUpperCase()}: ${err.message}`, where, { cause: err });
  }
}

interface Header {
  names: string[];
  src: number;
  tgt: number;
}

/** Header names for messages: a file without a header row would otherwise dump its first record. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 12).map((n) => preview(n, 30));
  return names.length > shown.length ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}

function readHeader(file: string, fields: string[], opts: ResolvedOptions, line: number): Header {
  if (fields.length > opts.maxFields) {
    throw new ImportError('TOO_MANY_FIELDS', file, `header has ${fields.length} columns, more than maxFields (${opts.maxFields})`, { line });
  }
  // Spreadsheet exports often pad header names with spaces; they are names, not data.
  const names = fields.map((f) => f.trim());
  const seen = new Set<string>();
  for (const name of names) {
    // Unnamed columns (e.g. `src,tgt,,`) are harmless padding; a repeated real name is an ambiguous export.
    if (name !== '' && seen.has(name)) throw new ImportError('DUPLICATE_COLUMN', file, `duplicate header column ${preview(name, 60)}`, { line });
    seen.add(name);
  }
  const find = (wanted: string, role: string): number => {
    const i = names.indexOf(wanted);
    if (i === -1) {
      throw new ImportError('MISSING_COLUMN', file, `header has no "${wanted}" column for the ${role} (columns: ${listNames(names)}); set ${role === 'source' ? 'srcField' : 'tgtField'} to pick one`, { line });
    }
    return i;
  };
  return { names, src: find(opts.srcField, 'source'), tgt: find(opts.tgtField, 'target') };
}

/**
 * CSV/TSV records via csv-parse. Parse errors are captured with skip_records_with_error + on_skip instead
 * of failing the stream, because a failing stream drops records still buffered in front of the error and
 * we could no longer say on which line the bad record starts.
 */
export async function* readDelimited(file: string, source: CheckedSource, opts: ResolvedOptions): AsyncGenerator<PairRecord, void, undefined> {
  let firstError: { err: CsvError; at: number } | undefined;
  const parser: Parser = new Parser({
    delimiter: opts.format === 'tsv' ? '\t' : ',',
    quote: opts.quote === false ? null : opts.quote,
    // Both, so a file whose lines mix CRLF and LF (concatenated exports) still parses.
    record_delimiter: ['\r\n', '\n'],
    // Column counts and blank lines are checked here, for messages that say what was expected.
    relax_column_count: true,
    skip_empty_lines: false,
    // Characters, not bytes, but it bounds the parser's buffer; the exact byte check is below.
    max_record_size: opts.maxRecordBytes,
    skip_records_with_error: true,
    on_skip: (err) => {
      // `records` counts what was pushed before the bad record, so the consumer knows where it sits.
      if (err !== undefined && firstError === undefined) firstError = { err, at: parser.info.records };
      return undefined;
    },
  });
  pipeline(Readable.from(source.chunks), parser, () => {
    // Errors (I/O, encoding) reach us through the parser's iterator; nothing to do here.
  });

  let received = 0; // parser records, including the header and blank lines
  let cursor = 1; // line on which the next parser record starts
  let header: Header | undefined;
  let dataRecords = 0;
  const pending = (): ImportError | undefined =>
    firstError === undefined ? undefined : fromCsvError(file, firstError.err, opts, { line: cursor, ...(header === undefined ? {} : { record: dataRecords + 1 }) });

  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      received++;
      // Past the record that failed to parse: report it (after the loop) rather than what follows it.
      if (firstError !== undefined && received > firstError.at) break;
      const line = cursor;
      cursor += 1 + newlines(fields);
      if (isBlank(fields)) continue;
      if (header === undefined) {
        header = readHeader(file, fields, opts, line);
        continue;
      }
      const record = dataRecords + 1;
      const where = { line, record };
      if (record > opts.maxRecords) throw tooManyRecords(file, opts.maxRecords, where);
      dataRecords = record;
      if (fields.length > opts.maxFields) {
        throw new ImportError('TOO_MANY_FIELDS', file, `row has ${fields.length} fields, more than maxFields (${opts.maxFields})`, where);
      }
      if (fields.length !== header.names.length) {
        const hint = fields.length > header.names.length && opts.format === 'csv' ? '; is a field with a comma not quoted?' : '';
        throw new ImportError('COLUMN_COUNT', file, `expected ${header.names.length} fields (as in the header), found ${fields.length}${hint}`, where);
      }
      const bytes = fieldBytes(fields, opts.maxRecordBytes);
      if (bytes > opts.maxRecordBytes) {
        throw new ImportError('RECORD_TOO_LARGE', file, `record is ${formatBytes(bytes)}, larger than maxRecordBytes (${formatBytes(opts.maxRecordBytes)})`, where);
      }
      const src = fields[header.src] ?? '';
      const tgt = fields[header.tgt] ?? '';
      yield { pair: makePair(file, src, tgt, { src: opts.srcField, tgt: opts.tgtField, what: 'column' }, where), line, record };
    }
  } catch (err) {
    if (err instanceof ImportError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new ImportError('MALFORMED_CSV', file, `cannot parse ${opts.format.toUpperCase()}: ${truncate(why, 200)}`, { line: cursor }, { cause: err });
  } finally {
    parser.destroy();
    source.close();
  }
  const late = pending();
  if (late !== undefined) throw late;
  if (header === undefined) throw new ImportError('EMPTY_FILE', file, 'file has only blank lines (no header row)');
  if (dataRecords === 0) {
    throw new ImportError('NO_RECORDS', file, `header (${listNames(header.names)}) but no data records`);
  }
}
