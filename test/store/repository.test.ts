import Database from 'better-sqlite3';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import {
  DEFAULT_PLAN,
  StoreNotFoundError,
  StoreStateError,
  StoreValidationError,
  type CreateRunInput,
  type Store,
} from '../../main/store/index';
import { epochMetrics, open, sampleConfig, tempDbFile } from './helpers';

const XSS = '<img src=x onerror=alert(1)>';
const CSV = "=cmd|' /C calc'!A0";

/** A store whose clock ticks one second per call, so ordering by time is deterministic. */
function fixture(): { store: Store; projectId: number } {
  let t = Date.parse('2025-06-01T08:00:00.000Z');
  const store = open({ file: tempDbFile(), now: () => new Date((t += 1000)) });
  const project = store.projects.create({ name: 'Nightly fine-tune', description: 'code-summarisation', actor: 'ana' });
  return { store, projectId: project.id };
}

/**
 * Makes every audit insert for `action` fail, from another connection, to prove atomicity.
 * (DDL cannot take bound parameters; `action` is a constant from the test itself.)
 */
function breakAudit(store: Store, action: string): void {
  const db = new Database(store.file);
  db.prepare(
    `CREATE TRIGGER break_audit BEFORE INSERT ON audit_log WHEN NEW.action = '${action}'
     BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`,
  ).run();
  db.close();
}


