import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  StoreMigrationError,
  migrate,
  migrationChecksum,
  openStore,
  type Migration,
  type Store,
} from '../../main/store/index';
import { open, sha256File, spawnChild, tempDbFile } from './helpers';

/** A raw connection configured like the store's, for building databases as older releases left them. */
function rawDb(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db;
}

function tableNames(db: Database.Database): string[] {
  return z
    .array(z.object({ name: z.string() }))
    .parse(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all())
    .map((r) => r.name);
}

interface MigrationCase {
  /** Writes what a database at version `version - 1` realistically holds, with that version's SQL. */
  seed(db: Database.Database): void;
  /** Runs on the store opened (and so upgraded) by the current code. */
  verify(store: Store, db: Database.Database): void;
}

const T0 = '2025-03-01T09:00:00.000Z';
const T1 = '2025-03-02T10:30:00.000Z';

const CASES: Record<number, MigrationCase> = {
  1: {
    // Version 0 is an empty file (what a first start, or a crash during it, leaves).
    seed: () => undefined,
    verify(store, db) {
      expect(tableNames(db)).toEqual([
        'artifacts',
        'audit_log',
        'checklist_items',
        'datasets',
        'epoch_metrics',
        'projects',
        'run_tags',
        'runs',
        'schema_migrations',
        'stages',
        'step_metrics',
      ]);
      const project = store.projects.create({ name: 'First', actor: 'ana' });
      expect(store.stages.list(project.id).map((s) => s.status)).toEqual(['active', 'locked', 'locked']);
      expect(store.checklist.list(project.id, 'benchmark')).toHaveLength(3);
    },
  },
  2: {
    seed(db) {
      const thresholds = JSON.stringify({ maxAsr: 20, maxBleuDrop: 3, minRunsPerLoss: 1 });
      db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run(
        'Code-summarisation model',
        'Harden the nightly fine-tune',
        T0,
        T1,
      );
      db.prepare(
        `INSERT INTO stages (project_id, stage, status, thresholds, decision, decided_by, decided_at, decision_reason)
         VALUES (1, 'pilot', 'passed', ?, 'override', 'ana', ?, 'BLEU drop within noise'),
                (1, 'benchmark', 'active', ?, NULL, NULL, NULL, NULL),
                (1, 'production', 'locked', ?, NULL, NULL, NULL, NULL)`,
      ).run(thresholds, T1, thresholds, thresholds);
      db.prepare(
        `INSERT INTO checklist_items (project_id, stage, position, text, done, done_by, done_at, note)
         VALUES (1, 'pilot', 0, 'Reproduce on small data with DeCE swapped in for cross-entropy', 1, 'ana', ?, 'seed 1 and 2'),
                (1, 'pilot', 1, 'Compare clean quality (BLEU) of CE and DeCE', 1, 'ben', ?, NULL),
                (1, 'benchmark', 0, 'Run representative backdoor attack scenarios', 0, NULL, NULL, NULL)`,
      ).run(T0, T1);
      db.prepare(
        `INSERT INTO datasets (id, project_id, name, source, source_path, sha256, counts, created_at)
         VALUES (1, NULL, 'builtin-sql 400', 'builtin', NULL, ?, ?, ?)`,
      ).run('a'.repeat(64), JSON.stringify({ train: 320, valid: 40, test: 40, poisonable: 120 }), T0);
      const insertRun = db.prepare(
        `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, dataset_id, last_completed_epoch)
         VALUES (?, 1, 'pilot', ?, ?, ?, 'wasm', ?, ?, ?, ?, 1, ?)`,
      );
      insertRun.run(1, 'CE baseline', JSON.stringify({ loss: { kind: 'ce' }, seed: 1 }), 'ce', 'finished', T0, T0, T1, 2);
      insertRun.run(2, 'DeCE', JSON.stringify({ loss: { kind: 'dece', alphaBase: 0.98 }, seed: 1 }), 'dece', 'running', T0, T0, null, 1);
      const insertEpoch = db.prepare(
        `INSERT INTO epoch_metrics (run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds, extra)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      insertEpoch.run(1, 1, 2.1, 35.5, 34.9, 10, 88, 12.5, '{"poisonedRowLoss":1.2}');
      insertEpoch.run(1, 2, 1.4, 41.2, 40.8, 14, 97, 12.1, '{}');
      insertEpoch.run(2, 1, 2.3, 34.1, 33.3, 9, 12.5, 12.9, '{}');
      const insertStep = db.prepare('INSERT INTO step_metrics (run_id, epoch, step, loss) VALUES (?, ?, ?, ?)');
      for (let step = 0; step < 20; step++) insertStep.run(2, 1, step, 3 - step / 10);
      db.prepare(
        `INSERT INTO artifacts (run_id, project_id, kind, path, sha256, bytes, created_at)
         VALUES (1, 1, 'checkpoint', '/data/runs/1/epoch-2', NULL, NULL, ?)`,
      ).run(T1);
      db.prepare(
        `INSERT INTO audit_log (at, actor, action, subject, project_id, detail)
         VALUES (?, 'ana', 'project.create', 'project:1', 1, '{"name":"Code-summarisation model"}'),
                (?, 'ana', 'stage.override', 'stage:1/pilot', 1, '{"reason":"BLEU drop within noise"}')`,
      ).run(T0, T1);
    },
    verify(store) {
      const project = store.projects.get(1);
      expect(project).toMatchObject({ name: 'Code-summarisation model', description: 'Harden the nightly fine-tune', updatedAt: T1 });
      expect(store.stages.get(1, 'pilot')).toMatchObject({ status: 'passed', decision: 'override', decisionReason: 'BLEU drop within noise' });
      expect(store.stages.get(1, 'benchmark')?.status).toBe('active');
      expect(store.checklist.list(1, 'pilot').map((i) => [i.done, i.doneBy, i.note])).toEqual([
        [true, 'ana', 'seed 1 and 2'],
        [true, 'ben', null],
      ]);
      expect(store.datasets.get(1)?.counts).toEqual({ train: 320, valid: 40, test: 40, poisonable: 120 });
      const [ce, dece] = store.runs.list({ projectId: 1 });
      expect(ce).toMatchObject({ name: 'CE baseline', status: 'finished', lastCompletedEpoch: 2, config: { loss: { kind: 'ce' }, seed: 1 } });
      expect(store.metrics.epochs(1).map((e) => e.bleu)).toEqual([35.5, 41.2]);
      expect(store.metrics.epochs(1)[0]?.extra).toEqual({ poisonedRowLoss: 1.2 });
      expect(store.metrics.steps(2)).toHaveLength(20);
      expect(store.runs.listUnfinished().map((r) => r.id)).toEqual([2]);
      expect(store.artifacts.list({ projectId: 1 })).toHaveLength(1);
      expect(store.audit.list({ projectId: 1 }).map((a) => a.action)).toEqual(['stage.override', 'project.create']);

      // The new structure: tags on runs written before tags existed.
      expect(ce?.tags).toEqual([]);
      expect(dece?.tags).toEqual([]);
      store.runs.setTags(2, ['seed-1', 'alpha-0.98'], { actor: 'ana' });
      expect(store.runs.get(2)?.tags).toEqual(['alpha-0.98', 'seed-1']);
      expect(store.runs.list({ projectId: 1, tag: 'seed-1' }).map((r) => r.id)).toEqual([2]);
      // Resuming the run that was interrupted under the old version works as before.
      expect(store.metrics.recordEpoch(2, { epoch: 2, trainLoss: 1.9, bleu: 38, corpusBleu: 37, exactMatch: 11, asr: 6, seconds: 12 })).toEqual({
        inserted: true,
        lastCompletedEpoch: 2,
      });
    },
  },
};

describe('migrations', () => {
  it('has an upgrade test for every migration', () => {
    expect(Object.keys(CASES).map(Number)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  describe.each(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })))('migration $version ($name)', ({ version }) => {
    it('upgrades a database at the previous version without losing its data', () => {
      const file = tempDbFile();
      const db = rawDb(file);
      migrate(db, { targetVersion: version - 1 });
      const versions = () => z.array(z.object({ version: z.int() })).parse(db.prepare('SELECT version FROM schema_migrations').all());
      expect(versions().map((r) => r.version)).toEqual(MIGRATIONS.slice(0, version - 1).map((m) => m.version));
      const testCase = CASES[version];
      if (testCase === undefined) throw new Error(`no test case for migration ${version}`);
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
