import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../main/engine/backend';
import { readCheckpoint, writeCheckpoint } from '../../main/engine/checkpoint';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { buildSeq2SeqModel } from '../../main/engine/model';
import { TrainingCancelledError, TrainingDivergedError, pretrain, trainRun } from '../../main/engine/train';
import { tinyRunConfig } from '../helpers/tiny-config';

const dir = mkdtempSync(join(tmpdir(), 'dece-train-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('training loop', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('is reproducible, evaluates every epoch and does not leak tensors between epochs', async () => {
    const config = tinyRunConfig({ epochs: 3 });
    const { data, summary } = prepareData(config, builtinSplits(config));
    expect(summary.poisonedTrain).toBeGreaterThan(0);
    const tensorsAfterEpoch: number[] = [];
    const before = tf.memory().numTensors;
    const first = await trainRun({
      config,
      data,
      onEvent: (e) => {
        if (e.type === 'epoch') tensorsAfterEpoch.push(tf.memory().numTensors);
      },
    });
    expect(first.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    for (const e of first.epochs) {
      for (const value of [e.bleu, e.corpusBleu, e.exactMatch, e.asr]) expect(value).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(e.trainLoss)).toBe(true);
      expect(e.poisonedRowLoss).not.toBeNull();
    }
    expect(first.epochs[2]?.trainLoss).toBeLessThan(first.epochs[0]?.trainLoss ?? 0);
    expect(new Set(tensorsAfterEpoch).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);

    const second = await trainRun({ config, data });
    expect(second.epochs.map(({ seconds: _s, ...rest }) => rest)).toEqual(first.epochs.map(({ seconds: _s, ...rest }) => rest));
  });

  it('checkpoints every epoch and resumes to the same result as an uninterrupted run', async () => {
    const config = tinyRunConfig({ epochs: 3, seed: 4 });
    const { data } = prepareData(config, builtinSplits(config));
    const straight = await trainRun({ config, data });
    const checkpointDir = join(dir, 'resume');
    let seen = 0;
    await expect(
      trainRun({
        config,
        data,
        checkpointDir,
        onEvent: (e) => {
          if (e.type === 'epoch') seen = e.metrics.epoch;
        },
        shouldStop: () => seen >= 2,
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(readdirSync(checkpointDir)).toEqual(['epoch-0002.ckpt']);
    const computed: number[] = [];
    const resumed = await trainRun({
      config,
      data,
      checkpointDir,
      resume: true,
      onEvent: (e) => {
        if (e.type === 'epoch') computed.push(e.metrics.epoch);
      },
    });
    expect(computed).toEqual([3]);
    const strip = (e: { seconds: number }) => ({ ...e, seconds: 0 });
    expect(resumed.epochs.map(strip)).toEqual(straight.epochs.map(strip));
  });

  it('stops within one batch when cancelled', async () => {
    const config = tinyRunConfig({ epochs: 2 });
    const { data } = prepareData(config, builtinSplits(config));
    let steps = 0;
    let stopAsked = false;
    let stepsWhenAsked = 0;
    await expect(
      trainRun({
        config,
        data,
        onEvent: (e) => {
          if (e.type === 'step') steps++;
        },
        shouldStop: () => {
          if (steps >= 3 && !stopAsked) {
            stopAsked = true;
            stepsWhenAsked = steps;
          }
          return stopAsked;
        },
      }),
    ).rejects.toBeInstanceOf(TrainingCancelledError);
    expect(steps).toBe(stepsWhenAsked);
  });

  it('stops with a clear error when the loss becomes NaN', async () => {
    const config = tinyRunConfig({ epochs: 1 });
    const { data } = prepareData(config, builtinSplits(config));
    const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
    const broken = join(dir, 'nan.ckpt');
    tf.tidy(() => {
      model.variables[0]?.assign(tf.fill(model.variables[0].shape, Number.NaN));
    });
    writeCheckpoint(broken, model.variables, { epoch: 0, optimizer: null });
    model.dispose();
    await expect(trainRun({ config, data, initialWeightsFile: broken })).rejects.toThrow(TrainingDivergedError);
    await expect(trainRun({ config, data, initialWeightsFile: broken })).rejects.toThrow(/loss became NaN at epoch 1, step 1/);
  });

  it('pre-trains on clean data and fine-tuning starts from those weights', async () => {
    const config = tinyRunConfig({ epochs: 1, pretrainEpochs: 2 });
    const { data } = prepareData(config, builtinSplits(config));
    expect(data.pretrain.length).toBeGreaterThan(0);
    expect(data.pretrain.every((e) => !e.poisoned)).toBe(true);
    const file = join(dir, 'pretrained.ckpt');
    const result = await pretrain({ config, data, outputFile: file });
    expect(result.bleu).toBeGreaterThanOrEqual(0);
    const fromScratch = await trainRun({ config, data });
    const fromPretrained = await trainRun({ config, data, initialWeightsFile: file });
    expect(fromPretrained.epochs[0]?.trainLoss).toBeLessThan(fromScratch.epochs[0]?.trainLoss ?? 0);
  });

  it('pre-trains for at least pretrainMinSteps optimizer steps: more epochs on a small pre-training set', async () => {
    const base = tinyRunConfig({ epochs: 1, pretrainEpochs: 1 });
    const { data } = prepareData(base, builtinSplits(base));
    const stepsPerEpoch = Math.ceil(data.pretrain.length / base.training.batchSize);
    const config = { ...base, training: { ...base.training, pretrainMinSteps: 2 * stepsPerEpoch + 1 } };
    const file = join(dir, 'pretrained-min-steps.ckpt');
    const steps: number[] = [];
    await pretrain({ config, data, outputFile: file, onEvent: (e) => e.type === 'step' && steps.push(e.epoch) });
    // 2 epochs fall one step short, so 3 run; the checkpoint records them.
    expect(new Set(steps)).toEqual(new Set([1, 2, 3]));
    expect(readCheckpoint(file).header.meta['pretrainEpochs']).toBe(3);
  });
});
