import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

/**
 * The hostile-input suite reports its figures from the tests themselves: one line per class, printed
 * with a fixed prefix so CI logs can be searched for them (`grep '\[hostile\]'`).
 */
export function reportFigures(inputClass: string, figures: Record<string, string | number | boolean>): void {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(', ');
  console.log(`[hostile] ${inputClass}: ${text}`);
}

export interface StoreSnapshot {
  /** sha256 over every row of every table (tables by name, rows sorted). */
  digest: string;
  rows: number;
  integrity: string;
}

/**
 * Every row of a store file, read on a separate read-only connection (it sees the WAL of a store that is
 * still open), with SQLite's integrity_check: "store unchanged" is the same digest before and after.
 */
export function snapshotStore(file: string): StoreSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    const hash = createHash('sha256');
    let rows = 0;
    for (const table of tables) {
      // Sorted as text: some tables are WITHOUT ROWID, and row order is not what is compared.
      const all = db
        .prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`)
        .all()
        .map((row) => JSON.stringify(row))
        .sort();
      rows += all.length;
      hash.update(table).update(all.join('\n'));
    }
    const integrity = (db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    return { digest: hash.digest('hex'), rows, integrity };
  } finally {
    db.close();
  }
}
