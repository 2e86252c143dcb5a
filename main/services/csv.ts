/** CSV (RFC 4180, CRLF) that a spreadsheet opens as data, never as formulas. */

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Text cells starting with = + - @ tab or CR would be evaluated by Excel/LibreOffice (CSV injection);
 * a leading single quote makes them plain text. Numbers are written by us and never need it.
 */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export type CsvCell = string | number | null;

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const line = (cells: readonly CsvCell[]) =>
    cells
      .map((c) => {
        if (c === null) return '';
        if (typeof c === 'number') return Number.isFinite(c) ? String(c) : '';
        return quote(neutralise(c));
      })
      .join(',');
  return [line(header), ...rows.map(line)].map((l) => `${l}\r\n`).join('');
}

/** A file-name part from a name people typed: lower-case ASCII words joined by dashes, or the fallback when none is left. */
export function fileSlug(name: string, fallback: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || fallback;
}
