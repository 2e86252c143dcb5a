import { formatBytes, ImportError, preview, truncate } from './errors';
import type { ResolvedOptions } from './options';
import { makePair, tooManyRecords, type PairRecord } from './record';
import type { CheckedSource } from './source';

interface Line {
  /** Undefined when the line outgrew the limit (the rest of it is not read). */
  bytes: Buffer | undefined;
  line: number;
}

/**
 * Splits UTF-8 chunks into lines without ever holding more than one line (plus a chunk). Unlike readline
 * it gives up on a line as soon as it outgrows `maxBytes`, so a file without newlines cannot exhaust memory.
 */
async function* lines(chunks: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Line, void, undefined> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        if (start < chunk.length) {
          pendingBytes += chunk.length - start;
          // +1: a CR before the LF is not content. The consumer stops at an oversized line.
          if (pendingBytes > maxBytes + 1) {
            yield { bytes: undefined, line: line + 1 };
            return;
          }
          pending.push(chunk.subarray(start));
        }
        break;
      }
      const piece = chunk.subarray(start, nl);
      const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      yield { bytes, line: ++line };
      start = nl + 1;
    }
  }
  if (pendingBytes > 0) yield { bytes: Buffer.concat(pending), line: line + 1 };
}

type Lookup = { found: true; value: unknown } | { found: false; missing: string; keys: string[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A literal key wins over a dotted path, so `{"a.b": ...}` keeps working; digits index arrays. */
function lookup(obj: Record<string, unknown>, path: string): Lookup {
  if (Object.hasOwn(obj, path)) return { found: true, value: obj[path] };
  let cur: unknown = obj;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (!isRecord(cur) || !Object.hasOwn(cur, part)) {
      return { found: false, missing: parts.slice(0, i + 1).join('.'), keys: isRecord(cur) ? Object.keys(cur) : [] };
    }
    cur = cur[part];
  }
  return { found: true, value: cur };
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function stringField(file: string, obj: Record<string, unknown>, path: string, where: { line: number; record: number }): string {
  const got = lookup(obj, path);
  if (!got.found) {
    const keys = got.keys.slice(0, 12).map((k) => preview(k, 30)).join(', ');
    const parent = got.missing.includes('.') ? ` under "${got.missing.slice(0, got.missing.lastIndexOf('.'))}"` : '';
    throw new ImportError('MISSING_FIELD', file, `missing field "${path}"; present${parent}: ${keys === '' ? 'none' : keys}`, where);
  }
  if (typeof got.value !== 'string') {
    const hint = Array.isArray(got.value) ? ' (token lists must be joined into a string first)' : '';
    throw new ImportError('FIELD_NOT_STRING', file, `field "${path}" is ${kindOf(got.value)}, expected a string${hint}`, where);
  }
  return got.value;
}

/** JSON Lines: one object per non-blank line; the record number counts non-blank lines. */
export async function* readJsonl(file: string, source: CheckedSource, opts: ResolvedOptions): AsyncGenerator<PairRecord, void, undefined> {
  let record = 0;
  try {
    for await (const { bytes, line } of lines(source.chunks, opts.maxRecordBytes)) {
      const end = bytes === undefined ? Infinity : bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
      if (bytes === undefined || end > opts.maxRecordBytes) {
        // Counted as the next record: a line that long is not a blank one.
        throw new ImportError('RECORD_TOO_LARGE', file, `line longer than maxRecordBytes (${formatBytes(opts.maxRecordBytes)})`, { line, record: record + 1 });
      }
      const text = bytes.toString('utf8', 0, end);
      if (text.trim() === '') continue;
      record++;
      const where = { line, record };
      if (record > opts.maxRecords) throw tooManyRecords(file, opts.maxRecords, where);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        // A pretty-printed JSON array is the usual mistake; say so instead of only "unexpected end".
        const hint = record === 1 && text.trimStart().startsWith('[') ? ' (this looks like a JSON array; expected JSON Lines: one object per line)' : '';
        throw new ImportError('INVALID_JSON', file, `invalid JSON: ${truncate(why, 160)}${hint}`, where, { cause: err });
      }
      if (!isRecord(value) || Array.isArray(value)) {
        const hint = Array.isArray(value) && record === 1 ? ' (expected JSON Lines: one object per line, not one array)' : '';
        throw new ImportError('NOT_AN_OBJECT', file, `expected a JSON object, found ${kindOf(value)}${hint}`, where);
      }
      const src = stringField(file, value, opts.srcField, where);
      const tgt = stringField(file, value, opts.tgtField, where);
      yield { pair: makePair(file, src, tgt, { src: opts.srcField, tgt: opts.tgtField, what: 'field' }, where), line, record };
    }
  } finally {
    source.close();
  }
  if (record === 0) throw new ImportError('EMPTY_FILE', file, 'file has only blank lines');
}
