import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LATEST_SCHEMA_VERSION, StoreCorruptError, type Store } from '../../main/store/index';
import { epochMetrics, open, openStoreError, sampleConfig, sha256File, tempDbFile } from './helpers';

/** A closed database file with enough rows to span many pages. */
function databaseWithData(): { file: string; runId: number } {
  const file = tempDbFile();
  const store = open({ file });
  const project = store.projects.create({ name: 'Corruption victim', actor: 'ana' });
  const run = store.runs.create({ projectId: project.id, stage: 'pilot', name: 'dece', config: sampleConfig(), lossKind: 'dece', backend: 'cpu' });
  store.runs.markRunning(run.id);
  for (let epoch = 1; epoch <= 5; epoch++) {
    store.metrics.recordSteps(
      run.id,
      Array.from({ length: 400 }, (_, step) => ({ epoch, step, loss: Math.random() })),
    );
    store.metrics.recordEpoch(run.id, epochMetrics(epoch));
  }
  store.close();
  return { file, runId: run.id };
}

function expectCorrupt(file: string): StoreCorruptError {
  const caught = openStoreError(file);
  expect(caught).toBeInstanceOf(StoreCorruptError);
  const error = caught as StoreCorruptError;
  expect(error.file).toBe(file);
  expect(error.message).toContain(file);
  expect(error.message).toMatch(/damaged.*left untouched/);
  return error;
}

function withRawDb<T>(store: Store, fn: (db: Database.Database) => T): T {
  const db = new Database(store.file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('corruption', () => {
  it('refuses a file with garbage written over pages in the middle, and leaves it byte-identical', () => {
    const { file } = databaseWithData();
    const pageSize = 4096;
    const pages = fs.statSync(file).size / pageSize;
    expect(pages).toBeGreaterThan(10);
    // Overwrite whole b-tree pages (not page 1, so SQLite still recognises the file and must find the damage itself).
    const fd = fs.openSync(file, 'r+');
    const garbage = Buffer.alloc(pageSize * 2);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 251;
    fs.writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * pageSize);
    fs.closeSync(fd);
    const before = sha256File(file);

    const error = expectCorrupt(file);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(fs.existsSync(file)).toBe(true);
    expect(sha256File(file)).toBe(before);
    // A second attempt behaves the same: nothing was "repaired" or replaced in between.
    expectCorrupt(file);
    expect(sha256File(file)).toBe(before);
  });

  it('refuses a truncated file and leaves it byte-identical', () => {
    const { file } = databaseWithData();
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 4096 / 2) * 4096);
    const before = sha256File(file);
    expectCorrupt(file);
    expect(sha256File(file)).toBe(before);
  });

  it('refuses a file that is not a database at all', () => {
    const file = tempDbFile();
    fs.writeFileSync(file, 'name,total\nwidget,3\n'.repeat(500));
    const before = sha256File(file);
    expect(expectCorrupt(file).message).toMatch(/not a database/);
    expect(sha256File(file)).toBe(before);
  });

  it('opens a healthy existing file', () => {
    const { file, runId } = databaseWithData();
    const store = open({ file });
    expect(store.metrics.epochs(runId)).toHaveLength(5);
  });
});

describe('schema guards', () => {
  it('has only STRICT tables', () => {
    const store = open({ file: tempDbFile() });
    const tables = withRawDb(store, (db) =>
      z
        .array(z.object({ name: z.string(), strict: z.int() }))
        .parse(db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").all()),
    );
    expect(tables.length).toBeGreaterThanOrEqual(11);
    expect(tables.filter((t) => t.strict !== 1)).toEqual([]);
  });

  it('enforces column types (text into an INTEGER column fails)', () => {
    const store = open({ file: tempDbFile() });
    const project = store.projects.create({ name: 'Types', actor: 'ana' });
    const run = store.runs.create({ projectId: project.id, stage: 'pilot', name: 'r', config: {}, lossKind: 'ce', backend: 'cpu' });
    withRawDb(store, (db) => {
      expect(() =>
        db.prepare('INSERT INTO epoch_metrics (run_id, epoch, seconds) VALUES (?, ?, ?)').run(run.id, 'three', 1),
      ).toThrow(/cannot store TEXT value in INTEGER column/);
      expect(() => db.prepare('UPDATE runs SET last_completed_epoch = ? WHERE id = ?').run('lots', run.id)).toThrow(
        /cannot store TEXT value in INTEGER column/,
      );
      expect(() => db.prepare('INSERT INTO step_metrics (run_id, epoch, step, loss) VALUES (?, 1, 0, ?)').run(run.id, 'nan')).toThrow(
        /cannot store TEXT value in REAL column/,
      );
      expect(() => db.prepare("UPDATE runs SET status = 'exploded' WHERE id = ?").run(run.id)).toThrow(/CHECK constraint failed/);
      expect(() => db.prepare("UPDATE runs SET config = 'not json' WHERE id = ?").run(run.id)).toThrow(/CHECK constraint failed/);
      expect(() =>
        db.prepare("UPDATE stages SET status = 'passed', decision = 'override', decided_by = 'x', decided_at = 'now' WHERE project_id = ? AND stage = 'pilot'").run(project.id),
      ).toThrow(/CHECK constraint failed/);
    });
  });

  it('keeps the audit log append-only: UPDATE and DELETE are refused', () => {
    const store = open({ file: tempDbFile() });
    store.projects.create({ name: 'Audited', actor: 'ana' });
    const before = store.audit.list();
    expect(before).toHaveLength(1);
    withRawDb(store, (db) => {
      expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/append-only: UPDATE is not allowed/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only: DELETE is not allowed/);
      db.prepare("INSERT INTO audit_log (at, actor, action, subject) VALUES ('2025-01-01T00:00:00.000Z', 'ops', 'backup', 'db')").run();
    });
    expect(store.audit.list().map((e) => e.actor)).toEqual(['ops', 'ana']);
    expect(store.audit.list().at(-1)).toEqual(before[0]);
  });

  it('uses WAL, foreign keys, a busy timeout and synchronous=NORMAL', () => {
    const file = tempDbFile();
    expect(open({ file }).diagnostics()).toMatchObject({
      file,
      schemaVersion: LATEST_SCHEMA_VERSION,
      journalMode: 'wal',
      foreignKeys: true,
      busyTimeoutMs: 5000,
      synchronous: 'normal',
    });
    // WAL is a property of the file, so every later connection (any process) gets it too.
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
