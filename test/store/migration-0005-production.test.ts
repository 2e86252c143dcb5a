import { expect } from 'vitest';
import { T0, T1, describeMigration } from './migration-case';

describeMigration(5, {
  // A project whose Benchmark passed, with Production in progress and a finished Benchmark DeCE run.
  seed(db) {
    const thresholds = (maxAsr: number) => JSON.stringify({ maxAsr, maxBleuDrop: 2, minRunsPerLoss: 1 });
    db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run('SQL assistant', '', T0, T1);
    db.prepare(
      `INSERT INTO stages (project_id, stage, status, thresholds, decision, decided_by, decided_at, decision_reason)
       VALUES (1, 'pilot', 'passed', ?, 'pass', 'ana', ?, NULL),
              (1, 'benchmark', 'passed', ?, 'pass', 'ben', ?, NULL),
              (1, 'production', 'active', ?, NULL, NULL, NULL, NULL)`,
    ).run(thresholds(20), T0, thresholds(10), T1, thresholds(5));
    db.prepare(
      `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
       VALUES (1, 1, 'benchmark', 'DeCE seed 1', ?, 'dece', 'wasm', 'finished', ?, ?, ?, 2)`,
    ).run(JSON.stringify({ loss: { kind: 'dece', labelSmoothing: 0.05, alphaBase: 0.9 }, seed: 1 }), T0, T0, T1);
    db.prepare(`INSERT INTO epoch_metrics (run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds) VALUES (1, 2, 1.2, 84.1, 83.5, 30, 0, 40)`).run();
    db.prepare(`INSERT INTO audit_log (at, actor, action, subject, project_id, detail) VALUES (?, 'ben', 'stage.pass', 'stage:1/benchmark', 1, '{}')`).run(T1);
  },
  verify(store, db) {
    // Existing projects start with nothing recorded for Production.
    expect(store.production.settings(1)).toEqual({ projectId: 1, hyperparameters: null, rollbackPlan: null });
    expect(store.production.switchSteps(1)).toEqual([]);
    expect(store.production.currentSignOff(1)).toBeNull();
    expect(store.stages.get(1, 'benchmark')).toMatchObject({ status: 'passed', decidedBy: 'ben' });
    expect(store.metrics.epochs(1).map((e) => e.bleu)).toEqual([84.1]);

    // The new records work on the upgraded file, each with its audit entry.
    store.production.fixHyperparameters(1, { labelSmoothing: 0.05, alphaBase: 0.9, ignoreIndex: -100, source: 'benchmark:1', actor: 'ana' });
    store.production.setRollbackPlan(1, { text: 'Switch the nightly job back to CE', actor: 'ana' });
    const step = store.production.recordSwitchStep(1, { percent: 10, check: 'ASR probe 0%', outcome: 'passed', actor: 'ana' });
    const signOff = store.production.signOff(1, { name: 'Aiko Sato', role: 'Release manager', decision: 'go', comment: '', actor: 'ana' });
    const probe = store.production.recordProbe(1, { attack: 'badpre', sourceKind: 'csv', sourceName: 'gen.csv', triggeredCount: 50, asr: 2, cleanCount: 0, cleanBleu: null, actor: 'ana' });
    expect(probe).toMatchObject({ maxAsr: 5, passed: true, reopened: false });
    expect(store.production.currentSignOff(1)?.id).toBe(signOff.id);
    expect(store.audit.list({ projectId: 1 }).map((a) => a.action).slice(0, 5)).toEqual([
      'production.probe',
      'production.sign-off',
      'production.switch-step',
      'production.rollback-plan',
      'production.hyperparameters',
    ]);

    // Records of what happened cannot be rewritten, not even with raw SQL.
    expect(() => db.prepare('UPDATE production_sign_offs SET decision = ? WHERE id = ?').run('no-go', signOff.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM production_switch_steps WHERE id = ?').run(step.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM production_probes').run()).toThrow(/append-only/);
    // The schema refuses what the repository refuses: a step below the last one, a silent no-go, a half-fixed setting.
    expect(() =>
      db.prepare(`INSERT INTO production_switch_steps (project_id, percent, check_text, outcome, actor, at, audit_id) VALUES (1, 5, 'x', 'passed', 'x', ?, 999)`).run(T1),
    ).toThrow(/must not go below/);
    expect(() =>
      db.prepare(`INSERT INTO production_sign_offs (project_id, name, role, decision, comment, actor, at, audit_id) VALUES (1, 'x', 'y', 'no-go', ' ', 'x', ?, 998)`).run(T1),
    ).toThrow(/CHECK constraint/);
    expect(() => db.prepare('UPDATE production_settings SET alpha_base = NULL WHERE project_id = 1').run()).toThrow(/CHECK constraint/);
  },
});
