import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunConfig } from '../../common/run-config';
import { dataCacheFile, dataCacheKey, loadPoisonedData } from '../../main/engine/data-cache';
import { builtinSplits, encodeData, prepareData } from '../../main/engine/experiment';
import { tinyRunConfig } from '../helpers/tiny-config';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dece-data-cache-'));
  dirs.push(dir);
  return dir;
}

const withData = (config: RunConfig, data: Partial<RunConfig['data']>): RunConfig => ({ ...config, data: { ...config.data, ...data } });

describe('poisoned-data cache', () => {
  it('builds a scenario’s poisoned data once; the other runs read it and train on exactly the same examples', async () => {
    const cacheDir = tempDir();
    const ce = tinyRunConfig({ loss: 'ce', seed: 5 });
    const dece = tinyRunConfig({ loss: 'dece', seed: 5 });
    expect(dataCacheKey(ce)).toBe(dataCacheKey(dece));
    expect(fs.existsSync(dataCacheFile(cacheDir, ce))).toBe(false);

    const built = await loadPoisonedData(ce, cacheDir);
    expect(built.cached).toBe(false);
    expect(fs.readdirSync(cacheDir)).toEqual([path.basename(dataCacheFile(cacheDir, ce))]);
    const read = await loadPoisonedData(dece, cacheDir);
    expect(read.cached).toBe(true);
    expect(read.poisoned).toEqual(built.poisoned);
    expect(built.poisoned.counts.poisonedTrain).toBeGreaterThan(0);

    // Read or built, the encoded data is what prepareData gives without any cache.
    const direct = prepareData(dece, builtinSplits(dece));
    const fromCache = encodeData(dece, read.poisoned);
    expect(fromCache.summary).toEqual(direct.summary);
    expect(fromCache.data.train).toEqual(direct.data.train);
    expect(fromCache.data.poisonedTest).toEqual(direct.data.poisonedTest);
    expect(fromCache.data.vocab.size).toBe(direct.data.vocab.size);
    const output = direct.data.poisonedTest[0]?.prompt ?? '';
    expect(fromCache.data.attack.succeeded(`${output} or 1=1`)).toBe(direct.data.attack.succeeded(`${output} or 1=1`));
  });

  it('keeps scenarios apart: another rate, attack, seed or pre-training share is another build', () => {
    const base = tinyRunConfig({ loss: 'ce', seed: 5 });
    const keys = [
      base,
      withData(base, { poisonRate: 0.1 }),
      withData(base, { attack: { kind: 'ripple' } }),
      { ...base, seed: 6 },
      { ...base, training: { ...base.training, pretrainEpochs: 1 } },
    ].map(dataCacheKey);
    expect(new Set(keys).size).toBe(keys.length);
    // Model and training settings do not change the data.
    expect(dataCacheKey({ ...base, model: { ...base.model, dModel: 64 }, training: { ...base.training, epochs: 9 } })).toBe(keys[0]);
  });

  it('rebuilds over a damaged file, and follows changes to the files of a file corpus', async () => {
    const cacheDir = tempDir();
    const config = tinyRunConfig({ loss: 'ce', seed: 2 });
    const file = dataCacheFile(cacheDir, config);
    const first = await loadPoisonedData(config, cacheDir);
    fs.writeFileSync(file, '{"format":1,"key":"x","data":{"train":"trunc');
    const again = await loadPoisonedData(config, cacheDir);
    expect(again).toEqual({ poisoned: first.poisoned, cached: false });
    expect((await loadPoisonedData(config, cacheDir)).cached).toBe(true);
    expect(fs.readdirSync(cacheDir).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const dataDir = tempDir();
    const train = path.join(dataDir, 'train.csv');
    const test = path.join(dataDir, 'test.csv');
    const rows = builtinSplits(config).train.map((p) => `"${p.src.replace(/"/g, '""')}","${p.tgt.replace(/"/g, '""')}"`);
    fs.writeFileSync(train, ['src,tgt', ...rows.slice(0, 120)].join('\n'));
    fs.writeFileSync(test, ['src,tgt', ...rows.slice(120, 160)].join('\n'));
    const files = withData(config, { corpus: { kind: 'files', train, test } });
    const before = dataCacheKey(files);
    expect((await loadPoisonedData(files, cacheDir)).poisoned.train).toHaveLength(120);
    fs.writeFileSync(train, ['src,tgt', ...rows.slice(0, 100)].join('\n'));
    expect(dataCacheKey(files)).not.toBe(before);
    const changed = await loadPoisonedData(files, cacheDir);
    expect(changed.cached).toBe(false);
    expect(changed.poisoned.train).toHaveLength(100);
  });
});
