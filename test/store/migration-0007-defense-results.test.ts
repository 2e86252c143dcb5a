import { expect } from 'vitest';
import { T0, T1, describeMigration, seedFinishedCeRun } from './migration-case';

describeMigration(7, {
  // A finished CE run and a queued one, from before defense results were stored.
  seed(db) {
    seedFinishedCeRun(db);
    db.prepare(`INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at) VALUES (2, 1, 'pilot', 'queued', '{}', 'ce', 'wasm', 'queued', ?)`).run(T0);
  },
  verify(store, db) {
    expect(store.defenses.listForProject(1)).toEqual([]);
    const onion = { defense: 'onion', asr: 0.5, bleu: 89.6, exactMatch: 30, extraSeconds: 1.04, detail: 'removed 338 of 8,110 prompt words' };
    expect(store.defenses.record(1, onion)).toMatchObject({ ...onion, runId: 1 });
    expect(store.defenses.listForProject(1)).toMatchObject([{ ...onion, runId: 1 }]);
    // Only a finished run's model can have been defended; numbers stay in range.
    expect(() => store.defenses.record(2, onion)).toThrow(/queued/);
    expect(() => store.defenses.record(1, { ...onion, asr: 101 })).toThrow(/ASR/);
    expect(() => store.defenses.record(1, { ...onion, extraSeconds: -1 })).toThrow(/extra seconds/);
    expect(() => db.prepare(`INSERT INTO defense_results (run_id, defense, asr, bleu, exact_match, extra_seconds, detail, recorded_at) VALUES (1, '', 1, 1, 1, 1, '', ?)`).run(T1)).toThrow(/CHECK constraint/);
    expect(() => db.prepare(`INSERT INTO defense_results (run_id, defense, asr, bleu, exact_match, extra_seconds, detail, recorded_at) VALUES (99, 'onion', 1, 1, 1, 1, '', ?)`).run(T1)).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM runs WHERE id = 1').run();
    expect(store.defenses.listForProject(1)).toEqual([]);
  },
});
