import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import { z } from 'zod';
import { StoreMigrationError } from './errors';
import { MIGRATIONS, type Migration } from './migrations/index';

export function migrationChecksum(migration: Pick<Migration, 'sql'>): string {
  return createHash('sha256').update(migration.sql, 'utf8').digest('hex');
}

export function migrationLabel(migration: Pick<Migration, 'version' | 'name'>): string {
  return `${String(migration.version).padStart(4, '0')}_${migration.name}`;
}

export interface MigrateOptions {
  /** Defaults to every migration this build ships; tests pass edited lists. */
  migrations?: readonly Migration[];
  /** Stop after this version (tests build databases "as the previous release left them"). Default: latest. */
  targetVersion?: number;
  now?: () => string;
}

export interface MigrateResult {
  fromVersion: number;
  toVersion: number;
  applied: number[];
}

const RecordedSchema = z.object({
  version: z.int(),
  name: z.string(),
  checksum: z.string(),
  applied_at: z.string(),
});
type Recorded = z.infer<typeof RecordedSchema>;

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`;

function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreMigrationError(
        `Migration list is malformed: entry ${i} is version ${m.version}, expected ${i + 1} (versions must be 1, 2, 3, … with no gaps).`,
      );
    }
  });
}

function readRecorded(db: BetterSqlite3.Database): Recorded[] {
  const rows = db.prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version').all();
  return z.array(RecordedSchema).parse(rows);
}

function verifyRecorded(row: Recorded, known: Migration | undefined, latest: number): void {
  if (known === undefined) {
    throw new StoreMigrationError(
      `The database has schema version ${row.version} (${row.name}), which this build of DeCE Pilot does not know ` +
        `(it knows up to ${latest}). It was probably written by a newer version of the app: upgrade the app, ` +
        'or point it at another data directory. The database was not changed.',
    );
  }
  const expected = migrationChecksum(known);
  if (row.checksum !== expected) {
    throw new StoreMigrationError(
      `Migration ${migrationLabel(known)} was changed after it was applied to this database ` +
        `(recorded checksum ${row.checksum.slice(0, 12)}…, this build has ${expected.slice(0, 12)}…). ` +
        'Released migrations must never be edited; restore the original migration and add a new one instead. ' +
        'The database was not changed.',
    );
  }
}

/**
 * Brings the schema up to `targetVersion`, one transaction per migration, after checking that
 * every migration already recorded is one this build knows, unchanged.
 */
export function migrate(db: BetterSqlite3.Database, options: MigrateOptions = {}): MigrateResult {
  const migrations = options.migrations ?? MIGRATIONS;
  const now = options.now ?? (() => new Date().toISOString());
  assertWellFormed(migrations);
  const latest = migrations.length;
  const target = options.targetVersion ?? latest;
  if (!Number.isInteger(target) || target < 0 || target > latest) {
    throw new StoreMigrationError(`Cannot migrate to version ${target}: known versions are 0..${latest}.`);
  }

  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (hasTable === undefined) {
    const objects = z
      .array(z.object({ name: z.string() }))
      .parse(db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' LIMIT 5").all());
    if (objects.length > 0) {
      // Running our CREATE TABLEs over somebody else's schema would half-succeed and leave a mess.
      throw new StoreMigrationError(
        `This SQLite file is not a DeCE Pilot database (it has ${objects.map((o) => o.name).join(', ')} but no schema_migrations). It was not changed.`,
      );
    }
    db.exec(CREATE_MIGRATIONS_TABLE);
  }

  const recorded = readRecorded(db);
  recorded.forEach((row, i) => {
    verifyRecorded(row, migrations[row.version - 1], latest);
    if (row.version !== i + 1) {
      throw new StoreMigrationError(
        `schema_migrations is inconsistent: version ${i + 1} is missing but ${row.version} is recorded. The database was not changed.`,
      );
    }
  });
  const fromVersion = recorded.length;
  if (fromVersion > target) {
    throw new StoreMigrationError(`The database is at schema version ${fromVersion}, past the requested ${target}.`);
  }

  const insert = db.prepare<[number, string, string, string]>(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  const findOne = db.prepare<[number]>('SELECT version, name, checksum, applied_at FROM schema_migrations WHERE version = ?');
  const applied: number[] = [];
  // Note: foreign_keys cannot be switched inside a transaction. A future migration that rebuilds a
  // table (the SQLite way to change a column) must get a flag here to run with foreign_keys=OFF.
  for (const migration of migrations.slice(fromVersion, target)) {
    const apply = db.transaction(() => {
      // Two app instances may start together; whoever waited for the write lock re-checks here.
      const already = findOne.get(migration.version);
      if (already !== undefined) {
        verifyRecorded(RecordedSchema.parse(already), migration, latest);
        return false;
      }
      db.exec(migration.sql);
      const violations = db.pragma('foreign_key_check') as unknown[];
      if (violations.length > 0) {
        throw new StoreMigrationError(`Migration ${migrationLabel(migration)} leaves ${violations.length} foreign-key violations.`);
      }
      insert.run(migration.version, migration.name, migrationChecksum(migration), now());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(migration.version);
    } catch (error) {
      if (error instanceof StoreMigrationError) throw error;
      throw new StoreMigrationError(
        `Migration ${migrationLabel(migration)} failed and was rolled back: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  return { fromVersion, toVersion: Math.max(fromVersion, target), applied };
}
