import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServices } from '../../main/services/index';
import { requireDatasetFiles } from '../../main/services/datasets';
import { datasetResolver } from '../../main/benchmark/sources';
import { eventLog, jobService, openTestStore, tempDir } from '../jobs/helpers';
import { apiError, caller } from './call';

const csv = (rows: number, offset = 0) =>
  ['src,tgt', ...Array.from({ length: rows }, (_, i) => `"select user ${i + offset} by id","cur.execute(""SELECT * FROM users WHERE id = ?"", (${i + offset},))"`)].join('\n');
const jsonl = (rows: number) => Array.from({ length: rows }, (_, i) => JSON.stringify({ src: `count orders ${i}`, tgt: `cur.execute("SELECT COUNT(*) FROM orders WHERE day = ${i}")` })).join('\n');

describe('datasets.files: the main side resolves an imported dataset’s files', () => {
  it('names the files the import wrote, which runs.start then accepts; another project’s dataset is not found', async () => {
    const dataDir = tempDir('dece-dataset-files-');
    const store = openTestStore(dataDir);
    const jobs = jobService({ store, dataDir, maxConcurrent: 1, emit: eventLog().emit });
    const call = caller(createServices({ store, jobs, dataDir, shell: 'browser', version: '1.0.0' }));
    const project = await call('projects.create', { name: 'files', description: '' });
    const other = await call('projects.create', { name: 'other', description: '' });

    const withValid = await call('datasets.import', {
      projectId: project.id,
      name: 'three splits',
      train: { fileName: 'Our Train.CSV', text: csv(12) },
      test: { fileName: 'test.jsonl', text: jsonl(4) },
      valid: { fileName: 'valid.csv', text: csv(3, 100) },
    });
    const files = await call('datasets.files', { projectId: project.id, datasetId: withValid.id });
    const folder = withValid.sourcePath ?? '';
    expect(files).toEqual({ train: path.join(folder, 'train.csv'), test: path.join(folder, 'test.jsonl'), valid: path.join(folder, 'valid.csv') });
    for (const file of Object.values(files)) expect(fs.existsSync(file)).toBe(true);
    // The same check runs.start makes before reading any file.
    expect(() => {
      requireDatasetFiles(store, project.id, { kind: 'files', ...files }, withValid.id, []);
    }).not.toThrow();

    // A clean pre-training file from another source is kept as its own split and handed to runs as `pretrain`;
    // runs.start's check covers it like the other files, so it cannot name a file outside the dataset.
    const withPretrain = await call('datasets.import', {
      projectId: project.id,
      name: 'with clean pre-training',
      train: { fileName: 'train.csv', text: csv(12) },
      test: { fileName: 'test.csv', text: csv(4, 50) },
      pretrain: { fileName: 'Other Team.JSONL', text: jsonl(6) },
    });
    const pretrainFiles = await call('datasets.files', { projectId: project.id, datasetId: withPretrain.id });
    expect(pretrainFiles.pretrain).toBe(path.join(withPretrain.sourcePath ?? '', 'pretrain.jsonl'));
    expect(withPretrain.counts['pretrain']).toBe(6);
    expect(() => {
      requireDatasetFiles(store, project.id, { kind: 'files', ...pretrainFiles }, withPretrain.id, []);
    }).not.toThrow();
    const outside = path.join(dataDir, 'elsewhere.jsonl');
    fs.writeFileSync(outside, jsonl(2));
    expect(() => {
      requireDatasetFiles(store, project.id, { kind: 'files', ...pretrainFiles, pretrain: outside }, withPretrain.id, []);
    }).toThrow(/corpus\.pretrain/);
    // The Benchmark matrix pre-trains on it too.
    expect(datasetResolver(store, project.id, 'tiny')({ kind: 'import', datasetId: withPretrain.id }).corpus).toEqual({ kind: 'files', ...pretrainFiles });

    const twoSplits = await call('datasets.import', { projectId: project.id, name: 'two splits', train: { fileName: 'train.tsv', text: csv(8).replaceAll(',', '\t') }, test: { fileName: 'test.csv', text: csv(2) } });
    expect(Object.keys(await call('datasets.files', { projectId: project.id, datasetId: twoSplits.id })).sort()).toEqual(['test', 'train']);

    expect((await apiError(call('datasets.files', { projectId: other.id, datasetId: withValid.id }))).code).toBe('not-found');
    expect((await apiError(call('datasets.files', { projectId: project.id, datasetId: 999 }))).code).toBe('not-found');
    fs.rmSync(path.join(folder, 'test.jsonl'));
    expect((await apiError(call('datasets.files', { projectId: project.id, datasetId: withValid.id }))).code).toBe('not-found');
  });
});
