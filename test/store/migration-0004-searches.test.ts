import { expect } from 'vitest';
import { T0, T1, describeMigration } from './migration-case';

describeMigration(4, {
  // A project in the Benchmark stage with finished CE and DeCE runs and one interrupted run.
  seed(db) {
    const thresholds = JSON.stringify({ maxAsr: 10, maxBleuDrop: 2, minRunsPerLoss: 3 });
    db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run('Text-to-SQL', 'nightly fine-tune', T0, T1);
    db.prepare(
      `INSERT INTO stages (project_id, stage, status, thresholds, decision, decided_by, decided_at, decision_reason)
       VALUES (1, 'pilot', 'passed', ?, 'pass', 'ana', ?, NULL),
              (1, 'benchmark', 'active', ?, NULL, NULL, NULL, NULL),
              (1, 'production', 'locked', ?, NULL, NULL, NULL, NULL)`,
    ).run(thresholds, T0, thresholds, thresholds);
    const insertRun = db.prepare(
      `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
       VALUES (?, 1, 'benchmark', ?, ?, ?, 'wasm', ?, ?, ?, ?, ?)`,
    );
    insertRun.run(1, 'CE', JSON.stringify({ loss: { kind: 'ce' }, seed: 1 }), 'ce', 'finished', T0, T0, T1, 2);
    insertRun.run(2, 'DeCE', JSON.stringify({ loss: { kind: 'dece', alphaBase: 0.9 }, seed: 1 }), 'dece', 'finished', T0, T0, T1, 2);
    insertRun.run(3, 'DeCE seed 2', JSON.stringify({ loss: { kind: 'dece', alphaBase: 0.9 }, seed: 2 }), 'dece', 'running', T0, T0, null, 1);
    const insertEpoch = db.prepare(`INSERT INTO epoch_metrics (run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds) VALUES (?, ?, 1, ?, ?, 10, ?, 5)`);
    insertEpoch.run(1, 2, 40.5, 40, 96);
    insertEpoch.run(2, 2, 39.5, 39, 4);
    insertEpoch.run(3, 1, 30, 29, 2);
    db.prepare(`INSERT INTO run_tags (run_id, tag) VALUES (2, 'seed-1'), (3, 'seed-2')`).run();
    db.prepare(`INSERT INTO audit_log (at, actor, action, subject, project_id, detail) VALUES (?, 'ana', 'stage.pass', 'stage:1/pilot', 1, '{}')`).run(T0);
  },
  verify(store, db) {
    expect(store.runs.list({ projectId: 1 }).map((r) => [r.id, r.status, r.tags])).toEqual([
      [1, 'finished', []],
      [2, 'finished', ['seed-1']],
      [3, 'running', ['seed-2']],
    ]);
    expect(store.metrics.epochs(2).map((e) => [e.bleu, e.asr])).toEqual([[39.5, 4]]);
    expect(store.runs.listUnfinished().map((r) => r.id)).toEqual([3]);
    expect(store.searches.list(1)).toEqual([]);
    expect(store.searches.listRunning()).toEqual([]);

    // The new tables work on the upgraded file: a search, its trials linked to runs, and its audit trail.
    const spec = { name: 'ε × α', method: 'grid' };
    const search = store.searches.create({ projectId: 1, name: 'ε × α', spec, points: [{ labelSmoothing: 0.05, alphaBase: 0.9 }, { labelSmoothing: 0.05, alphaBase: 0.99 }], epochs: 2, actor: 'ana' });
    expect(search).toMatchObject({ projectId: 1, status: 'running', spec, referenceRunId: null, chosen: null, finishedAt: null });
    const runInput = (name: string) => ({ projectId: 1, stage: 'benchmark' as const, name, config: { seed: 1 }, lossKind: 'dece', backend: 'wasm', tags: [`search:${search.id}`], actor: 'ana' });
    const reference = store.searches.launchReference(search.id, runInput('reference'));
    expect(store.searches.launchReference(search.id, runInput('again'))).toBeNull();
    const [first, second] = store.searches.trials(search.id);
    if (!first || !second || !reference) throw new Error('trials or reference missing');
    expect([first.alphaBase, second.alphaBase, first.status, first.rung, first.epochs]).toEqual([0.9, 0.99, 'pending', 0, 2]);
    const trialRun = store.searches.launchTrial(first.id, runInput('trial'));
    expect(store.searches.launchTrial(first.id, runInput('twice'))).toBeNull();
    expect(trialRun?.tags).toEqual([`search:${search.id}`]);
    expect(store.searches.updateTrial(first.id, { status: 'finished', bleu: 38.2, asr: Number.NaN })).toMatchObject({ status: 'finished', bleu: 38.2, asr: null });
    expect(store.searches.addRung(search.id, 1, 2, [{ labelSmoothing: 0.05, alphaBase: 0.9 }])).toHaveLength(1);
    expect(store.searches.addRung(search.id, 1, 2, [{ labelSmoothing: 0.05, alphaBase: 0.9 }])).toEqual([]);
    const cancelled = store.searches.cancel(search.id, 'ben');
    expect(cancelled).toMatchObject({ status: 'cancelled', chosen: null });
    expect(() => store.searches.cancel(search.id, 'ben')).toThrow(/cancelled/);
    // Trials never launched are cancelled with their search.
    expect(store.searches.trials(search.id).map((t) => [t.rung, t.status])).toEqual([
      [0, 'finished'],
      [0, 'cancelled'],
      [1, 'cancelled'],
    ]);
    expect(store.audit.list({ subject: `search:${search.id}` }).map((a) => [a.action, a.actor])).toEqual([
      ['search.cancel', 'ben'],
      ['search.start', 'ana'],
    ]);

    // The CHECKs hold against direct writes; deleting a run keeps the trial (and its numbers) without it.
    expect(() => db.prepare(`INSERT INTO search_trials (search_id, label_smoothing, alpha_base, rung, epochs, created_at, updated_at) VALUES (?, 1, 0.9, 0, 2, ?, ?)`).run(search.id, T0, T0)).toThrow(/CHECK/);
    expect(() => db.prepare(`INSERT INTO search_trials (search_id, label_smoothing, alpha_base, rung, epochs, created_at, updated_at) VALUES (?, 0.1, 0, 0, 2, ?, ?)`).run(search.id, T0, T0)).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE searches SET status = 'finished' WHERE id = ?`).run(search.id)).not.toThrow();
    expect(() => db.prepare(`UPDATE searches SET status = 'running' WHERE id = ?`).run(search.id)).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE searches SET status = 'failed' WHERE id = ?`).run(search.id)).toThrow(/CHECK/);
    expect(() => db.prepare(`UPDATE search_trials SET bleu = 1 WHERE id = ?`).run(second.id)).toThrow(/CHECK/);
    db.prepare('DELETE FROM runs WHERE id = ?').run(trialRun?.id);
    expect(store.searches.trials(search.id)[0]).toMatchObject({ id: first.id, runId: null, status: 'finished', bleu: 38.2 });
    expect(store.searches.get(search.id)?.referenceRunId).toBe(reference.id);
  },
});
