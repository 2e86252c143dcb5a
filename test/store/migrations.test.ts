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
        'benchmark_cells',
        'benchmarks',
        'checklist_items',
        'datasets',
        'defense_results',
        'epoch_metrics',
        'production_probes',
        'production_settings',
        'production_sign_offs',
        'production_switch_steps',
        'projects',
        'run_tags',
        'run_versions',
        'runs',
        'schema_migrations',
        'search_trials',
        'searches',
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
  3: {
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
  },
  4: {
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
  },
  5: {
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
  },
  6: {
    // A finished run from before versions were recorded.
    seed(db) {
      db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run('SQL assistant', '', T0, T1);
      const thresholds = JSON.stringify({ maxAsr: 20, maxBleuDrop: 3, minRunsPerLoss: 1 });
      db.prepare(
        `INSERT INTO stages (project_id, stage, status, thresholds) VALUES (1, 'pilot', 'active', ?), (1, 'benchmark', 'locked', ?), (1, 'production', 'locked', ?)`,
      ).run(thresholds, thresholds, thresholds);
      db.prepare(
        `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
         VALUES (1, 1, 'pilot', 'CE seed 1', ?, 'ce', 'wasm', 'finished', ?, ?, ?, 2)`,
      ).run(JSON.stringify({ loss: { kind: 'ce' }, seed: 1 }), T0, T0, T1);
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
  },
  7: {
    // A finished CE run and a queued one, from before defense results were stored.
    seed(db) {
      db.prepare('INSERT INTO projects (id, name, description, created_at, updated_at) VALUES (1, ?, ?, ?, ?)').run('SQL assistant', '', T0, T1);
      const thresholds = JSON.stringify({ maxAsr: 20, maxBleuDrop: 3, minRunsPerLoss: 1 });
      db.prepare(
        `INSERT INTO stages (project_id, stage, status, thresholds) VALUES (1, 'pilot', 'active', ?), (1, 'benchmark', 'locked', ?), (1, 'production', 'locked', ?)`,
      ).run(thresholds, thresholds, thresholds);
      db.prepare(
        `INSERT INTO runs (id, project_id, stage, name, config, loss_kind, backend, status, created_at, started_at, finished_at, last_completed_epoch)
         VALUES (1, 1, 'pilot', 'CE seed 1', ?, 'ce', 'wasm', 'finished', ?, ?, ?, 2)`,
      ).run(JSON.stringify({ loss: { kind: 'ce' }, seed: 1 }), T0, T0, T1);
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
