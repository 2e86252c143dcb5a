import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import type { JobRequest } from '../../main/jobs/messages';
import { startJob } from '../../main/jobs/worker-host';
import { pretrainKey } from '../../main/jobs/pretrain-cache';
import { neutralise, toCsv } from '../../main/domain/csv';
import { evaluateGate, type GateRun } from '../../main/domain/gate';
import { createServices } from '../../main/services/index';
import { eventLog, jobService, openTestStore, tempDir, tinyConfig } from '../jobs/helpers';
import { apiError, caller } from './call';

describe('services over a real store and real training', () => {
  it('takes a project from checklist to a passed pilot, with runs, gate, decisions, export and import', async () => {
    const dataDir = tempDir('dece-services-');
    const store = openTestStore(dataDir);
    const log = eventLog();
    const started: JobRequest['kind'][] = [];
    const jobs = jobService({
      store,
      dataDir,
      maxConcurrent: 2,
      emit: log.emit,
      startJob: (request, handlers) => {
        started.push(request.kind);
        return startJob(request, handlers);
      },
    });
    const call = caller(createServices({ store, jobs, dataDir, shell: 'browser', version: '9.9.9', emit: log.emit }));

    expect(await call('app.info', {})).toMatchObject({ version: '9.9.9', dataDir, maxConcurrentRuns: 2, shell: 'browser' });
    expect(await call('settings.get', { key: 'language' })).toEqual({ value: null });
    await call('settings.set', { key: 'language', value: 'ja' });
    expect(await call('settings.get', { key: 'language' })).toEqual({ value: 'ja' });

    // Project with its checklist prefilled from the default plan.
    const project = await call('projects.create', { name: 'Backdoor defence' });
    expect(project.description).toBe('');
    expect((await call('projects.list', {})).map((p) => p.id)).toEqual([project.id]);
    const detail = await call('projects.get', { projectId: project.id });
    expect(detail.stages.map((s) => [s.stage, s.status])).toEqual([
      ['pilot', 'active'],
      ['benchmark', 'locked'],
      ['production', 'locked'],
    ]);
    expect(detail.checklist.filter((i) => i.stage === 'pilot')).toHaveLength(3);
    expect(detail.checklist.every((i) => !i.done)).toBe(true);

    // Toggling items leaves audit rows with the actor.
    const [first, second] = detail.checklist;
    if (!first || !second) throw new Error('checklist not prefilled');
    const ticked = await call('checklist.toggle', { projectId: project.id, itemId: first.id, done: true, actor: 'alice', note: 'done on data v1' });
    expect(ticked).toMatchObject({ done: true, doneBy: 'alice', note: 'done on data v1' });
    await call('checklist.toggle', { projectId: project.id, itemId: second.id, done: true, actor: 'bob' });
    await call('checklist.toggle', { projectId: project.id, itemId: second.id, done: false, actor: 'bob' });
    const toggles = store.audit.list({ projectId: project.id, action: 'checklist.toggle' });
    expect(toggles.map((a) => [a.actor, a.subject, a.detail['done']])).toEqual([
      ['bob', `checklist:${second.id}`, false],
      ['bob', `checklist:${second.id}`, true],
      ['alice', `checklist:${first.id}`, true],
    ]);
    const added = await call('checklist.add', { projectId: project.id, stage: 'pilot', text: 'Write up the pilot', actor: 'alice' });
    expect((await call('checklist.move', { projectId: project.id, itemId: added.id, position: 0 }))[0]?.id).toBe(added.id);
    await call('checklist.update', { projectId: project.id, itemId: added.id, text: 'Write up the pilot results', actor: 'alice' });
    await call('checklist.remove', { projectId: project.id, itemId: added.id, actor: 'alice' });
    expect((await apiError(call('checklist.toggle', { projectId: project.id, itemId: 99_999, done: true, actor: 'x' }))).code).toBe('not-found');
    expect((await apiError(call('projects.get', { projectId: 99_999 }))).code).toBe('not-found');

    // A CE and a DeCE run on the same data and seed, sharing one pre-training job.
    const ceConfig: RunConfig = tinyConfig('ce', { epochs: 2, pretrainEpochs: 1 });
    const deceConfig: RunConfig = tinyConfig('dece', { epochs: 2, pretrainEpochs: 1 });
    const ce = await call('runs.start', { projectId: project.id, stage: 'pilot', name: '=cmd|calc', config: ceConfig, actor: 'alice' });
    const dece = await call('runs.start', { projectId: project.id, stage: 'pilot', name: 'DeCE, α 0.9', config: deceConfig, actor: 'alice' });
    expect(ce).toMatchObject({ loss: 'ce', status: 'queued', backend: null, lastCompletedEpoch: 0 });
    expect(dece.loss).toBe('dece');
    await jobs.idle();

    expect(started.filter((k) => k === 'pretrain')).toHaveLength(1);
    expect(started.filter((k) => k === 'train')).toHaveLength(2);
    expect(fs.existsSync(path.join(dataDir, 'cache', `pretrain-${pretrainKey(ceConfig)}.ckpt`))).toBe(true);
    const runs = await call('runs.list', { projectId: project.id, stage: 'pilot' });
    for (const run of runs) {
      expect(run, JSON.stringify(run.error)).toMatchObject({ status: 'finished', lastCompletedEpoch: 2, error: null });
      expect(run.backend).not.toBeNull();
      expect(run.latest?.epoch).toBe(2);
    }
    const ceDetail = await call('runs.get', { runId: ce.id });
    expect(ceDetail.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(ceDetail.steps.length).toBeGreaterThan(0);
    expect(ceDetail.epochs[0]?.cleanRowLoss).toBeGreaterThan(0);
    // Both runs saw the shared pre-training's progress.
    for (const id of [ce.id, dece.id]) {
      expect(log.events.some((e) => e.type === 'run.progress' && e.runId === id && e.event.type === 'step' && e.event.phase === 'pretrain')).toBe(true);
    }
    expect((await apiError(call('runs.cancel', { runId: ce.id, actor: 'alice' }))).code).toBe('conflict');

    // Gate: passes with lenient thresholds, fails when more runs are demanded.
    await call('stages.setThresholds', { projectId: project.id, stage: 'pilot', thresholds: { maxAsr: 100, maxBleuDrop: 100, minRunsPerLoss: 1 }, actor: 'alice' });
    const passing = await call('stages.evaluateGate', { projectId: project.id, stage: 'pilot' });
    expect(passing.conditions.map((c) => [c.id, c.holds])).toEqual([
      ['min-runs', true],
      ['paired-runs', true],
      ['dece-asr', true],
      ['bleu-drop', true],
    ]);
    expect(passing.canPass).toBe(true);
    await call('stages.setThresholds', { projectId: project.id, stage: 'pilot', thresholds: { maxAsr: 100, maxBleuDrop: 100, minRunsPerLoss: 2 }, actor: 'alice' });
    const failing = await call('stages.evaluateGate', { projectId: project.id, stage: 'pilot' });
    expect(failing.canPass).toBe(false);
    expect(failing.conditions.find((c) => c.id === 'min-runs')).toMatchObject({ holds: false, detail: 'CE 1, DeCE 1 (need 2 each)' });

    // Decisions: pass refused while the gate fails; allowed once it holds; override needs a reason.
    expect((await apiError(call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'pass', actor: 'alice' }))).code).toBe('conflict');
    await call('stages.setThresholds', { projectId: project.id, stage: 'pilot', thresholds: { maxAsr: 100, maxBleuDrop: 100, minRunsPerLoss: 1 }, actor: 'alice' });
    const passed = await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'pass', actor: 'alice' });
    expect(passed).toMatchObject({ status: 'passed', decision: 'pass', decidedBy: 'alice' });
    expect((await apiError(call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'pass', actor: 'alice' }))).code).toBe('conflict');
    expect((await apiError(call('stages.setThresholds', { projectId: project.id, stage: 'pilot', thresholds: { maxAsr: 1, maxBleuDrop: 1, minRunsPerLoss: 1 }, actor: 'alice' }))).code).toBe('conflict');
    const benchmarkGate = await call('stages.evaluateGate', { projectId: project.id, stage: 'benchmark' });
    expect(benchmarkGate.conditions[0]).toMatchObject({ id: 'previous-stage', holds: true });
    expect(benchmarkGate.canPass).toBe(false);
    expect((await apiError(call('stages.decide', { projectId: project.id, stage: 'benchmark', decision: 'override', actor: 'bob' }))).code).toBe('invalid-input');
    expect((await apiError(call('stages.decide', { projectId: project.id, stage: 'benchmark', decision: 'override', actor: 'bob', reason: '   ' }))).code).toBe('invalid-input');
    const overridden = await call('stages.decide', { projectId: project.id, stage: 'benchmark', decision: 'override', actor: 'bob', reason: 'benchmarked by the vendor' });
    expect(overridden).toMatchObject({ status: 'passed', decision: 'override', decidedBy: 'bob', decisionReason: 'benchmarked by the vendor' });
    const stages = (await call('projects.get', { projectId: project.id })).stages;
    expect(stages.map((s) => s.status)).toEqual(['passed', 'passed', 'active']);
    const decisions = store.audit.list({ projectId: project.id }).filter((a) => a.action === 'stage.pass' || a.action === 'stage.override');
    expect(decisions.map((a) => [a.action, a.actor, a.detail['reason']])).toEqual([
      ['stage.override', 'bob', 'benchmarked by the vendor'],
      ['stage.pass', 'alice', null],
    ]);
    const reopened = await call('stages.reopen', { projectId: project.id, stage: 'benchmark', actor: 'carol', reason: 'new attack' });
    expect(reopened.status).toBe('active');

    // CSV: one row per (run, epoch); a formula-like run name is neutralised.
    const exported = await call('runs.exportCsv', { projectId: project.id });
    expect(exported.fileName).toBe('dece-pilot-backdoor-defence-runs.csv');
    const lines = exported.csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 2 * 2);
    expect(lines[0]).toMatch(/^run_id,run_name,stage,loss,status,seed,epoch,bleu,/);
    expect(lines[1]?.startsWith(`${ce.id},'=cmd|calc,pilot,ce,finished,${ceConfig.seed},1,`)).toBe(true);
    expect(exported.csv).not.toMatch(/(^|,)=cmd/m);
    expect(lines.filter((l) => l.includes('"DeCE, α 0.9"'))).toHaveLength(2);

    // Dataset import from uploaded text.
    const csv = (rows: number, offset = 0) =>
      ['src,tgt', ...Array.from({ length: rows }, (_, i) => `"select user ${i + offset} by id","cur.execute(""SELECT * FROM users WHERE id = ?"", (${i + offset},))"`)].join('\n');
    const dataset = await call('datasets.import', {
      projectId: project.id,
      name: 'our pairs',
      train: { fileName: 'train.csv', text: `${csv(20)}\n${csv(1).split('\n')[1] ?? ''}` },
      test: { fileName: 'test.csv', text: csv(5, 100) },
    });
    expect(dataset).toMatchObject({ name: 'our pairs', source: 'import', counts: { train: 20, trainDuplicatesRemoved: 1, test: 5 } });
    expect(dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(path.join(dataset.sourcePath ?? '', 'train.csv'))).toBe(true);
    expect((await call('datasets.list', { projectId: project.id })).map((d) => d.id)).toEqual([dataset.id]);
    const badImport = await apiError(
      call('datasets.import', { projectId: project.id, name: 'broken', train: { fileName: 'train.csv', text: 'src,tgt\n"unterminated' }, test: { fileName: 'test.csv', text: csv(2) } }),
    );
    expect(badImport.code).toBe('invalid-input');
    expect(badImport.message).toContain('train.csv');

    // Estimate: measured throughput, data sizes from the config.
    const estimate = await call('runs.estimate', { config: deceConfig });
    expect(estimate.tokensPerEpoch).toBeGreaterThan(1000);
    expect(estimate.seconds).toBeGreaterThan(0);
    const bigger = await call('runs.estimate', { config: { ...deceConfig, training: { ...deceConfig.training, epochs: 20 } } });
    expect(bigger.seconds).toBeGreaterThan(estimate.seconds);
  }, 180_000);
});

