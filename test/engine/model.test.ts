import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../main/data/rng';
import { selectBackend } from '../../main/engine/backend';
import { type EncodedExample, materializeBatch, planBatches } from '../../main/engine/batching';
import { greedyDecode } from '../../main/engine/decode';
import { DEFAULT_LOSS_PARAMETERS, createLoss } from '../../main/engine/losses';
import { BOS_ID, EOS_ID, PAD_ID, buildSeq2SeqModel, parseModelConfig } from '../../main/engine/model';
import type { ModelConfig } from '../../common/run-config';

const config: ModelConfig = { dModel: 32, heads: 4, encoderLayers: 2, decoderLayers: 2, ffSize: 64, dropout: 0.1, maxSourceLength: 24, maxTargetLength: 24, tiedEmbeddings: true };
const VOCAB = 40;

function examples(n: number, seed: number): EncodedExample[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const source = Int32Array.from({ length: 3 + rng.int(8) }, () => 4 + rng.int(VOCAB - 4));
    return { source, target: source.slice().reverse(), poisoned: false };
  });
}

describe('transformer builder', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('rejects an invalid config with the field named', () => {
    expect(() => parseModelConfig({ ...config, dModel: 30 })).toThrow(/dModel/);
    expect(() => parseModelConfig({ ...config, dropout: 1 })).toThrow(/dropout/);
    expect(() => buildSeq2SeqModel(config, 2, 1)).toThrow(/vocabulary size/);
  });

  it('builds the same weights from the same seed, different ones from another', () => {
    const a = buildSeq2SeqModel(config, VOCAB, 5);
    const b = buildSeq2SeqModel(config, VOCAB, 5);
    const c = buildSeq2SeqModel(config, VOCAB, 6);
    const first = (m: typeof a) => Array.from(m.variables[0]?.dataSync() ?? []).concat(Array.from(m.variables[3]?.dataSync() ?? []));
    expect(first(a)).toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
    // Tied embeddings: no separate target table or output matrix.
    const untied = buildSeq2SeqModel({ ...config, tiedEmbeddings: false }, VOCAB, 5);
    const count = (m: typeof a) => m.variables.reduce((n, v) => n + v.size, 0);
    expect(count(untied) - count(a)).toBe(2 * VOCAB * config.dModel);
    for (const m of [a, b, c, untied]) m.dispose();
  });

  it('decodes with cached keys and values exactly as a full recomputation would', () => {
    const before = tf.memory().numTensors;
    const model = buildSeq2SeqModel({ ...config, dropout: 0 }, VOCAB, 9);
    const sources = examples(6, 2).map((e) => e.source);
    const cached = greedyDecode(model, sources, { maxLength: 12, batchSize: 4 });
    // Recompute each step from scratch with the teacher-forced path and argmax.
    sources.forEach((source, i) => {
      const produced: number[] = [];
      for (let step = 0; step < 12; step++) {
        const next = tf.tidy(() => {
          const batch = {
            source: tf.tensor2d(source, [1, source.length], 'int32'),
            sourceMask: tf.ones<tf.Rank.R2>([1, source.length]),
            decoderInput: tf.tensor2d([BOS_ID, ...produced], [1, produced.length + 1], 'int32'),
          };
          const states = model.decoderStates(batch, null);
          const last = tf.slice(states, [produced.length, 0], [1, config.dModel]);
          return tf.argMax(model.logits(last), 1).dataSync()[0] ?? EOS_ID;
        });
        if (next === EOS_ID) break;
        produced.push(next);
      }
      expect(Array.from(cached[i] ?? [])).toEqual(produced);
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('one full training step gives the same loss and gradients on wasm and on cpu', async () => {
    const data = examples(16, 4);
    const plan = planBatches(data, 16, createRng(1))[0];
    if (!plan) throw new Error('no batch');
    const run = async (backend: 'wasm' | 'cpu') => {
      await selectBackend(backend);
      const model = buildSeq2SeqModel(config, VOCAB, 11);
      const batch = materializeBatch(data, plan);
      const loss = createLoss({ kind: 'dece', ...DEFAULT_LOSS_PARAMETERS }, PAD_ID);
      const { value, grads } = tf.variableGrads(() => {
        const states = model.decoderStates(batch.batch, { dropout: 0.1, nextSeed: (() => { let s = 100; return () => s++; })() });
        return loss.apply(model.logits(tf.gather(states, tf.tensor1d(batch.targetRows, 'int32'))), batch.targetIds, 2);
      }, model.variables as tf.Variable[]);
      const result = { loss: value.dataSync()[0] ?? Number.NaN, grads: model.variables.map((v) => Array.from(grads[v.name]?.dataSync() ?? [])) };
      value.dispose();
      Object.values(grads).forEach((g) => { g.dispose(); });
      batch.dispose();
      model.dispose();
      return result;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    await selectBackend('wasm');
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThanOrEqual(1e-4);
    let worst = 0;
    cpu.grads.forEach((g, i) => {
      const w = wasm.grads[i] ?? [];
      const scale = Math.max(...g.map(Math.abs), 1e-6);
      g.forEach((value, k) => {
        worst = Math.max(worst, Math.abs((w[k] ?? Number.NaN) - value) / scale);
      });
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
