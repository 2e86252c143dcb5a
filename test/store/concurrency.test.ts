import fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { open, spawnChild, tempDbFile } from './helpers';

describe('two store instances on one file', () => {
  it('see each other’s committed writes', () => {
    const file = tempDbFile();
    const a = open({ file });
    const b = open({ file });
    const project = a.projects.create({ name: 'Shared', actor: 'ana' });
    expect(b.projects.get(project.id)?.name).toBe('Shared');
    const item = b.checklist.add(project.id, 'pilot', { text: 'From B', actor: 'ben' });
    a.checklist.toggle(item.id, { actor: 'ana' });
    expect(b.checklist.get(item.id)).toMatchObject({ done: true, doneBy: 'ana' });
    expect(a.audit.list({ projectId: project.id })).toEqual(b.audit.list({ projectId: project.id }));
  });

  it('keeps reading while another connection holds the write lock (WAL)', () => {
    const file = tempDbFile();
    const store = open({ file });
    const project = store.projects.create({ name: 'Readers', actor: 'ana' });
    const writer = new Database(file);
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("UPDATE projects SET name = 'Uncommitted' WHERE id = ?").run(project.id);
      // Readers are not blocked and do not see the open transaction.
      expect(store.projects.get(project.id)?.name).toBe('Readers');
      writer.exec('COMMIT');
    } finally {
      writer.close();
    }
    expect(store.projects.get(project.id)?.name).toBe('Uncommitted');
  });

  it('waits for another process’s write lock instead of failing (busy_timeout)', async () => {
    const file = tempDbFile();
    const store = open({ file });
    const project = store.projects.create({ name: 'Contended', actor: 'ana' });
    const holder = spawnChild(['hold-lock', file, '1500']);
    await holder.line('LOCKED');
    // Blocks this thread until the child commits, then succeeds (without busy_timeout: SQLITE_BUSY at once).
    const item = store.checklist.add(project.id, 'pilot', { text: 'After the lock', actor: 'ana' });
    const finishedAt = Date.now();
    expect(item.position).toBe(3);
    const releasedAt = Number((await holder.line('RELEASED ')).split(' ')[1]);
    expect(finishedAt).toBeGreaterThanOrEqual(releasedAt - 5);
    expect((await holder.exit()).code).toBe(0);
    const [ours, theirs] = [store.audit.list({ action: 'checklist.add' })[0], store.audit.list({ action: 'test.lock' })[0]];
    expect(theirs?.id).toBeLessThan(ours?.id ?? 0);
  });

  it('serialises read-then-write transactions from two processes (BEGIN IMMEDIATE)', async () => {
    const file = tempDbFile();
    const store = open({ file });
    const project = store.projects.create({ name: 'Race', actor: 'ana' });
    const run = store.runs.create({ projectId: project.id, stage: 'pilot', name: 'r', config: {}, lossKind: 'ce', backend: 'cpu' });
    const count = 100;
    const children = [
      spawnChild(['writer', file, String(project.id), String(run.id), 'left', String(count), '0']),
      spawnChild(['writer', file, String(project.id), String(run.id), 'right', String(count), '10000']),
    ];
    await Promise.all(children.map((c) => c.line('STARTED')));
    fs.writeFileSync(`${file}.go`, '');
    // This process writes too while the children run.
    for (let i = 0; i < 20; i++) {
      store.checklist.add(project.id, 'pilot', { text: `parent item ${i}`, actor: 'parent' });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(children.map((c) => c.line('DONE')));
    const exits = await Promise.all(children.map((c) => c.exit()));
    expect(exits.map((e) => e.code), children.map((c) => c.stderr()).join('\n')).toEqual([0, 0]);

    const items = store.checklist.list(project.id, 'pilot');
    expect(items).toHaveLength(3 + 2 * count + 20);
    // Every add read max(position) and wrote max+1; without the write lock up front two would collide.
    expect(items.map((i) => i.position)).toEqual(items.map((_, i) => i));
    expect(items.filter((i) => i.text.startsWith('left item'))).toHaveLength(count);
    expect(store.metrics.steps(run.id)).toHaveLength(2 * count);
    expect(store.audit.list({ projectId: project.id, action: 'checklist.add', limit: 1000 })).toHaveLength(2 * count + 20);
  });
});