describe('projects', () => {
  it('creates a project with its stages, default checklist and an audit entry', () => {
    const { store, projectId } = fixture();
    const project = store.projects.get(projectId);
    expect(project).toMatchObject({ name: 'Nightly fine-tune', description: 'code-summarisation' });
    expect(project?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(store.stages.list(projectId).map((s) => [s.stage, s.status, s.decision])).toEqual([
      ['pilot', 'active', null],
      ['benchmark', 'locked', null],
      ['production', 'locked', null],
    ]);
    for (const stage of ['pilot', 'benchmark', 'production'] as const) {
      expect(store.checklist.list(projectId, stage).map((i) => [i.position, i.text, i.done])).toEqual(
        DEFAULT_PLAN[stage].map((text, i) => [i, text, false]),
      );
    }
    expect(store.checklist.list(projectId, 'pilot').map((i) => i.text)).toEqual([
      'Reproduce on small data with DeCE swapped in for cross-entropy',
      'Compare clean quality (BLEU) of CE and DeCE',
      'Check attack success rate on a poisoned test set',
    ]);
    expect(store.audit.list({ projectId })).toMatchObject([{ actor: 'ana', action: 'project.create', subject: `project:${projectId}` }]);
  });

  it('lists and renames', () => {
    const { store, projectId } = fixture();
    store.projects.create({ name: 'Second', actor: 'ben' });
    const renamed = store.projects.rename(projectId, { name: 'Renamed', actor: 'ana' });
    expect(renamed.description).toBe('code-summarisation');
    expect(renamed.updatedAt > renamed.createdAt).toBe(true);
    expect(store.projects.list().map((p) => p.name)).toEqual(['Renamed', 'Second']);
    expect(store.audit.list({ projectId, action: 'project.rename' })[0]?.detail).toMatchObject({ from: { name: 'Nightly fine-tune' }, to: { name: 'Renamed' } });
    expect(() => store.projects.rename(projectId, { name: '   ', actor: 'ana' })).toThrow(StoreValidationError);
    expect(() => store.projects.rename(404, { name: 'x', actor: 'ana' })).toThrow(StoreNotFoundError);
    expect(store.projects.get(404)).toBeUndefined();
  });
});

describe('stages', () => {
  it('passes a stage, unlocks the next, and records who decided', () => {
    const { store, projectId } = fixture();
    const pilot = store.stages.decide(projectId, 'pilot', { decision: 'pass', actor: 'ana' });
    expect(pilot).toMatchObject({ status: 'passed', decision: 'pass', decidedBy: 'ana', decisionReason: null });
    expect(store.stages.get(projectId, 'benchmark')?.status).toBe('active');
    expect(store.stages.get(projectId, 'production')?.status).toBe('locked');
    expect(store.audit.list({ projectId, action: 'stage.pass' })).toHaveLength(1);
    expect(() => store.stages.decide(projectId, 'pilot', { decision: 'pass', actor: 'ana' })).toThrow(StoreStateError);
    expect(() => store.stages.decide(projectId, 'production', { decision: 'pass', actor: 'ana' })).toThrow(/locked/);
  });

  it('requires a non-empty reason to override a gate', () => {
    const { store, projectId } = fixture();
    expect(() => store.stages.decide(projectId, 'pilot', { decision: 'override', actor: 'ana' })).toThrow(/requires a reason/);
    expect(() => store.stages.decide(projectId, 'pilot', { decision: 'override', actor: 'ana', reason: '  \n ' })).toThrow(StoreValidationError);
    expect(store.stages.get(projectId, 'pilot')?.status).toBe('active');
    const stage = store.stages.decide(projectId, 'pilot', { decision: 'override', actor: 'ana', reason: 'ASR 22% vs 20%: within seed noise' });
    expect(stage).toMatchObject({ decision: 'override', decisionReason: 'ASR 22% vs 20%: within seed noise' });
    expect(store.audit.list({ projectId, action: 'stage.override' })[0]?.detail).toMatchObject({ reason: 'ASR 22% vs 20%: within seed noise' });
  });

  it('reopens a passed stage and re-locks the stages after it', () => {
    const { store, projectId } = fixture();
    store.stages.decide(projectId, 'pilot', { decision: 'pass', actor: 'ana' });
    store.stages.decide(projectId, 'benchmark', { decision: 'override', actor: 'ben', reason: 'deadline' });
    const reopened = store.stages.reopen(projectId, 'pilot', { actor: 'cy', reason: 'found a leak in the test split' });
    expect(reopened).toMatchObject({ status: 'active', decision: null, decidedBy: null });
    expect(store.stages.list(projectId).map((s) => [s.status, s.decision])).toEqual([
      ['active', null],
      ['locked', null],
      ['locked', null],
    ]);
    const entry = store.audit.list({ projectId, action: 'stage.reopen' })[0];
    expect(entry?.detail).toMatchObject({ previous: { decision: 'pass', decidedBy: 'ana' }, relocked: [{ stage: 'benchmark', decision: 'override' }, { stage: 'production' }] });
    expect(() => store.stages.reopen(projectId, 'pilot', { actor: 'cy' })).toThrow(StoreStateError);
  });

  it('merges and validates gate thresholds', () => {
    const { store, projectId } = fixture();
    const stage = store.stages.setThresholds(projectId, 'benchmark', { maxAsr: 7.5 }, 'ana');
    expect(stage.thresholds).toEqual({ maxAsr: 7.5, maxBleuDrop: 2, minRunsPerLoss: 3 });
    expect(() => store.stages.setThresholds(projectId, 'benchmark', { maxAsr: 140 }, 'ana')).toThrow(StoreValidationError);
    expect(() => store.stages.setThresholds(projectId, 'benchmark', { minRunsPerLoss: 1.5 }, 'ana')).toThrow(StoreValidationError);
    expect(store.stages.get(projectId, 'benchmark')?.thresholds.maxAsr).toBe(7.5);
    expect(() => store.stages.get(projectId, 'staging' as 'pilot')).toThrow(/Unknown stage/);
  });

  it('writes the decision and its audit entry in one transaction', () => {
    const { store, projectId } = fixture();
    breakAudit(store, 'stage.override');
    expect(() => store.stages.decide(projectId, 'pilot', { decision: 'override', actor: 'ana', reason: 'r' })).toThrow(/audit unavailable/);
    expect(store.stages.get(projectId, 'pilot')).toMatchObject({ status: 'active', decision: null });
    expect(store.stages.get(projectId, 'benchmark')?.status).toBe('locked');
  });
});

describe('checklist', () => {
  it('adds, edits, toggles with who/when/note, moves and removes', () => {
    const { store, projectId } = fixture();
    const added = store.checklist.add(projectId, 'pilot', { text: 'Share results with the security team', actor: 'ana' });
    expect(added.position).toBe(3);
    const edited = store.checklist.update(added.id, { text: 'Share results with security', note: 'by Friday', actor: 'ana' });
    expect(edited).toMatchObject({ text: 'Share results with security', note: 'by Friday' });

    const ticked = store.checklist.toggle(added.id, { actor: 'ben', note: 'sent the deck' });
    expect(ticked).toMatchObject({ done: true, doneBy: 'ben', note: 'sent the deck' });
    expect(ticked.doneAt).not.toBeNull();
    const unticked = store.checklist.toggle(added.id, { actor: 'cy' });
    expect(unticked).toMatchObject({ done: false, doneBy: null, doneAt: null, note: 'sent the deck' });
    expect(store.checklist.toggle(added.id, { done: true, actor: 'cy' }).done).toBe(true);
    expect(store.checklist.toggle(added.id, { done: true, actor: 'cy' }).done).toBe(true);

    const moved = store.checklist.move(added.id, { position: 0, actor: 'ana' });
    expect(moved.map((i) => [i.position, i.id])[0]).toEqual([0, added.id]);
    expect(moved.map((i) => i.position)).toEqual([0, 1, 2, 3]);
    expect(store.checklist.move(added.id, { position: 99, actor: 'ana' }).at(-1)?.id).toBe(added.id);

    const first = store.checklist.list(projectId, 'pilot')[0];
    if (first === undefined) throw new Error('empty checklist');
    store.checklist.remove(first.id, { actor: 'ana' });
    const left = store.checklist.list(projectId, 'pilot');
    expect(left.map((i) => i.position)).toEqual([0, 1, 2]);
    expect(left.map((i) => i.id)).not.toContain(first.id);
    expect(store.checklist.get(first.id)).toBeUndefined();

    expect(store.audit.list({ subject: `checklist:${added.id}` }).map((a) => a.action).reverse()).toEqual([
      'checklist.add',
      'checklist.edit',
      'checklist.toggle',
      'checklist.toggle',
      'checklist.toggle',
      'checklist.toggle',
      'checklist.move',
      'checklist.move',
    ]);
    expect(() => store.checklist.add(projectId, 'pilot', { text: ' ', actor: 'ana' })).toThrow(StoreValidationError);
    expect(() => store.checklist.toggle(9999, { actor: 'ana' })).toThrow(StoreNotFoundError);
  });

  it('does not tick an item when its audit entry cannot be written', () => {
    const { store, projectId } = fixture();
    const item = store.checklist.list(projectId, 'pilot')[0];
    if (item === undefined) throw new Error('empty checklist');
    breakAudit(store, 'checklist.toggle');
    expect(() => store.checklist.toggle(item.id, { actor: 'ana' })).toThrow(/audit unavailable/);
    expect(store.checklist.get(item.id)?.done).toBe(false);
  });
});

describe('datasets', () => {
  it('adds shared and project datasets and lists them per project', () => {
    const { store, projectId } = fixture();
    const other = store.projects.create({ name: 'Other', actor: 'ana' });
    const builtin = store.datasets.add({ name: 'builtin-sql 400', source: 'builtin', sha256: 'b'.repeat(64), counts: { train: 320, valid: 40, test: 40, poisonable: 100 } });
    const imported = store.datasets.add({
      projectId,
      name: 'Our repo',
      source: 'import',
      sourcePath: 'C:\\data\\repo.jsonl',
      sha256: 'c'.repeat(64),
      counts: { train: 10, test: 2 },
      actor: 'ana',
    });
    expect(store.datasets.get(imported.id)).toEqual(imported);
    expect(imported).toMatchObject({ projectId, sourcePath: 'C:\\data\\repo.jsonl', counts: { train: 10, test: 2 } });
    expect(store.datasets.list({ projectId }).map((d) => d.id)).toEqual([builtin.id, imported.id]);
    expect(store.datasets.list({ projectId: other.id }).map((d) => d.id)).toEqual([builtin.id]);
    expect(store.datasets.list()).toHaveLength(2);
    expect(() => store.datasets.add({ name: 'x', source: 'import', sha256: 'c'.repeat(64), counts: {} })).toThrow(/source path/);
    expect(() => store.datasets.add({ name: 'x', source: 'builtin', sha256: 'XYZ', counts: {} })).toThrow(/sha256/);
    expect(() => store.datasets.add({ name: 'x', source: 'builtin', sha256: 'c'.repeat(64), counts: { train: -1 } })).toThrow(/counts/);
  });
});

describe('runs', () => {
  function newRun(store: Store, projectId: number, extra: Partial<CreateRunInput> = {}) {
    return store.runs.create({ projectId, stage: 'pilot', name: 'DeCE seed 1', config: sampleConfig(), lossKind: 'dece', backend: 'auto', ...extra });
  }

  it('goes queued → running → finished, with timestamps and audit entries', () => {
    const { store, projectId } = fixture();
    const run = newRun(store, projectId, { tags: ['seed-1', ' seed-1 ', 'pilot'] });
    expect(run).toMatchObject({ status: 'queued', startedAt: null, finishedAt: null, error: null, lastCompletedEpoch: 0, tags: ['pilot', 'seed-1'] });
    expect(run.config).toEqual(sampleConfig());
    const running = store.runs.markRunning(run.id, { backend: 'wasm', actor: 'ana' });
    expect(running).toMatchObject({ status: 'running', backend: 'wasm' });
    expect(running.startedAt).not.toBeNull();
    const finished = store.runs.markFinished(run.id);
    expect(finished.status).toBe('finished');
    expect(finished.finishedAt).not.toBeNull();
    expect(() => store.runs.markRunning(run.id)).toThrow(/Run \d+ is finished; run.start needs it to be queued/);
    expect(() => store.runs.requeue(run.id)).toThrow(StoreStateError);
    expect(store.audit.list({ subject: `run:${run.id}` }).map((a) => [a.action, a.actor]).reverse()).toEqual([
      ['run.create', 'system'],
      ['run.start', 'ana'],
      ['run.finish', 'system'],
    ]);
  });

  it('accepts the engine’s RunConfig as the run config (checked by tsc)', () => {
    expectTypeOf<RunConfig>().toExtend<CreateRunInput['config']>();
  });

  it('records failures as {name, message, stack}', () => {
    const { store, projectId } = fixture();
    const run = newRun(store, projectId);
    store.runs.markRunning(run.id);
    const failed = store.runs.markFailed(run.id, new RangeError('loss became NaN at step 812'));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ name: 'RangeError', message: 'loss became NaN at step 812' });
    expect(failed.error?.stack).toContain('RangeError');
    const other = newRun(store, projectId);
    expect(store.runs.markFailed(other.id, { code: 'OOM' }).error).toEqual({ name: 'Error', message: '{"code":"OOM"}' });
    const third = newRun(store, projectId);
    expect(store.runs.markFailed(third.id, undefined).error).toEqual({ name: 'Error', message: 'undefined' });
  });

  it('cancels, lists unfinished runs for resume, and requeues', () => {
    const { store, projectId } = fixture();
    const a = newRun(store, projectId, { name: 'a' });
    const b = newRun(store, projectId, { name: 'b' });
    const c = newRun(store, projectId, { name: 'c' });
    store.runs.markRunning(b.id);
    store.runs.markRunning(c.id);
    store.runs.markFinished(c.id);
    expect(store.runs.listUnfinished().map((r) => [r.name, r.status])).toEqual([
      ['a', 'queued'],
      ['b', 'running'],
    ]);
    const cancelled = store.runs.markCancelled(a.id, { actor: 'ana', reason: 'wrong seed' });
    expect(cancelled.status).toBe('cancelled');
    expect(store.audit.list({ subject: `run:${a.id}`, action: 'run.cancel' })[0]).toMatchObject({ actor: 'ana', detail: { reason: 'wrong seed', from: 'queued' } });
    const requeued = store.runs.requeue(b.id);
    expect(requeued).toMatchObject({ status: 'queued', finishedAt: null });
    expect(requeued.startedAt).toBe(store.runs.markRunning(b.id).startedAt);
    expect(store.runs.list({ projectId, status: 'cancelled' }).map((r) => r.name)).toEqual(['a']);
    expect(store.runs.list({ projectId, stage: 'benchmark' })).toEqual([]);
  });

  it('refuses runs in a locked stage and datasets of another project', () => {
    const { store, projectId } = fixture();
    expect(() => newRun(store, projectId, { stage: 'benchmark' })).toThrow(/locked/);
    const other = store.projects.create({ name: 'Other', actor: 'ana' });
    const dataset = store.datasets.add({ projectId: other.id, name: 'theirs', source: 'builtin', sha256: 'd'.repeat(64), counts: {} });
    expect(() => newRun(store, projectId, { datasetId: dataset.id })).toThrow(/another project/);
    expect(() => newRun(store, projectId, { datasetId: 4040 })).toThrow(StoreNotFoundError);
  });

  it('does not cancel a run when its audit entry cannot be written', () => {
    const { store, projectId } = fixture();
    const run = newRun(store, projectId);
    breakAudit(store, 'run.cancel');
    expect(() => store.runs.markCancelled(run.id, { actor: 'ana' })).toThrow(/audit unavailable/);
    expect(store.runs.get(run.id)?.status).toBe('queued');
  });
});

