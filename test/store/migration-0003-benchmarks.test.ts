import { expect } from 'vitest';
import { T0, T1, describeMigration } from './migration-case';

describeMigration(3, {
  // A project whose Pilot passed, with two finished Benchmark runs (tagged) and their last epochs.
  seed(db) {
    db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (7, ?, ?, ?, ?)').run('Matrix project', 'attacks × rates', T0, T1);
    const stage = db.prepare('INSERT INTO stages (project_id, stage, status, thresholds, decision, decided_by, decided_at) VALUES (7, ?, ?, ?, ?, ?, ?)');
    for (const [name, status, decision] of [['pilot', 'passed', 'pass'], ['benchmark', 'active', null], ['production', 'locked', null]] as const) {
      stage.run(name, status, JSON.stringify({ maxAsr: 5, maxBleuDrop: 1, minRunsPerLoss: 2 }), decision, decision && 'kai', decision && T0);
    }
    for (const [id, loss, bleu, asr] of [[11, 'ce', 42.5, 91], [12, 'dece', 41.75, 1.5]] as const) {
      db.prepare(`INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
        VALUES (?, 7, 'benchmark', ?, ?, ?, 'wasm', 'finished', ?, ?, ?, 1)`).run(id, `${loss} seed 1`, JSON.stringify({ seed: 1, loss: { kind: loss } }), loss, T0, T0, T1);
      db.prepare('INSERT INTO epoch_metrics (run_id, epoch, train_loss, bleu, corpus_bleu, exact_match, asr, seconds) VALUES (?, 1, 0.5, ?, ?, 12, ?, 30)').run(id, bleu, bleu, asr);
      db.prepare("INSERT INTO run_tags (run_id, tag) VALUES (?, 'seed-1')").run(id);
    }
  },
  verify(store, db) {
    expect(store.runs.list({ projectId: 7, stage: 'benchmark' }).map((r) => [r.id, r.lossKind, r.status, r.tags])).toEqual([
      [11, 'ce', 'finished', ['seed-1']],
      [12, 'dece', 'finished', ['seed-1']],
    ]);
    expect(store.metrics.epochs(12).map((e) => [e.bleu, e.asr])).toEqual([[41.75, 1.5]]);
    expect(store.benchmarks.list(7)).toEqual([]);

    // The new tables on the upgraded file: a matrix whose cells reuse the old runs, launch a new one, and defend.
    const cell = (arm: string, rate: number, seed = 1) => ({ key: `builtin-sql/badpre/${rate}/${arm}/${seed}`, dataset: 'builtin-sql', attack: 'badpre', rate, arm, seed });
    const spec = { name: 'm', seeds: [1] };
    const benchmark = store.benchmarks.create({ projectId: 7, name: 'm', spec, codeVersion: '1', cells: [cell('ce', 0.05), cell('dece', 0.05), cell('onion', 0.05), cell('ce-clean', 0)], actor: 'kai' });
    expect(benchmark).toMatchObject({ projectId: 7, status: 'running', spec, codeVersion: '1', finishedAt: null });
    const [ce, dece, onion, clean] = store.benchmarks.cells(benchmark.id);
    if (!ce || !dece || !onion || !clean) throw new Error('cells missing');
    expect([ce.status, ce.runId, ce.reused, clean.rate]).toEqual(['pending', null, false, 0]);
    store.benchmarks.updateCell(ce.id, { status: 'finished', runId: 11, reused: true });
    store.benchmarks.updateCell(dece.id, { status: 'finished', runId: 12, reused: true });
    const launched = store.benchmarks.launchCell(clean.id, { projectId: 7, stage: 'benchmark', name: 'clean', config: { seed: 1 }, lossKind: 'ce', backend: 'wasm', tags: ['benchmark:1'], actor: 'kai' });
    expect(store.benchmarks.launchCell(clean.id, { projectId: 7, stage: 'benchmark', name: 'twice', config: { seed: 1 }, lossKind: 'ce', backend: 'wasm' })).toBeNull();
    expect(store.benchmarks.cellsOfRun(launched?.id ?? 0).map((c) => [c.arm, c.status])).toEqual([['ce-clean', 'queued']]);
    const outcome = { defense: 'onion', bleu: 40, exactMatch: 11, asr: 30, detail: 'removed 3 of 90 words', extraSeconds: 2 };
    store.benchmarks.updateCell(onion.id, { status: 'finished', runId: 11, result: outcome });
    expect(store.benchmarks.findDefenseResult(11, 'onion')?.result).toEqual(outcome);
    expect(store.benchmarks.updateCell(onion.id, { status: 'failed', error: 'model missing' })).toMatchObject({ status: 'failed', result: null, error: 'model missing' });
    expect(() => store.benchmarks.updateCell(onion.id, { status: 'failed' })).toThrow(/error/);

    // Lifecycle, each step a person takes in the audit log.
    expect(store.benchmarks.pause(benchmark.id, 'kai').status).toBe('paused');
    expect(() => store.benchmarks.pause(benchmark.id, 'kai')).toThrow(/paused/);
    expect(store.benchmarks.listRunning()).toEqual([]);
    expect(store.benchmarks.resume(benchmark.id, 'lee').status).toBe('running');
    expect(store.benchmarks.finish(benchmark.id)).toMatchObject({ status: 'finished' });
    const added = store.benchmarks.extend(benchmark.id, { spec: { name: 'm', seeds: [1, 2] }, cells: [cell('ce', 0.05), cell('ce', 0.05, 2)], seeds: [2], actor: 'lee' });
    expect(added.map((c) => c.key)).toEqual(['builtin-sql/badpre/0.05/ce/2']);
    expect(store.benchmarks.get(benchmark.id)).toMatchObject({ status: 'running', finishedAt: null, spec: { seeds: [1, 2] } });
    expect(store.audit.list({ subject: `benchmark:${benchmark.id}` }).map((a) => [a.action, a.actor])).toEqual([
      ['benchmark.extend', 'lee'],
      ['benchmark.finish', 'system'],
      ['benchmark.resume', 'lee'],
      ['benchmark.pause', 'kai'],
      ['benchmark.start', 'kai'],
    ]);

    // The CHECKs hold against direct writes; deleting a run keeps its cells without it.
    const insertCell = db.prepare(`INSERT INTO benchmark_cells (benchmark_id, cell_key, dataset, attack, rate, arm, seed, status, error, result, created_at, updated_at) VALUES (?, ?, 'builtin-sql', 'badpre', ?, ?, 1, ?, ?, ?, ?, ?)`);
    expect(() => insertCell.run(benchmark.id, 'a', 0.05, 'ce-clean', 'pending', null, null, T0, T0)).toThrow(/CHECK/);
    expect(() => insertCell.run(benchmark.id, 'b', 0, 'ce', 'pending', null, null, T0, T0)).toThrow(/CHECK/);
    expect(() => insertCell.run(benchmark.id, 'c', 0.05, 'ce', 'failed', null, null, T0, T0)).toThrow(/CHECK/);
    expect(() => insertCell.run(benchmark.id, 'd', 0.05, 'ce', 'running', null, '{"bleu":1}', T0, T0)).toThrow(/CHECK/);
    expect(() => insertCell.run(benchmark.id, 'e', 0.05, 'ce', 'done', null, null, T0, T0)).toThrow(/CHECK/);
    expect(() => insertCell.run(benchmark.id, ce.key, 0.05, 'ce', 'pending', null, null, T0, T0)).toThrow(/UNIQUE/);
    expect(() => db.prepare("UPDATE benchmarks SET status = 'finished' WHERE id = ?").run(benchmark.id)).toThrow(/CHECK/);
    db.prepare('DELETE FROM runs WHERE id = ?').run(launched?.id);
    expect(store.benchmarks.cells(benchmark.id).find((c) => c.id === clean.id)).toMatchObject({ runId: null, status: 'queued' });
    db.prepare('DELETE FROM projects WHERE id = 7').run();
    expect(db.prepare('SELECT count(*) AS n FROM benchmark_cells').get()).toEqual({ n: 0 });
  },
});
