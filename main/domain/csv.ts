/**
 * The one CSV writer (RFC 4180, CRLF) for every export: what a spreadsheet opens as data, never as formulas.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text cells starting with = + - @ tab or CR would be evaluated by Excel/LibreOffice (CSV injection);
 * a leading single quote makes them plain text. Numbers are written by us and never need it.
 */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type CsvCell = string | number | null;

export interface CsvOptions {
  /**
   * How NaN and ±Infinity are written: 'text' spells them out (a report shows a diverged run as NaN),
   * 'empty' leaves the cell blank (a data table that a spreadsheet sums).
   */
  nonFinite?: 'text' | 'empty';
}

/** One cell: text neutralised, then quoted when it holds a quote, comma, line break or edge whitespace. */
export function csvCell(value: CsvCell, options: CsvOptions = {}): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) || options.nonFinite !== 'empty' ? String(value) : '';
  const text = neutralise(value);
  // Quoted edge whitespace survives the spreadsheets that trim unquoted cells.
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header and rows as CSV, every line ending in CRLF; non-finite numbers are blank cells. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[], options: CsvOptions = { nonFinite: 'empty' }): string {
  const line = (cells: readonly CsvCell[]) => cells.map((c) => csvCell(c, options)).join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}