describe('metrics', () => {
  it('records an epoch once per (run, epoch) and keeps last_completed_epoch in step', () => {
    const { store, projectId } = fixture();
    const run = store.runs.create({ projectId, stage: 'pilot', name: 'r', config: {}, lossKind: 'dece', backend: 'cpu' });
    store.runs.markRunning(run.id);
    expect(store.metrics.recordEpoch(run.id, epochMetrics(1))).toEqual({ inserted: true, lastCompletedEpoch: 1 });
    expect(store.metrics.recordEpoch(run.id, { ...epochMetrics(1), bleu: 99 })).toEqual({ inserted: false, lastCompletedEpoch: 1 });
    expect(store.metrics.recordEpoch(run.id, epochMetrics(2))).toEqual({ inserted: true, lastCompletedEpoch: 2 });
    expect(store.metrics.recordEpoch(run.id, epochMetrics(1)).inserted).toBe(false);
    expect(() => store.metrics.recordEpoch(run.id, epochMetrics(4))).toThrow(/cannot be recorded before epoch 3/);
    expect(() => store.metrics.recordEpoch(run.id, epochMetrics(0))).toThrow(StoreValidationError);

    const epochs = store.metrics.epochs(run.id);
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(epochs[0]).toEqual({
      runId: run.id,
      epoch: 1,
      trainLoss: 2.5,
      bleu: 41,
      corpusBleu: 39,
      exactMatch: 11,
      asr: 90,
      seconds: 1.5,
      // The engine's extra fields are kept, not dropped.
      extra: { poisonedRowLoss: 3.1, cleanRowLoss: 2.2 },
    });
    expect(store.runs.get(run.id)?.lastCompletedEpoch).toBe(2);
  });

  it('keeps NaN metrics as NaN', () => {
    const { store, projectId } = fixture();
    const run = store.runs.create({ projectId, stage: 'pilot', name: 'diverged', config: {}, lossKind: 'ce', backend: 'cpu' });
    store.metrics.recordEpoch(run.id, { ...epochMetrics(1), trainLoss: Number.NaN });
    store.metrics.recordSteps(run.id, [{ epoch: 1, step: 0, loss: Number.NaN }]);
    expect(store.metrics.epochs(run.id)[0]?.trainLoss).toBeNaN();
    expect(store.metrics.steps(run.id)[0]?.loss).toBeNaN();
  });

  it('stores step batches idempotently and reads them since an epoch', () => {
    const { store, projectId } = fixture();
    const run = store.runs.create({ projectId, stage: 'pilot', name: 'r', config: {}, lossKind: 'ce', backend: 'cpu' });
    const batch = (epoch: number, from: number) => Array.from({ length: 5 }, (_, i) => ({ epoch, step: from + i, loss: 1 / (from + i + 1) }));
    expect(store.metrics.recordSteps(run.id, batch(1, 0))).toBe(5);
    expect(store.metrics.recordSteps(run.id, [...batch(1, 3), ...batch(2, 0)])).toBe(8);
    expect(store.metrics.recordSteps(run.id, [])).toBe(0);
    expect(store.metrics.steps(run.id)).toHaveLength(13);
    expect(store.metrics.steps(run.id, { sinceEpoch: 2 }).map((s) => [s.epoch, s.step])).toEqual(batch(2, 0).map((s) => [2, s.step]));
    expect(() => store.metrics.recordSteps(run.id, [{ epoch: 1, step: -1, loss: 1 }])).toThrow(StoreValidationError);
    expect(() => store.metrics.recordSteps(9999, batch(1, 0))).toThrow(StoreNotFoundError);
  });
});

