import { describe, expect, it } from 'vitest';
import type { Project } from '../../common/contract';
import { apiCall, realServer } from '../server/helpers';
import { reportFigures, snapshotStore } from './helpers';

const rows = (n: number) => Array.from({ length: n }, (_, i) => `prompt ${i},output ${i}`).join('\n');

describe('hostile input: dataset files', () => {
  it('refuses NUL bytes anywhere and CR-only files with a 400 naming the cause, storing nothing', async () => {
    const { server, store } = await realServer();
    const project = JSON.parse((await apiCall(server, 'projects.create', { name: 'imports' })).body) as Project;
    const before = snapshotStore(store.file);
    const good = { fileName: 'test.csv', text: `src,tgt\n${rows(20)}\n` };
    const hostile: { name: string; text: string; message: RegExp }[] = [
      { name: 'NUL in the first line', text: `src,tgt\n\u0000${rows(20)}\n`, message: /NUL|binary/ },
      { name: 'NUL after the first 256 KiB', text: `src,tgt\n${rows(12_000)}\nlate\u0000nul,x\n`, message: /:12002: NUL byte/ },
      { name: 'CR-only line endings', text: `src,tgt\r${rows(20).replaceAll('\n', '\r')}\r`, message: /lines end with CR only/ },
    ];
    let refused = 0;
    for (const input of hostile) {
      const res = await apiCall(server, 'datasets.import', { projectId: project.id, name: 'hostile', train: { fileName: 'train.csv', text: input.text }, test: good });
      if (res.status === 400) refused += 1;
      expect(res.status, input.name).toBe(400);
      expect((JSON.parse(res.body) as { message: string }).message, input.name).toMatch(input.message);
    }
    const after = snapshotStore(store.file);
    expect(after.digest).toBe(before.digest);
    expect(after.integrity).toBe('ok');
    reportFigures('dataset files', { tried: hostile.length, refused400: refused, storeUnchanged: after.digest === before.digest, integrity: after.integrity });
  });
});
