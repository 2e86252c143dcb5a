import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStartupError } from '../../main/electron/backend';
import { StoreAccessError, StoreCorruptError, openStore } from '../../main/store/index';
import { rejectionOf } from '../helpers/rejection';
import { open, openStoreError, sha256File, tempDbFile, tempDir } from '../store/helpers';
import { reportFigures, snapshotStore } from './helpers';

const SIDECARS = ['-wal', '-shm', '-journal'];

function sidecarsOf(file: string): string[] {
  return SIDECARS.filter((suffix) => fs.existsSync(file + suffix));
}

/** A closed store with one project in it, in WAL mode like every store the app writes. */
function storeWithProject(): string {
  const file = tempDbFile();
  const store = open({ file });
  store.projects.create({ name: 'kept', actor: 'ana' });
  store.close();
  return file;
}

function canWrite(target: string): boolean {
  try {
    if (fs.statSync(target).isDirectory()) {
      const probe = path.join(target, '.write-probe');
      fs.writeFileSync(probe, '');
      fs.rmSync(probe);
    } else {
      fs.closeSync(fs.openSync(target, 'r+'));
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes a file or folder unwritable for this process and returns the undo, or null when that is impossible
 * here. Modes suffice for a normal user; root ignores them, so there the immutable attribute is used.
 */
function makeReadOnly(target: string): (() => void) | null {
  const mode = fs.statSync(target).mode & 0o777;
  fs.chmodSync(target, fs.statSync(target).isDirectory() ? 0o555 : 0o444);
  const undoMode = () => {
    fs.chmodSync(target, mode);
  };
  if (!canWrite(target)) return undoMode;
  try {
    execFileSync('chattr', ['+i', target], { stdio: 'ignore' });
  } catch {
    undoMode();
    return null;
  }
  return () => {
    execFileSync('chattr', ['-i', target], { stdio: 'ignore' });
    undoMode();
  };
}

function refusal(file: string): StoreAccessError {
  const caught = openStoreError(file);
  expect(caught).toBeInstanceOf(StoreAccessError);
  const error = caught as StoreAccessError;
  expect(error.file).toBe(file);
  expect(error.message).toContain(file);
  expect(error.message).toContain('--data-dir');
  return error;
}

const tried: string[] = [];

describe('hostile input: databases that cannot be used', () => {
  it('refuses a read-only database file at start-up, naming the path and the fix, and leaves no -wal/-shm behind', (ctx) => {
    const file = storeWithProject();
    const before = sha256File(file);
    const undo = makeReadOnly(file);
    if (undo === null) {
      ctx.skip('neither file modes nor chattr can make a file read-only for this user here');
      return;
    }
    try {
      expect(sidecarsOf(file)).toEqual([]);
      const error = refusal(file);
      expect(error.message).toMatch(/cannot be written \(attempt to write a readonly database\)/);
      expect(error.message).toContain('chmod u+w');
      expect(sidecarsOf(file)).toEqual([]);
      expect(sha256File(file)).toBe(before);
      tried.push('read-only file');
    } finally {
      undo();
    }
    // Once writable again, it opens with its data.
    const store = open({ file });
    expect(store.projects.list().map((p) => p.name)).toEqual(['kept']);
  });

  it('refuses a database in a read-only folder, naming the path and the fix', (ctx) => {
    const file = storeWithProject();
    const folder = path.dirname(file);
    const undo = makeReadOnly(folder);
    if (undo === null) {
      ctx.skip('neither file modes nor chattr can make a folder read-only for this user here');
      return;
    }
    try {
      const error = refusal(file);
      expect(error.message).toMatch(/cannot be (opened|written)/);
      expect(error.message).toContain(folder);
      expect(sidecarsOf(file)).toEqual([]);
      tried.push('read-only folder');
    } finally {
      undo();
    }
  });

  it('refuses a path that is a folder, and one under a file, naming the path', () => {
    const dir = tempDir();
    const asFolder = path.join(dir, 'dece-pilot.sqlite');
    fs.mkdirSync(asFolder);
    expect(refusal(asFolder).message).toMatch(/is a folder, not a database file\. Move the folder .* aside/);
    expect(fs.readdirSync(dir)).toEqual(['dece-pilot.sqlite']);
    expect(fs.readdirSync(asFolder)).toEqual([]);

    const aFile = path.join(dir, 'plain-file');
    fs.writeFileSync(aFile, 'not a folder');
    const underFile = path.join(aFile, 'dece-pilot.sqlite');
    expect(refusal(underFile).message).toMatch(/cannot be opened \((EEXIST|ENOTDIR).*\)\. Check that .*plain-file is a folder/);
    tried.push('path is a folder', 'folder is a file');
  });

  it('refuses a damaged WAL-mode database without leaving -wal/-shm files behind', () => {
    const file = storeWithProject();
    const pageSize = 4096;
    const size = fs.statSync(file).size;
    // Keep page 1 (so SQLite reads the WAL header flag) and damage the rest.
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(size - pageSize, 0xa5), 0, size - pageSize, pageSize);
    fs.closeSync(fd);
    const before = sha256File(file);
    expect(openStoreError(file)).toBeInstanceOf(StoreCorruptError);
    expect(sidecarsOf(file)).toEqual([]);
    expect(sha256File(file)).toBe(before);
    tried.push('damaged WAL database');
  });

  it('says what to do in the start-up dialog', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'dece-pilot.sqlite'));
    const error = await rejectionOf(Promise.resolve().then(() => openStore({ dataDir: dir })), StoreAccessError, 'expected a refusal');
    const report = describeStartupError(error, dir);
    expect(report.title).toBe('DeCE Pilot: the database cannot be used');
    expect(report.message).toContain(path.join(dir, 'dece-pilot.sqlite'));
    expect(report.message).toContain('--data-dir');

    // The healthy case still opens and stays intact.
    const file = storeWithProject();
    expect(snapshotStore(file).integrity).toBe('ok');
    reportFigures('unusable databases', { tried: tried.length, cases: tried.join(' | '), refusedAtStartUp: tried.length, sidecarsLeft: 0 });
  });
});
