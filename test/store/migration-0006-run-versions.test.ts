import { expect } from 'vitest';
import { T1, describeMigration, seedFinishedCeRun } from './migration-case';

describeMigration(6, {
  // A finished run from before versions were recorded.
  seed(db) {
    seedFinishedCeRun(db);
  },
  verify(store, db) {
    // Older runs say honestly that nothing was recorded; their row is untouched.
    expect(store.runs.versions(1)).toBeNull();
    expect(store.runs.get(1)).toMatchObject({ status: 'finished', backend: 'wasm' });
    const versions = { app: '0.1.0', engine: '1', tfjs: '4.22.0', backend: 'wasm' };
    expect(store.runs.recordVersions(1, versions)).toEqual(versions);
    // A resumed run records again; the latest start wins.
    store.runs.recordVersions(1, { ...versions, backend: 'cpu' });
    expect(store.runs.versions(1)).toEqual({ ...versions, backend: 'cpu' });
    expect(db.prepare('SELECT COUNT(*) FROM run_versions').pluck().get()).toBe(1);
    expect(() => db.prepare(`UPDATE run_versions SET tfjs_version = '' WHERE run_id = 1`).run()).toThrow(/CHECK constraint/);
    expect(() => db.prepare(`INSERT INTO run_versions (run_id, app_version, engine_version, tfjs_version, backend, recorded_at) VALUES (99, 'a', 'b', 'c', 'd', ?)`).run(T1)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(store.runs.versions(1)).toBeNull();
  },
});
