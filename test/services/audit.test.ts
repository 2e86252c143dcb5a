import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../common/contract';
import { createServices } from '../../main/services/index';
import { DB_FILE_NAME } from '../../main/store/index';
import { eventLog, jobService, openTestStore, tempDir, tinyConfig } from '../jobs/helpers';
import { caller } from './call';
import path from 'node:path';

function setUp() {
  const dataDir = tempDir('dece-audit-');
  const store = openTestStore(dataDir);
  const log = eventLog();
  const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: log.emit });
  return { dataDir, store, call: caller(createServices({ store, jobs, dataDir, shell: 'browser', version: '1.0.0' })) };
}

describe('audit trail through the contract', () => {
  it('lists every entry with stage, who, before → after and reason, filtered by stage, person and kind', async () => {
    const { call, store } = setUp();
    const project = await call('projects.create', { name: 'Audit =trail' });
    const detail = await call('projects.get', { projectId: project.id });
    const item = detail.checklist.find((i) => i.stage === 'pilot');
    if (!item) throw new Error('checklist not prefilled');
    await call('checklist.toggle', { projectId: project.id, itemId: item.id, done: true, actor: 'alice' });
    await call('stages.setThresholds', { projectId: project.id, stage: 'pilot', thresholds: { maxAsr: 7, maxBleuDrop: 3, minRunsPerLoss: 1 }, actor: 'bob' });
    await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: '=HYPERLINK("x")', reason: 'agreed with the security team' });
    await call('stages.reopen', { projectId: project.id, stage: 'pilot', actor: 'carol', reason: 'new data arrived' });
    await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: 'alice', reason: 'second look' });
    // A run cancelled at once: its creation and cancellation belong to its (benchmark) stage.
    const run = await call('runs.start', { projectId: project.id, stage: 'benchmark', name: 'queued CE', config: tinyConfig('ce'), actor: 'dave' });
    await call('runs.cancel', { runId: run.id, actor: 'dave' });

    const { entries, actors } = await call('audit.list', { projectId: project.id });
    expect(entries.length).toBe(store.audit.list({ projectId: project.id, limit: 1000 }).length);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => b - a));
    // 'system' starts the run when the job service gets to it before the cancel.
    expect(actors.filter((a) => a !== 'system')).toEqual(['=HYPERLINK("x")', 'alice', 'bob', 'carol', 'dave', 'user']);

    const toggle = entries.find((e) => e.action === 'checklist.toggle');
    expect(toggle).toMatchObject({ kind: 'checklist', stage: 'pilot', actor: 'alice', target: item.text, before: 'open', after: 'done' });
    const thresholds = entries.find((e) => e.action === 'stage.thresholds');
    expect(thresholds?.before).toContain(`maxAsr ${String(detail.stages[0]?.thresholds.maxAsr)},`);
    expect(thresholds?.after).toContain('maxAsr 7');
    const overrides = entries.filter((e) => e.action === 'stage.override');
    expect(overrides.map((e) => [e.actor, e.reason, e.stage])).toEqual([
      ['alice', 'second look', 'pilot'],
      ['=HYPERLINK("x")', 'agreed with the security team', 'pilot'],
    ]);
    expect(entries.find((e) => e.action === 'stage.reopen')).toMatchObject({ before: 'passed', after: 'active', reason: 'new data arrived' });
    expect(entries.find((e) => e.action === 'run.cancel')).toMatchObject({ stage: 'benchmark', target: 'queued CE', after: 'cancel' });
    expect(['queued', 'running']).toContain(entries.find((e) => e.action === 'run.cancel')?.before);

    const byStage = await call('audit.list', { projectId: project.id, stage: 'benchmark' });
    expect(byStage.entries.length).toBeGreaterThan(0);
    expect(byStage.entries.every((e) => e.stage === 'benchmark')).toBe(true);
    const byPerson = await call('audit.list', { projectId: project.id, actor: 'alice' });
    expect(byPerson.entries.map((e) => e.action)).toEqual(['stage.override', 'checklist.toggle']);
    const byKind = await call('audit.list', { projectId: project.id, kind: 'stage', actor: 'carol' });
    expect(byKind.entries.map((e) => e.action)).toEqual(['stage.reopen']);
  });

  it('exports the filtered trail as CSV whose cells never start a formula', async () => {
    const { call } = setUp();
    const project = await call('projects.create', { name: 'Audit CSV' });
    await call('stages.decide', { projectId: project.id, stage: 'pilot', decision: 'override', actor: '=cmd', reason: '+SUM(A1)' });
    const { fileName, csv } = await call('audit.exportCsv', { projectId: project.id, kind: 'stage' });
    expect(fileName).toBe('dece-pilot-audit-csv-history.csv');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,action,kind,stage,subject,target,before,after,reason');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(",'=cmd,stage.override,stage,pilot,");
    expect(lines[1]?.endsWith(",'+SUM(A1)")).toBe(true);
  });

  it('offers no way to change the trail: only read methods in the contract, and the table refuses UPDATE and DELETE', async () => {
    const { call, dataDir } = setUp();
    const project = await call('projects.create', { name: 'Append only' });
    expect(METHOD_NAMES.filter((m) => m.startsWith('audit.'))).toEqual(['audit.list', 'audit.exportCsv']);
    const db = new Database(path.join(dataDir, DB_FILE_NAME));
    try {
      expect(() => db.prepare('UPDATE audit_log SET actor = ? WHERE project_id = ?').run('mallory', project.id)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log WHERE project_id = ?').run(project.id)).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect((await call('audit.list', { projectId: project.id })).entries.map((e) => e.actor)).toEqual(['user']);
  });
});
