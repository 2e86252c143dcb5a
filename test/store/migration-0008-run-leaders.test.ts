import { expect } from 'vitest';
import { T0, describeMigration, seedFinishedCeRun } from './migration-case';

describeMigration(8, {
  // A finished CE run and a DeCE run of the same pair from before pairs were stored.
  seed(db) {
    seedFinishedCeRun(db);
    db.prepare(`INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at) VALUES (2, 1, 'pilot', 'DeCE seed 1', '{}', 'dece', 'wasm', 'queued', ?)`).run(T0);
  },
  verify(store, db) {
    // Older runs follow nothing; a new run can follow one of its project's runs, and says so in the audit trail.
    expect(store.runs.leaderOf(2)).toBeNull();
    const follower = store.runs.create({ projectId: 1, stage: 'pilot', name: 'DeCE follows CE', config: {}, lossKind: 'dece', backend: 'wasm', leaderRunId: 1, actor: 'tester' });
    expect(store.runs.leaderOf(follower.id)).toBe(1);
    expect(store.audit.list({ projectId: 1 }).find((e) => e.subject === `run:${follower.id}`)?.detail).toMatchObject({ leaderRunId: 1 });
    // A leader that does not exist is refused, and the refused create leaves nothing behind.
    const runsBefore = db.prepare('SELECT COUNT(*) FROM runs').pluck().get();
    expect(() => store.runs.create({ projectId: 1, stage: 'pilot', name: 'x', config: {}, lossKind: 'dece', backend: 'wasm', leaderRunId: 99 })).toThrow(/99/);
    expect(db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(runsBefore);
    expect(() => db.prepare('INSERT INTO run_leaders (run_id, leader_run_id) VALUES (2, 2)').run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare('INSERT INTO run_leaders (run_id, leader_run_id) VALUES (2, 99)').run()).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(store.runs.leaderOf(follower.id)).toBeNull();
  },
});
