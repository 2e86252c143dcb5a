/**
 * Every way a dataset file can be rejected. One code per cause, so callers (CLI, UI) can react to the
 * cause without parsing messages, and tests can pin the exact failure.
 */
export const IMPORT_ERROR_CODES = [
  'INVALID_OPTIONS',
  'FILE_NOT_FOUND',
  'NOT_A_FILE',
  'READ_FAILED',
  'UNKNOWN_FORMAT',
  'EMPTY_FILE',
  'BINARY_FILE',
  'UNSUPPORTED_ENCODING',
  'INVALID_UTF8',
  'CR_LINE_ENDINGS',
  'UNTERMINATED_QUOTE',
  'MALFORMED_QUOTE',
  'MALFORMED_CSV',
  'COLUMN_COUNT',
  'MISSING_COLUMN',
  'DUPLICATE_COLUMN',
  'TOO_MANY_FIELDS',
  'INVALID_JSON',
  'NOT_AN_OBJECT',
  'MISSING_FIELD',
  'FIELD_NOT_STRING',
  'EMPTY_SOURCE',
  'EMPTY_TARGET',
  'RECORD_TOO_LARGE',
  'TOO_MANY_RECORDS',
  'NO_RECORDS',
] as const;

export type ImportErrorCode = (typeof IMPORT_ERROR_CODES)[number];

export interface ImportErrorLocation {
  /** 1-based physical line where the offending record starts (or where the bad bytes are). */
  line?: number;
  /** 1-based data record number (the CSV/TSV header is not a record; blank lines are not records). */
  record?: number;
}

/**
 * The only error importPairs/iteratePairs throw. The message is a single line in the compiler-style
 * `file:line: what went wrong (record N)` form, so it can be pasted into a terminal or an issue as is.
 */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  readonly code: ImportErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly record: number | undefined;
  /** The message without the `file:line:` prefix and record suffix. */
  readonly detail: string;

  constructor(code: ImportErrorCode, file: string, detail: string, where: ImportErrorLocation = {}, options?: ErrorOptions) {
    const oneLine = detail.replace(/\s*[\r\n]+\s*/g, ' ').trim();
    const prefix = where.line === undefined ? file : `${file}:${where.line}`;
    const suffix = where.record === undefined ? '' : ` (record ${where.record})`;
    super(`${prefix}: ${oneLine}${suffix}`, options);
    this.code = code;
    this.file = file;
    this.line = where.line;
    this.record = where.record;
    this.detail = oneLine;
  }
}

export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** A short, single-line, quoted preview of a value for error messages (never dump a 1 MiB field). */
export function preview(value: string, max = 40): string {
  return JSON.stringify(truncate(value, max));
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}
