import type { CodePair } from '../types';
import { ImportError, type ImportErrorLocation } from './errors';

/** One accepted record as the streaming reader yields it. */
export interface PairRecord {
  pair: CodePair;
  /** 1-based line where the record starts. */
  line: number;
  /** 1-based data record number (header and blank lines excluded). */
  record: number;
}

/**
 * CRLF inside a field becomes LF: the same snippet exported on Windows and on Linux must be the same
 * pair (for de-duplication, leakage checks and tokenisation).
 */
export function normalizeEol(s: string): string {
  return s.includes('\r\n') ? s.replace(/\r\n/g, '\n') : s;
}

/** Checks shared by every format once src/tgt are extracted. `what` names the column/field kind. */
export function makePair(file: string, src: string, tgt: string, names: { src: string; tgt: string; what: 'column' | 'field' }, where: Required<ImportErrorLocation>): CodePair {
  if (src.trim() === '') throw new ImportError('EMPTY_SOURCE', file, `empty source (${names.what} "${names.src}" is blank)`, where);
  if (tgt.trim() === '') throw new ImportError('EMPTY_TARGET', file, `empty target (${names.what} "${names.tgt}" is blank)`, where);
  return { src: normalizeEol(src), tgt: normalizeEol(tgt) };
}

export function tooManyRecords(file: string, maxRecords: number, where: Required<ImportErrorLocation>): ImportError {
  return new ImportError('TOO_MANY_RECORDS', file, `more than ${maxRecords.toLocaleString('en-US')} record${maxRecords === 1 ? '' : 's'} (raise maxRecords to import more)`, where);
}
