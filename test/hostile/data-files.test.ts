import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset, Project, Run } from '../../common/contract';
import { tinyConfig } from '../jobs/helpers';
import { apiCall, realServer } from '../server/helpers';
import { reportFigures, snapshotStore } from './helpers';

const pairs = `src,tgt\n${Array.from({ length: 30 }, (_, i) => `select row ${i},SELECT * FROM t WHERE id = ${i}`).join('\n')}\n`;

describe('hostile input: data file paths in runs.start', () => {
  it('reads only files of imported datasets, refusing any other path without echoing its content', async () => {
    const { server, store, dataDir } = await realServer();
    const project = JSON.parse((await apiCall(server, 'projects.create', { name: 'paths' })).body) as Project;
    const upload = { fileName: 'pairs.csv', text: pairs };
    const imported = await apiCall(server, 'datasets.import', { projectId: project.id, name: 'team data', train: upload, test: upload, actor: 'ana' });
    expect(imported.status, imported.body).toBe(200);
    const dataset = JSON.parse(imported.body) as Dataset;
    const folder = dataset.sourcePath ?? '';
    const own = (split: string) => path.join(folder, fs.readdirSync(folder).find((f) => f.startsWith(`${split}.`)) ?? '');

    // A secret beside the data folder, and a link inside the dataset's folder that leads to it.
    const secret = path.join(dataDir, 'secret.csv');
    fs.writeFileSync(secret, 'TOP-SECRET-LINE,do not echo\n');
    const link = path.join(folder, 'train.link.csv');
    fs.symlinkSync(secret, link);
    const before = snapshotStore(store.file);

    const start = (corpus: Record<string, string>, datasetId?: number) =>
      apiCall(server, 'runs.start', {
        projectId: project.id,
        stage: 'pilot',
        name: 'probe',
        config: { ...tinyConfig('dece'), data: { ...tinyConfig('dece').data, corpus: { kind: 'files', ...corpus } } },
        ...(datasetId === undefined ? {} : { datasetId }),
        actor: 'ana',
      });
    const hostile: { name: string; corpus: Record<string, string>; datasetId?: number }[] = [
      { name: 'an arbitrary file', corpus: { train: secret, test: own('test') } },
      { name: '/etc/passwd', corpus: { train: '/etc/passwd', test: own('test') } },
      { name: 'traversal out of the dataset folder', corpus: { train: path.join(folder, '..', '..', 'secret.csv'), test: own('test') } },
      { name: 'relative path', corpus: { train: 'secret.csv', test: own('test') } },
      { name: 'symlink inside the dataset folder', corpus: { train: link, test: own('test') } },
      { name: 'the dataset folder itself', corpus: { train: folder, test: own('test') } },
      { name: 'a file of another dataset id', corpus: { train: own('train'), test: own('test') }, datasetId: dataset.id + 1 },
    ];
    let refused = 0;
    for (const input of hostile) {
      const res = await start(input.corpus, input.datasetId);
      if (res.status >= 400 && res.status < 500) refused += 1;
      expect([400, 404], input.name).toContain(res.status);
      expect(res.body, input.name).not.toContain('TOP-SECRET');
      expect(res.body, input.name).not.toContain('root:');
    }
    const after = snapshotStore(store.file);
    expect(after.digest).toBe(before.digest);
    expect(after.integrity).toBe('ok');

    // The dataset's own files are accepted (the run is cancelled at once: training is not the point here).
    const ok = await start({ train: own('train'), test: own('test') }, dataset.id);
    expect(ok.status, ok.body).toBe(200);
    const run = JSON.parse(ok.body) as Run;
    expect((await apiCall(server, 'runs.cancel', { runId: run.id, actor: 'ana' })).status).toBe(200);
    reportFigures('data file paths', { tried: hostile.length, refused4xx: refused, echoedContent: false, storeUnchanged: after.digest === before.digest, integrity: after.integrity });
  });
});
