import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, migrationChecksum, type Store } from '../../main/store/index';
import { open, tempDbFile } from './helpers';

/** A raw connection configured like the store's, for building databases as older releases left them. */
export function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

export function tableNames(db: Database.Database): string[] {
  return z
    .array(z.object({ name: z.string() }))
    .parse(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all())
    .map((r) => r.name);
}

export interface MigrationCase {
  /** Writes what a database at version `version - 1` realistically holds, with that version's SQL. */
  seed(db: Database.Database): void;
  /** Runs on the store opened (and so upgraded) by the current code. */
  verify(store: Store, db: Database.Database): void;
}

export const T0 = '2025-03-01T09:00:00.000Z';
export const T1 = '2025-03-02T10:30:00.000Z';

/** The test files of the migrations, one per migration: `migration-NNNN-<name>.test.ts` in this folder. */
export function migrationTestFile(migration: { version: number; name: string }): string {
  return `migration-${String(migration.version).padStart(4, '0')}-${migration.name.replaceAll('_', '-')}.test.ts`;
}

/**
 * The upgrade test of one migration: a database at the previous version, holding what that version
 * realistically held, is opened by the current code and keeps its data.
 */
export function describeMigration(version: number, testCase: MigrationCase): void {
  const migration = MIGRATIONS.find((m) => m.version === version);
  if (!migration) throw new Error(`no migration ${version}`);
  describe(`migration ${version} (${migration.name})`, () => {
    it('upgrades a database at the previous version without losing its data', () => {
      const file = tempDbFile();
      const db = rawDb(file);
      migrate(db, { targetVersion: version - 1 });
      const versions = () => z.array(z.object({ version: z.int() })).parse(db.prepare('SELECT version FROM schema_migrations').all());
      expect(versions().map((r) => r.version)).toEqual(MIGRATIONS.slice(0, version - 1).map((m) => m.version));
      testCase.seed(db);
      db.close();

      const store = open({ file });
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      const check = rawDb(file);
      try {
        testCase.verify(store, check);
        const recorded = z
          .array(z.object({ version: z.int(), name: z.string(), checksum: z.string(), applied_at: z.string() }))
          .parse(check.prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version').all());
        expect(recorded.map((r) => [r.version, r.name, r.checksum])).toEqual(MIGRATIONS.map((m) => [m.version, m.name, migrationChecksum(m)]));
        for (const r of recorded) expect(new Date(r.applied_at).toISOString()).toBe(r.applied_at);
        expect(check.pragma('foreign_key_check')).toEqual([]);
      } finally {
        check.close();
      }
    });
  });
}

/** Project 1 with its three stages and a finished CE run #1, as releases from version 5 on wrote them. */
export function seedFinishedCeRun(db: Database.Database): void {
  db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run('SQL assistant', '', T0, T1);
  const thresholds = JSON.stringify({ maxAsr: 20, maxBleuDrop: 3, minRunsPerLoss: 1 });
  db.prepare(
    `INSERT INTO stages (project_id, stage, status, thresholds) VALUES (1, 'pilot', 'active', ?), (1, 'benchmark', 'locked', ?), (1, 'production', 'locked', ?)`,
  ).run(thresholds, thresholds, thresholds);
  db.prepare(
    `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
     VALUES (1, 1, 'pilot', 'CE seed 1', ?, 'ce', 'wasm', 'finished', ?, ?, ?, 2)`,
  ).run(JSON.stringify({ loss: { kind: 'ce' }, seed: 1 }), T0, T0, T1);
}
