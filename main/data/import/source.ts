import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { ImportError } from './errors';

/** Big enough to keep per-chunk overhead low, small enough that a few chunks in flight cost nothing. */
const CHUNK_BYTES = 256 * 1024;
/** Share of control bytes in the first chunk above which text is implausible. */
const MAX_CONTROL_SHARE = 0.1;

export interface CheckedSource {
  /** File bytes minus the BOM, each chunk valid UTF-8 (multi-byte characters never split across chunks). */
  chunks: AsyncGenerator<Buffer, void, undefined>;
  /** SHA-256 (hex) of the raw file bytes; available once `chunks` is exhausted. */
  sha256(): string;
  /** Releases the file even if `chunks` was never started (idempotent). */
  close(): void;
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function fsError(file: string, err: unknown): ImportError {
  const code = errnoCode(err);
  if (code === 'ENOENT') return new ImportError('FILE_NOT_FOUND', file, 'file not found', {}, { cause: err });
  if (code === 'EISDIR') return new ImportError('NOT_A_FILE', file, 'is a directory, not a file', {}, { cause: err });
  const why = err instanceof Error ? err.message : String(err);
  return new ImportError('READ_FAILED', file, `cannot read file: ${why}`, {}, { cause: err });
}

/** Opens and stats up front, so "not found" and "not a file" surface before any format work. */
export async function openSource(file: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw fsError(file, err);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ImportError('NOT_A_FILE', file, 'is not a regular file');
    return fh;
  } catch (err) {
    await fh.close();
    throw err instanceof ImportError ? err : fsError(file, err);
  }
}

/** Names what a non-text first chunk looks like, or returns undefined if it looks like text. */
function sniffBinary(head: Buffer): { code: 'BINARY_FILE' | 'UNSUPPORTED_ENCODING'; why: string } | undefined {
  const b0 = head[0];
  const b1 = head[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    return { code: 'UNSUPPORTED_ENCODING', why: 'UTF-16/UTF-32 text (byte order mark found): re-save the file as UTF-8' };
  }
  if (b0 === 0x1f && b1 === 0x8b) return { code: 'BINARY_FILE', why: 'binary file (gzip-compressed data): decompress it first' };
  if (head.subarray(0, 4).toString('latin1') === 'PK\x03\x04') {
    return { code: 'BINARY_FILE', why: 'binary file (zip archive; .xlsx files are zip archives): export as CSV first' };
  }
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return { code: 'BINARY_FILE', why: 'binary file (Parquet): export as CSV or JSONL first' };
  if (head.includes(0)) return { code: 'BINARY_FILE', why: 'binary file (contains NUL bytes)' };
  let control = 0;
  for (const c of head) {
    // Tab, LF, FF and CR are ordinary in text; everything else below space (and DEL) is not.
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d) || c === 0x7f) control++;
  }
  if (control > head.length * MAX_CONTROL_SHARE) {
    const pct = Math.round((100 * control) / head.length);
    return { code: 'BINARY_FILE', why: `binary file (${pct}% control characters in the first ${head.length.toLocaleString('en-US')} bytes)` };
  }
  return undefined;
}

/**
 * Bytes at the end of `b` that start a multi-byte UTF-8 sequence the chunk cut short. They are carried
 * into the next chunk so that validation (and downstream decoding) never sees half a character.
 */
function incompleteTail(b: Buffer): number {
  const len = b.length;
  for (let k = 1; k <= Math.min(3, len); k++) {
    const c = b[len - k] ?? 0;
    if ((c & 0xc0) === 0x80) continue;
    if (c >= 0xc0) {
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return need > k ? k : 0;
    }
    return 0;
  }
  return 0;
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence (error path only). */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : (d & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return -1;
}

function countNewlines(b: Buffer, end = b.length): number {
  let n = 0;
  let i = b.indexOf(0x0a);
  while (i !== -1 && i < end) {
    n++;
    i = b.indexOf(0x0a, i + 1);
  }
  return n;
}

/**
 * Streams a file while doing the checks every format needs: hash of the raw bytes, binary sniffing on
 * the first chunk, BOM removal, and incremental UTF-8 validation that can name the offending line.
 * Takes ownership of `fh` (closed when the generator finishes or is abandoned).
 */
export function checkedSource(file: string, fh: FileHandle): CheckedSource {
  const hash = createHash('sha256');
  let digest: string | undefined;

  // Created now (it reads nothing until iterated) so close() can release the handle in every case.
  const stream = fh.createReadStream({ highWaterMark: CHUNK_BYTES });

  async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
    let first = true;
    let carry: Buffer | undefined;
    let line = 1; // line number at the start of the next byte handed downstream
    let contentBytes = 0;
    try {
      for await (const raw of stream as AsyncIterable<Buffer>) {
        hash.update(raw);
        let data = raw;
        if (first) {
          first = false;
          const binary = sniffBinary(raw);
          if (binary !== undefined) throw new ImportError(binary.code, file, binary.why);
          if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) data = raw.subarray(3);
        }
        if (carry !== undefined) {
          data = Buffer.concat([carry, data]);
          carry = undefined;
        }
        const tail = incompleteTail(data);
        const body = tail === 0 ? data : data.subarray(0, data.length - tail);
        if (tail !== 0) carry = Buffer.from(data.subarray(data.length - tail));
        if (!isUtf8(body)) {
          const at = firstInvalidUtf8(body);
          const bad = body[at] ?? 0;
          throw new ImportError('INVALID_UTF8', file, `invalid UTF-8 (byte 0x${bad.toString(16).padStart(2, '0')}): the file must be UTF-8 encoded`, {
            line: line + countNewlines(body, at),
          });
        }
        if (body.length === 0) continue;
        // Anywhere in the file, not only in the sniffed first chunk: a NUL would reach a pair and the store.
        const nul = body.indexOf(0);
        if (nul >= 0) throw new ImportError('BINARY_FILE', file, 'NUL byte (0x00): a text dataset never contains one; the file is binary or damaged', { line: line + countNewlines(body, nul) });
        // Classic Mac line endings: every parser would see one endless line and report a puzzling quote error.
        if (contentBytes === 0 && body.includes(0x0d) && !body.includes(0x0a)) {
          throw new ImportError('CR_LINE_ENDINGS', file, 'lines end with CR only (classic Mac line endings): convert them to LF or CRLF (e.g. tr "\\r" "\\n" < in.csv > out.csv)', { line: 1 });
        }
        contentBytes += body.length;
        line += countNewlines(body);
        yield body;
      }
    } catch (err) {
      throw err instanceof ImportError ? err : fsError(file, err);
    } finally {
      // Abandoned early (error downstream, consumer stopped): release the descriptor now, not at GC.
      stream.destroy();
    }
    if (carry !== undefined) {
      throw new ImportError('INVALID_UTF8', file, 'invalid UTF-8 (file ends in the middle of a multi-byte character)', { line });
    }
    if (contentBytes === 0) throw new ImportError('EMPTY_FILE', file, 'file is empty');
    digest = hash.digest('hex');
  }

  return {
    chunks: chunks(),
    sha256(): string {
      if (digest === undefined) throw new Error('sha256 requested before the whole file was read');
      return digest;
    },
    close(): void {
      stream.destroy();
    },
  };
}