describe('artifacts and audit', () => {
  it('adds and lists artifacts', () => {
    const { store, projectId } = fixture();
    const run = store.runs.create({ projectId, stage: 'pilot', name: 'r', config: {}, lossKind: 'ce', backend: 'cpu' });
    const ckpt = store.artifacts.add({ projectId, runId: run.id, kind: 'checkpoint', path: '/data/runs/1/epoch-1' });
    const report = store.artifacts.add({ projectId, kind: 'report', path: '/data/reports/pilot.html', sha256: 'e'.repeat(64), bytes: 20480, actor: 'ana' });
    expect(ckpt).toMatchObject({ runId: run.id, sha256: null, bytes: null });
    expect(store.artifacts.list({ projectId }).map((a) => a.id)).toEqual([ckpt.id, report.id]);
    expect(store.artifacts.list({ projectId, runId: run.id }).map((a) => a.id)).toEqual([ckpt.id]);
    expect(store.artifacts.list({ projectId, kind: 'report' })).toEqual([report]);
    const other = store.projects.create({ name: 'Other', actor: 'ana' });
    expect(() => store.artifacts.add({ projectId: other.id, runId: run.id, kind: 'log', path: '/x' })).toThrow(/another project/);
    expect(() => store.artifacts.add({ projectId, kind: 'model' as 'log', path: '/x' })).toThrow(/Unknown artifact kind/);
  });

  it('appends and pages through the audit log, newest first', () => {
    const { store, projectId } = fixture();
    for (let i = 0; i < 5; i++) store.audit.append({ actor: 'ops', action: 'report.export', subject: `report:${i}`, projectId, detail: { i } });
    const page1 = store.audit.list({ action: 'report.export', limit: 3 });
    expect(page1.map((e) => e.detail.i)).toEqual([4, 3, 2]);
    const page2 = store.audit.list({ action: 'report.export', limit: 3, beforeId: page1.at(-1)?.id });
    expect(page2.map((e) => e.detail.i)).toEqual([1, 0]);
    expect(() => store.audit.append({ actor: ' ', action: 'x', subject: 'y' })).toThrow(StoreValidationError);
  });
});

