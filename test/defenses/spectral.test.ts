import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../main/data/rng';
import { runSpectralDefense } from '../../main/defenses/index';
import { encoderStates, spectralFilter, spectralScores, topRightSingularVector, topScoreIndices } from '../../main/defenses/spectral';
import { selectBackend } from '../../main/engine/backend';
import { assignWeights, readCheckpoint } from '../../main/engine/checkpoint';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { buildSeq2SeqModel } from '../../main/engine/model';
import { pretrain } from '../../main/engine/train';
import { tinyRunConfig } from '../helpers/tiny-config';

function gaussian(rng: ReturnType<typeof createRng>): number {
  const u = Math.max(rng.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

describe('spectral signatures: linear algebra on synthetic representations', () => {
  it('finds the top singular direction by power iteration', () => {
    const rng = createRng('svd');
    const direction = [3, 4, 0, 0, 0].map((x) => x / 5);
    const rows = Array.from({ length: 200 }, () => {
      const t = 5 * gaussian(rng);
      return direction.map((x) => t * x + 0.1 * gaussian(rng));
    });
    const v = topRightSingularVector(rows);
    const cos = v.reduce((s, x, i) => s + x * (direction[i] ?? 0), 0);
    expect(Math.abs(cos)).toBeGreaterThan(0.999);
    expect(Math.hypot(...v)).toBeCloseTo(1, 9);
  });

  it('ranks a shifted minority cluster at the top (5% poison, 1.5× removal)', () => {
    const rng = createRng('clusters');
    const d = 16;
    const shift = Array.from({ length: d }, () => gaussian(rng));
    const norm = Math.hypot(...shift);
    const rows = Array.from({ length: 400 }, (_, i) => Array.from({ length: d }, (_, j) => gaussian(rng) + (i % 20 === 7 ? (4 * (shift[j] ?? 0)) / norm : 0)));
    const poisoned = new Set(rows.flatMap((_, i) => (i % 20 === 7 ? [i] : [])));
    const dropped = topScoreIndices(spectralScores(rows), 0.075);
    expect(dropped).toHaveLength(30);
    expect(dropped.filter((i) => poisoned.has(i)).length).toBeGreaterThanOrEqual(18);
  });

  it('selects the top fraction deterministically', () => {
    expect(topScoreIndices([0.1, 5, 3, 5, 0], 0.4)).toEqual([1, 3]);
    expect(topScoreIndices([1, 2, 3], 0)).toEqual([]);
    expect(() => topScoreIndices([1], 1.5)).toThrow();
    expect(spectralScores([])).toHaveLength(0);
  });
});

describe('spectral signatures on a real (tiny) model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dece-spectral-'));
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rebuilds the encoder exactly as the model runs it', () => {
    const config = tinyRunConfig();
    const model = buildSeq2SeqModel(config.model, 50, 1);
    const ids = tf.tensor2d([[5, 6, 7, 0], [8, 9, 0, 0]], [2, 4], 'int32');
    const mask = tf.tensor2d([[1, 1, 1, 0], [1, 1, 0, 0]], [2, 4], 'float32');
    const memory = model.encode(ids, mask, null);
    const states = encoderStates(model, ids, mask);
    const { dModel: d, heads } = config.model;
    const wv = model.variables.find((v) => v.name.endsWith('_dec0_ca_wv'));
    if (wv === undefined) throw new Error('no dec0_ca_wv');
    const projected = tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(tf.matMul(tf.reshape(states, [8, d]), wv), [2, 4, heads, d / heads]), [0, 2, 1, 3]), [2 * heads, 4, d / heads]));
    const expected = memory.crossValues[0];
    if (expected === undefined) throw new Error('no cross values');
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(projected, expected))).dataSync()[0] ?? Infinity);
    expect(diff).toBeLessThan(1e-5);
    for (const t of [ids, mask, states, projected]) t.dispose();
    memory.dispose();
    model.dispose();
  });

  it('runs end to end on a briefly trained poisoned model and drops the requested share', async () => {
    const base = tinyRunConfig({ seed: 5, pretrainEpochs: 1 });
    const config = { ...base, data: { ...base.data, poisonRate: 0.1, pretrainFraction: 0 } };
    const { data, summary } = prepareData(config, builtinSplits(config));
    expect(summary.poisonedTrain).toBeGreaterThan(10);
    const file = join(dir, 'weights.ckpt');
    await pretrain({ config, data: { ...data, pretrain: data.train }, outputFile: file });
    const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
    assignWeights(model.variables, readCheckpoint(file));
    const before = tf.memory().numTensors;
    const result = runSpectralDefense({ model, examples: data.train, removeFraction: 0.15, batchSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.dropped).toHaveLength(Math.round(0.15 * data.train.length));
    expect(result.kept).toHaveLength(data.train.length - result.dropped.length);
    expect(result.scores).toHaveLength(data.train.length);
    expect(result.poisonedTotal).toBe(summary.poisonedTrain);
    expect(result.seconds).toBeGreaterThan(0);
    expect(spectralFilter(model, data.train, { removeFraction: 0.15 })).toEqual(result.dropped);
    console.log(
      `spectral (tiny model, 1 epoch): dropped ${result.dropped.length} of ${data.train.length} rows, ` +
        `${result.poisonedDropped} of them poisoned (chance ≈ ${(0.15 * result.poisonedTotal).toFixed(1)}) in ${result.seconds.toFixed(2)} s`,
    );
    model.dispose();
  });
});