describe('gate evaluation', () => {
  const thresholds = { maxAsr: 20, maxBleuDrop: 3, minRunsPerLoss: 1 };
  const run = (id: number, loss: 'ce' | 'dece', asr: number, bleu: number, seed = 1): GateRun => ({
    id,
    loss,
    status: 'finished',
    config: tinyConfig(loss, { seed }),
    final: { epoch: 2, bleu, corpusBleu: bleu, exactMatch: 0, asr, trainLoss: 1, seconds: 1, poisonedRowLoss: null, cleanRowLoss: 1 },
  });
  const holds = (runs: GateRun[], previous: { stage: 'pilot'; status: string } | null = null) =>
    Object.fromEntries(evaluateGate({ stage: previous ? 'benchmark' : 'pilot', thresholds, previous, runs }).conditions.map((c) => [c.id, c.holds]));

  it('judges ASR and BLEU drop on CE↔DeCE pairs of the same data and seed', () => {
    expect(holds([run(1, 'ce', 90, 40), run(2, 'dece', 5, 38)])).toEqual({ 'min-runs': true, 'paired-runs': true, 'dece-asr': true, 'bleu-drop': true });
    expect(holds([run(1, 'ce', 90, 40), run(2, 'dece', 25, 38)])['dece-asr']).toBe(false);
    expect(holds([run(1, 'ce', 90, 40), run(2, 'dece', 5, 36.9)])['bleu-drop']).toBe(false);
    expect(holds([run(1, 'ce', 90, 40), run(2, 'dece', Number.NaN, 40)])['dece-asr']).toBe(false);
    // Different seed: no pair, so nothing can be judged.
    expect(holds([run(1, 'ce', 90, 40, 1), run(2, 'dece', 5, 40, 2)])).toEqual({ 'min-runs': true, 'paired-runs': false, 'dece-asr': false, 'bleu-drop': false });
    // Unfinished runs do not count.
    expect(holds([{ ...run(1, 'ce', 90, 40), status: 'running' }, run(2, 'dece', 5, 40)])['min-runs']).toBe(false);
    // Later stages also need the previous one passed.
    expect(holds([run(1, 'ce', 90, 40), run(2, 'dece', 5, 40)], { stage: 'pilot', status: 'active' })['previous-stage']).toBe(false);
  });
});

describe('CSV', () => {
  it('neutralises formula starts and quotes per RFC 4180', () => {
    for (const bad of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(neutralise(bad)).toBe(`'${bad}`);
    expect(neutralise('plain')).toBe('plain');
    expect(toCsv(['a', 'b'], [['x,"y"', -1.5], ['=A1', Number.NaN]])).toBe('a,b\r\n"x,""y""",-1.5\r\n\'=A1,\r\n');
  });
});