describe('stored values', () => {
  it('round-trips JSON columns', () => {
    const { store, projectId } = fixture();
    const config = {
      ...sampleConfig(),
      unicode: 'naïve — 中文 — 🙂',
      nested: { list: [1, 2.5, -3e-7, null, true, 'x'], empty: {}, deep: { a: { b: { c: [[]] } } } },
      big: Number.MAX_SAFE_INTEGER,
    };
    const run = store.runs.create({ projectId, stage: 'pilot', name: 'json', config, lossKind: 'dece', backend: 'cpu' });
    expect(store.runs.get(run.id)?.config).toEqual(config);
    store.metrics.recordEpoch(run.id, { ...epochMetrics(1), extra: { perClass: { select: 0.5, insert: [1, 2] }, note: null } });
    expect(store.metrics.epochs(run.id)[0]?.extra).toEqual({ poisonedRowLoss: 3.1, cleanRowLoss: 2.2, perClass: { select: 0.5, insert: [1, 2] }, note: null });
    const entry = store.audit.append({ actor: 'ana', action: 'note', subject: 'x', detail: config });
    expect(store.audit.list({ action: 'note' })[0]).toEqual(entry);
    expect(entry.detail).toEqual(config);
    expect(() => store.runs.create({ projectId, stage: 'pilot', name: 'bad', config: [] as unknown as Record<string, unknown>, lossKind: 'ce', backend: 'cpu' })).toThrow(
      /run config must be a JSON object/,
    );
  });

  it('stores hostile-looking user text verbatim', () => {
    const { store } = fixture();
    for (const text of [XSS, CSV, `${XSS}\n${CSV}`, "Robert'); DROP TABLE projects;--"]) {
      const project = store.projects.create({ name: text, description: text, actor: text });
      expect(store.projects.get(project.id)).toMatchObject({ name: text, description: text });
      const item = store.checklist.add(project.id, 'pilot', { text, actor: text });
      expect(store.checklist.toggle(item.id, { actor: text, note: text })).toMatchObject({ text, note: text, doneBy: text });
      const run = store.runs.create({ projectId: project.id, stage: 'pilot', name: text, config: { trigger: text }, lossKind: 'dece', backend: 'cpu', tags: [CSV], actor: text });
      expect(store.runs.get(run.id)).toMatchObject({ name: text, config: { trigger: text }, tags: [CSV] });
      store.stages.decide(project.id, 'pilot', { decision: 'override', actor: text, reason: text });
      expect(store.stages.get(project.id, 'pilot')).toMatchObject({ decidedBy: text, decisionReason: text });
      expect(store.audit.list({ projectId: project.id }).every((e) => e.actor === text)).toBe(true);
    }
    expect(store.projects.list()).toHaveLength(5);
  });
});
