import { describe, expect, it } from 'vitest';
import type { ChecklistItem, Project } from '../../common/contract';
import { apiCall, realServer } from '../server/helpers';
import { reportFigures, snapshotStore } from './helpers';

/** What a hostile client puts in a person's text: NUL first or last, bell, escape sequences, DEL, a C1 control. */
const CONTROL_STRINGS = ['\u0000abc', 'abc\u0000', 'a\u0007b', '\u001b[31mred', 'a\u007fb', 'a\u0085b', 'a\u0008b'];
/** Single-line fields also refuse line breaks and tabs (they land in one table cell of a report). */
const LINE_BREAKS = ['a\nb', 'a\rb', 'a\tb'];

describe('hostile input: control characters in text fields', () => {
  it('answers 400 naming the field for every control character in every shared text field, and stores nothing', async () => {
    const { server, store } = await realServer();
    const created = await apiCall(server, 'projects.create', { name: 'target', description: 'd' });
    expect(created.status).toBe(200);
    const project = JSON.parse(created.body) as Project;
    const added = await apiCall(server, 'checklist.add', { projectId: project.id, stage: 'pilot', text: 'item', actor: 'a' });
    const item = JSON.parse(added.body) as ChecklistItem;
    const projectId = project.id;
    const itemId = item.id;
    const before = snapshotStore(store.file);

    const upload = { fileName: 'train.csv', text: 'src,tgt\na,b' };
    /** method, a valid input, and its text fields: `single` are one line, `multi` may span lines. */
    const targets: { method: string; input: Record<string, unknown>; field: string; multiLine: boolean }[] = [
      { method: 'projects.create', input: { name: 'p', description: 'd' }, field: 'name', multiLine: false },
      { method: 'projects.create', input: { name: 'p', description: 'd' }, field: 'description', multiLine: true },
      { method: 'checklist.add', input: { projectId, stage: 'pilot', text: 't', actor: 'a' }, field: 'text', multiLine: false },
      { method: 'checklist.add', input: { projectId, stage: 'pilot', text: 't', actor: 'a' }, field: 'actor', multiLine: false },
      { method: 'checklist.update', input: { projectId, itemId, text: 't', actor: 'a' }, field: 'text', multiLine: false },
      { method: 'checklist.toggle', input: { projectId, itemId, done: true, actor: 'a', note: 'n' }, field: 'note', multiLine: true },
      { method: 'stages.decide', input: { projectId, stage: 'pilot', decision: 'override', actor: 'a', reason: 'r' }, field: 'reason', multiLine: true },
      { method: 'stages.decide', input: { projectId, stage: 'pilot', decision: 'override', actor: 'a', reason: 'r' }, field: 'actor', multiLine: false },
      { method: 'stages.reopen', input: { projectId, stage: 'pilot', actor: 'a', reason: 'r' }, field: 'reason', multiLine: true },
      { method: 'production.setRollbackPlan', input: { projectId, text: 'plan', actor: 'a' }, field: 'text', multiLine: true },
      { method: 'production.signOff', input: { projectId, name: 'n', role: 'r', decision: 'go', comment: 'c', actor: 'a' }, field: 'name', multiLine: false },
      { method: 'production.signOff', input: { projectId, name: 'n', role: 'r', decision: 'go', comment: 'c', actor: 'a' }, field: 'role', multiLine: false },
      { method: 'production.signOff', input: { projectId, name: 'n', role: 'r', decision: 'go', comment: 'c', actor: 'a' }, field: 'comment', multiLine: true },
      { method: 'datasets.import', input: { projectId, name: 'd', train: upload, test: upload }, field: 'name', multiLine: false },
      { method: 'benchmarks.pause', input: { benchmarkId: 1, actor: 'a' }, field: 'actor', multiLine: false },
    ];

    let tried = 0;
    let refused = 0;
    for (const target of targets) {
      const hostile = target.multiLine ? CONTROL_STRINGS : [...CONTROL_STRINGS, ...LINE_BREAKS];
      for (const value of hostile) {
        tried += 1;
        const res = await apiCall(server, target.method, { ...target.input, [target.field]: value });
        const label = `${target.method} ${target.field}=${JSON.stringify(value)}`;
        if (res.status === 400) refused += 1;
        expect(res.status, label).toBe(400);
        expect(JSON.parse(res.body), label).toEqual({ code: 'invalid-input', message: `${target.method}: ${target.field}: must not contain control characters` });
      }
    }
    // An upload's file name too (it is shown in import errors and reports).
    const badFile = await apiCall(server, 'datasets.import', { projectId, name: 'd', train: { ...upload, fileName: 'a\u0000.csv' }, test: upload });
    tried += 1;
    if (badFile.status === 400) refused += 1;
    expect(badFile.status).toBe(400);
    expect(JSON.parse(badFile.body)).toMatchObject({ message: 'datasets.import: train.fileName: must not contain control characters' });

    const after = snapshotStore(store.file);
    expect(after.digest).toBe(before.digest);
    expect(after.integrity).toBe('ok');
    reportFigures('control characters in text fields', { tried, refused400: refused, storeUnchanged: after.digest === before.digest, integrity: after.integrity });

    // Multi-line free text stays multi-line: line breaks and tabs are accepted where a paragraph belongs.
    const multi = await apiCall(server, 'projects.create', { name: 'ok', description: 'line 1\r\nline 2\n\tindented' });
    expect(multi.status).toBe(200);
    expect((JSON.parse(multi.body) as Project).description).toBe('line 1\r\nline 2\n\tindented');
  });
});
