import { expect } from 'vitest';
import { T0, T1, describeMigration } from './migration-case';

describeMigration(2, {
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
});
