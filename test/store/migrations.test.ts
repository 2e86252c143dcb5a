import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  StoreMigrationError,
  migrate,
  openStore,
  type Migration,
} from '../../main/store/index';
import { open, sha256File, spawnChild, tempDbFile } from './helpers';
import { T1, migrationTestFile, rawDb, tableNames } from './migration-case';

const HERE = path.dirname(fileURLToPath(import.meta.url));

describe('migrations', () => {
  it('has an upgrade test for every migration, each in its own file', () => {
    expect(MIGRATIONS.filter((m) => !fs.existsSync(path.join(HERE, migrationTestFile(m)))).map((m) => m.version)).toEqual([]);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('is a no-op on an up-to-date database', () => {
    const file = tempDbFile();
    open({ file }).close();
    const db = rawDb(file);
    expect(migrate(db)).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
    db.close();
  });

  it('refuses to start when an applied migration was edited', () => {
    const file = tempDbFile();
    open({ file }).close();
    const before = sha256File(file);
    const edited: Migration[] = MIGRATIONS.map((m) => (m.version === 1 ? { ...m, sql: `${m.sql}\n-- tweaked after release\n` } : m));
    expect(() => openStore({ file, migrations: edited })).toThrow(StoreMigrationError);
    expect(() => openStore({ file, migrations: edited })).toThrow(/0001_initial was changed after it was applied/);
    expect(sha256File(file)).toBe(before);

    // Same when the recorded checksum is what changed.
    const db = rawDb(file);
    db.prepare("UPDATE schema_migrations SET checksum = ? WHERE version = 2").run('0'.repeat(64));
    db.close();
    expect(() => openStore({ file })).toThrow(/0002_run_tags was changed/);
  });

  it('refuses a database written by a newer version of the app', () => {
    const file = tempDbFile();
    const store = open({ file });
    store.projects.create({ name: 'Keep me', actor: 'ana' });
    store.close();
    const db = rawDb(file);
    db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
      LATEST_SCHEMA_VERSION + 1,
      'from_the_future',
      'f'.repeat(64),
      T1,
    );
    db.close();
    const before = sha256File(file);
    let error: unknown;
    try {
      openStore({ file });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreMigrationError);
    expect(String(error)).toMatch(new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1} \\(from_the_future\\).*newer version`));
    // Nothing was touched: the data is still there for the newer app.
    expect(sha256File(file)).toBe(before);
    const check = rawDb(file);
    expect(check.prepare('SELECT name FROM projects').pluck().all()).toEqual(['Keep me']);
    check.close();
  });

  it('applies each migration in its own transaction, keeping the ones before a failure', () => {
    const file = tempDbFile();
    const broken: Migration[] = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER) STRICT; CREATE TABLE oops (' },
    ];
    expect(() => openStore({ file, migrations: broken })).toThrow(/broken failed and was rolled back/);
    const db = rawDb(file);
    expect(db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(MIGRATIONS.map((m) => m.version));
    expect(tableNames(db)).not.toContain('half_done');
    db.close();
    // The good versions are usable by this build.
    expect(open({ file }).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('refuses a malformed migration list', () => {
    const db = rawDb(tempDbFile());
    const gap: Migration[] = [MIGRATIONS[0] as Migration, { version: 3, name: 'gap', sql: 'SELECT 1' }];
    expect(() => migrate(db, { migrations: gap })).toThrow(/malformed/);
    expect(() => migrate(db, { targetVersion: LATEST_SCHEMA_VERSION + 1 })).toThrow(StoreMigrationError);
    db.close();
  });

  it('refuses a SQLite file that belongs to something else', () => {
    const file = tempDbFile();
    const db = new Database(file);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    db.close();
    const before = sha256File(file);
    expect(() => openStore({ file })).toThrow(/not a DeCE Pilot database/);
    expect(sha256File(file)).toBe(before);
  });

  it('lets several processes create the same fresh database at once', async () => {
    const file = tempDbFile();
    const children = Array.from({ length: 4 }, () => spawnChild(['open', file]));
    const lines = await Promise.all(children.map((c) => c.line('VERSION ')));
    expect(lines).toEqual(children.map(() => `VERSION ${LATEST_SCHEMA_VERSION}`));
    await Promise.all(children.map((c) => c.exit()));
    const db = rawDb(file);
    expect(db.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
    db.close();
    expect(fs.existsSync(file)).toBe(true);
  });
});
