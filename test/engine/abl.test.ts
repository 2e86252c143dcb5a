import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AblConfigSchema, DEFAULT_ABL_PARAMETERS, type AblConfig } from '../../common/abl';
import { RunConfigSchema, type RunConfig } from '../../common/run-config';
import { createRng } from '../../main/data/rng';
import { ablPhase, checkAblSchedule, isolateLowestLoss, sampleLosses } from '../../main/engine/abl';
import { selectBackend } from '../../main/engine/backend';
import type { EncodedExample } from '../../main/engine/batching';
import { assignWeights, readCheckpoint } from '../../main/engine/checkpoint';
import { latestCheckpoint } from '../../main/engine/checkpoint-format';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { buildSeq2SeqModel } from '../../main/engine/model';
import { type PreparedData, trainRun } from '../../main/engine/train';
import { tinyRunConfig } from '../helpers/tiny-config';

const dir = mkdtempSync(join(tmpdir(), 'dece-abl-test-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const withAbl = (config: RunConfig, abl: AblConfig): RunConfig => ({ ...config, loss: { ...config.loss, kind: 'ce' }, training: { ...config.training, abl } });

describe('anti-backdoor learning: schedule and isolation', () => {
  it('validates its parameters in the run config and refuses a schedule that does not fit the run', () => {
    expect(RunConfigSchema.safeParse(withAbl(tinyRunConfig({ epochs: 3 }), DEFAULT_ABL_PARAMETERS)).success).toBe(true);
    for (const bad of [{ isolationShare: 0 }, { isolationShare: 0.9 }, { gamma: -1 }, { isolationEpochs: 0 }, { unlearningEpochs: 1.5 }]) {
      expect(AblConfigSchema.safeParse({ ...DEFAULT_ABL_PARAMETERS, ...bad }).success).toBe(false);
    }
    expect(() => {
      checkAblSchedule(DEFAULT_ABL_PARAMETERS, 2);
    }).toThrow(/2 isolation \+ 1 unlearning epochs, but the run has 2/);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((e) => ablPhase(DEFAULT_ABL_PARAMETERS, e, 8))).toEqual(['isolate', 'isolate', 'train', 'train', 'train', 'train', 'train', 'unlearn']);
  });

  it('isolates the planted fast-learned rows from a scripted loss sequence', () => {
    // 200 rows; the 6 planted ones are learned fast (loss × 0.3 per epoch), the clean ones slowly (× 0.85),
    // each with its own starting loss and noise, as under the LGA loss before the floor is reached.
    const rng = createRng('abl-scripted');
    const planted = new Set([7, 40, 41, 99, 150, 199]);
    const start = Array.from({ length: 200 }, () => 2 + 2 * rng.next());
    const lossAfter = (epoch: number) => start.map((s, i) => s * (planted.has(i) ? 0.3 : 0.85) ** epoch * (0.9 + 0.2 * rng.next()));
    expect(isolateLowestLoss(lossAfter(0), 0.03).filter((i) => planted.has(i)).length).toBeLessThan(6);
    expect(isolateLowestLoss(lossAfter(2), 0.03)).toEqual([...planted]);
    expect(isolateLowestLoss([0.5, 0.1], 0.01)).toEqual([1]);
  });
});

describe('anti-backdoor learning: real training steps', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  /** A checkpoint's mean per-token loss on the given examples, read at each epoch event. */
  function lossesPerEpoch(config: RunConfig, data: PreparedData, probe: readonly EncodedExample[], checkpointDir: string) {
    const model = buildSeq2SeqModel(config.model, data.vocab.size, config.seed);
    const initial = Array.from(sampleLosses(model, probe));
    const perEpoch: number[][] = [];
    const tensorsAfterEpoch: number[] = [];
    const onEvent = (event: { type: string }) => {
      if (event.type !== 'epoch') return;
      const latest = latestCheckpoint(checkpointDir);
      if (!latest) throw new Error('no checkpoint');
      assignWeights(model.variables, readCheckpoint(latest.path));
      perEpoch.push(Array.from(sampleLosses(model, probe)));
      tensorsAfterEpoch.push(tf.memory().numTensors);
    };
    return { initial, perEpoch, tensorsAfterEpoch, onEvent, dispose: () => { model.dispose(); } };
  }

  it('LGA pushes a sample below γ back up, and unlearning lowers the isolated sample\'s likelihood, without leaking tensors', async () => {
    const base = tinyRunConfig({ epochs: 3, seed: 5 });
    const { data } = prepareData(base, builtinSplits(base));
    const scripted = data.train[0];
    if (!scripted) throw new Error('no training row');
    // Every row is the scripted sample, so whatever is isolated is that sample.
    const scriptedData: PreparedData = { ...data, train: Array.from({ length: 16 }, () => scripted) };
    const mean = (xs: readonly number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0) / Math.max(1, xs?.length ?? 0);

    // γ = 0: the isolation epoch is plain descent; then two epochs of ascent on the isolated copies.
    const config = withAbl(base, { isolationShare: 0.5, gamma: 0, isolationEpochs: 1, unlearningEpochs: 2 });
    const checkpointDir = join(dir, 'unlearn');
    const before = tf.memory().numTensors;
    const probe = lossesPerEpoch(config, scriptedData, [scripted], checkpointDir);
    const phases: string[] = [];
    await trainRun({
      config,
      data: scriptedData,
      checkpointDir,
      onEvent: (e) => {
        if (e.type === 'phase' && e.message.startsWith('anti-backdoor')) phases.push(e.message);
        probe.onEvent(e);
      },
    });
    expect(phases).toEqual(['anti-backdoor learning: isolated the 8 lowest-loss of 16 training rows (0 of them poisoned)']);
    const [afterDescent, , afterUnlearning] = probe.perEpoch;
    expect(mean(afterDescent)).toBeLessThan(mean(probe.initial));
    expect(mean(afterUnlearning)).toBeGreaterThan(mean(afterDescent));
    expect(new Set(probe.tensorsAfterEpoch).size).toBe(1);
    probe.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // γ above the sample's loss: the LGA epoch ascends instead of descending.
    const high = withAbl(base, { isolationShare: 0.5, gamma: 50, isolationEpochs: 1, unlearningEpochs: 1 });
    const highDir = join(dir, 'lga-high');
    const highProbe = lossesPerEpoch(high, scriptedData, [scripted], highDir);
    await trainRun({ config: { ...high, training: { ...high.training, epochs: 2 } }, data: scriptedData, checkpointDir: highDir, onEvent: highProbe.onEvent });
    expect(mean(highProbe.perEpoch[0])).toBeGreaterThan(mean(highProbe.initial));
    highProbe.dispose();
  });

  it('resumes after the isolation epoch with the same isolated rows, to the result of an uninterrupted run', async () => {
    const base = tinyRunConfig({ epochs: 3, seed: 6 });
    const config = withAbl(base, { isolationShare: 0.1, gamma: 0.1, isolationEpochs: 1, unlearningEpochs: 1 });
    const { data } = prepareData(config, builtinSplits(config));
    const straight = await trainRun({ config, data });
    const checkpointDir = join(dir, 'abl-resume');
    let seen = 0;
    await expect(
      trainRun({
        config,
        data,
        checkpointDir,
        onEvent: (e) => {
          if (e.type === 'epoch') seen = e.metrics.epoch;
        },
        shouldStop: () => seen >= 1,
      }),
    ).rejects.toThrow(/cancelled/);
    const resumed = await trainRun({ config, data, checkpointDir, resume: true });
    const strip = (e: { seconds: number }) => ({ ...e, seconds: 0 });
    expect(resumed.epochs.map(strip)).toEqual(straight.epochs.map(strip));
  });

  it('runs isolation, training on the rest and unlearning on a tiny poisoned built-in corpus', async () => {
    // Not asserted: that the isolated rows are mostly poisoned. At this size they are not — a poisoned row's payload
    // tokens keep its mean loss above the clean rows' in the first epochs, so the lowest-loss rows are clean ones
    // (0 of 13 poisoned with 3 epochs of clean pre-training, where 2.6 would be chance). The README says so.
    const base = tinyRunConfig({ epochs: 3, seed: 2 });
    const config = withAbl({ ...base, data: { ...base.data, poisonRate: 0.2 } }, { isolationShare: 0.1, gamma: 0.1, isolationEpochs: 1, unlearningEpochs: 1 });
    const { data } = prepareData(config, builtinSplits(config));
    const phases: string[] = [];
    const stepsPerEpoch = new Map<number, number>();
    const result = await trainRun({
      config,
      data,
      onEvent: (e) => {
        if (e.type === 'phase' && e.message.startsWith('anti-backdoor')) phases.push(e.message);
        if (e.type === 'step') stepsPerEpoch.set(e.epoch, e.step);
      },
    });
    expect(result.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    const isolated = Math.round(0.1 * data.train.length);
    expect(phases).toHaveLength(1);
    console.log(`ABL on the tiny corpus, 20% poisoned: ${phases[0] ?? ''}`);
    expect(phases[0]).toMatch(new RegExp(`isolated the ${isolated} lowest-loss of ${data.train.length} training rows \\(\\d+ of them poisoned\\)`));
    // Epoch 2 trains on the rows that were not isolated, epoch 3 only on the isolated ones.
    expect([...stepsPerEpoch.values()]).toEqual([data.train.length, data.train.length - isolated, isolated].map((n) => Math.ceil(n / config.training.batchSize)));
  });
});
