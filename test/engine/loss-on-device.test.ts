import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { selectBackend } from '../../main/engine/backend';
import { greedyDecode } from '../../main/engine/decode';
import { builtinSplits, prepareData } from '../../main/engine/experiment';
import { LOSS_IMPLEMENTATION_ENV } from '../../main/engine/losses';
import { buildSeq2SeqModel } from '../../main/engine/model';
import { trainRun } from '../../main/engine/train';
import { tinyRunConfig } from '../helpers/tiny-config';

/**
 * The host syncs the engine makes: each Tensor.dataSync() (arraySync goes through it) copies a tensor
 * to JavaScript and waits for the device. (Kernels' own internal reads on wasm are not host syncs of ours.)
 */
function recordReads(active: () => boolean = () => true): { lengths: number[]; restore: () => void } {
  const prototype = tf.Tensor.prototype;
  const original = Object.getOwnPropertyDescriptor(prototype, 'dataSync')?.value as (this: tf.Tensor) => ReturnType<tf.Tensor['dataSync']>;
  const lengths: number[] = [];
  const spy = vi.spyOn(prototype, 'dataSync').mockImplementation(function (this: tf.Tensor) {
    if (active()) lengths.push(this.size);
    return original.call(this);
  });
  return {
    lengths,
    restore: () => {
      spy.mockRestore();
    },
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('training with the loss on the device', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  /** One epoch of a real run; the reads and tensor counts of its training steps (evaluation excluded). */
  async function trainOneEpoch(implementation: 'fused' | 'tensor') {
    vi.stubEnv(LOSS_IMPLEMENTATION_ENV, implementation);
    const config = tinyRunConfig({ epochs: 1, loss: 'dece' });
    const { data } = prepareData(config, builtinSplits(config));
    let training = true;
    const reads = recordReads(() => training);
    const tensorsAfterStep: number[] = [];
    const before = tf.memory().numTensors;
    try {
      const result = await trainRun({
        config,
        data,
        onEvent: (event) => {
          if (event.type === 'step') tensorsAfterStep.push(tf.memory().numTensors);
          // Evaluation (greedy decoding) is not training: its reads are checked below.
          if (event.type === 'phase' && event.phase === 'evaluate') training = false;
        },
      });
      return { result, tensorsAfterStep, before, after: tf.memory().numTensors, vocab: data.vocab.size, batchSize: config.training.batchSize, reads: reads.lengths };
    } finally {
      reads.restore();
    }
  }

  it('a training step on the tensor-op path keeps tf.memory().numTensors flat and copies no [rows, vocab] softmax to JavaScript', async () => {
    const tensor = await trainOneEpoch('tensor');
    expect(tensor.tensorsAfterStep.length).toBeGreaterThan(2);
    expect(new Set(tensor.tensorsAfterStep).size).toBe(1);
    expect(tensor.after).toBe(tensor.before);
    expect(Number.isFinite(tensor.result.epochs[0]?.trainLoss)).toBe(true);
    expect(tensor.result.epochs[0]?.poisonedRowLoss).not.toBeNull();
    // Every step's logits have at least batchSize rows: nothing that large may be read back.
    const smallestLogits = tensor.batchSize * tensor.vocab;
    expect(tensor.vocab).toBeGreaterThan(101);
    expect(Math.max(...tensor.reads)).toBeLessThan(smallestLogits);

    // The control: the fused pass does read the softmax back, every step.
    const fused = await trainOneEpoch('fused');
    expect(fused.reads.filter((n) => n >= smallestLogits).length).toBeGreaterThanOrEqual(fused.tensorsAfterStep.length);
    expect(fused.result.epochs[0]?.trainLoss).toBeCloseTo(tensor.result.epochs[0]?.trainLoss ?? Number.NaN, 3);
  });
});

describe('greedy decoding', () => {
  it('reads back only the chosen ids, one [batch] read per generated position', async () => {
    await selectBackend('wasm');
    const model = buildSeq2SeqModel(tinyRunConfig().model, 200, 5);
    const sources = Array.from({ length: 6 }, (_, i) => Int32Array.from([5 + i, 6 + i, 7 + i, 8]));
    const reads = recordReads();
    let outputs: Int32Array[];
    try {
      outputs = greedyDecode(model, sources, { maxLength: 9, batchSize: 6 });
    } finally {
      reads.restore();
      model.dispose();
    }
    const positions = Math.max(...outputs.map((o) => o.length)) + 1;
    expect(reads.lengths.length).toBeLessThanOrEqual(Math.min(positions, 9));
    expect(reads.lengths.every((n) => n === 6)).toBe(true);
  });
});
