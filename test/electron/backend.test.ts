import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../common/contract';
import { describeStartupError, startBackend } from '../../main/electron/backend';
import { StoreCorruptError, StoreMigrationError } from '../../main/store/index';

describe('startBackend', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('assembles store, jobs and services for the electron shell, and closes once', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dece-backend-'));
    const backend = startBackend({ dataDir: dir, version: '9.9.9', maxConcurrentRuns: 1 });
    const events: AppEvent[] = [];
    const unsubscribe = backend.subscribe((event) => events.push(event));
    await expect(backend.handlers['app.info']({})).resolves.toMatchObject({ shell: 'electron', dataDir: dir, version: '9.9.9', maxConcurrentRuns: 1 });
    const project = await backend.handlers['projects.create']({ name: 'Pilot', description: '' });
    expect(events).toEqual([{ type: 'project.changed', projectId: project.id }]);
    unsubscribe();
    expect(backend.resumeUnfinished()).toEqual([]);
    const closing = backend.close();
    expect(backend.close()).toBe(closing);
    await closing;
  });
});

describe('describeStartupError', () => {
  it('explains a damaged database and promises the file was left alone', () => {
    const report = describeStartupError(new StoreCorruptError('/data/dece-pilot.sqlite', ['file is not a database']), '/data');
    expect(report.title).toMatch(/damaged/);
    expect(report.message).toContain('did not modify or replace /data/dece-pilot.sqlite');
    expect(report.message).toContain('--data-dir');
  });

  it('explains a schema this build cannot migrate', () => {
    const report = describeStartupError(new StoreMigrationError('The database is at schema version 9, past the requested 3.'), '/data');
    expect(report.title).toMatch(/cannot be upgraded/);
    expect(report.message).toContain('schema version 9');
    expect(report.message).toContain(path.join('/data', 'dece-pilot.sqlite'));
    expect(report.message).toMatch(/left exactly as it was/);
  });

  it('reports anything else with the data folder', () => {
    const report = describeStartupError(new Error('EACCES: permission denied'), '/data');
    expect(report.title).toBe('DeCE Pilot could not start');
    expect(report.message).toContain('EACCES');
    expect(report.message).toContain('Data folder: /data');
  });
});
