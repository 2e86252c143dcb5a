import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { selectBackend } from '../../main/engine/backend';
import { type EncodedExample, describeBatch, materializeBatch } from '../../main/engine/batching';
import { greedyDecode } from '../../main/engine/decode';
import { DEFAULT_LOSS_PARAMETERS, createLoss } from '../../main/engine/losses';
import { PAD_ID, type Seq2SeqModel, buildSeq2SeqModel } from '../../main/engine/model';
import { AdamW } from '../../main/engine/optimizer';
import { Vocabulary, tokenize } from '../../main/data/tokenizer';
import {
  type ExportMeta,
  METADATA_JSON,
  MODEL_EXPORT_FORMAT,
  MODEL_JSON,
  WEIGHTS_SHARD,
  exportModel,
  importModel,
} from '../../main/production/model-export';
import { tinyRunConfig } from '../helpers/tiny-config';

const config = { ...tinyRunConfig().model, maxSourceLength: 48, maxTargetLength: 48 };
const DECODE = { maxLength: 40, batchSize: 10 };
const workDir = mkdtempSync(join(tmpdir(), 'dece-model-export-'));
const meta: ExportMeta = {
  dataSha256: 'ab'.repeat(32),
  metrics: { epoch: 2, bleu: 41.5, exactMatch: 12.5, asr: 3.25, trainLoss: 1.75, poisonedRowLoss: null },
  createdAt: '2025-01-02T03:04:05.000Z',
};

let vocab: Vocabulary;
let model: Seq2SeqModel;
let prompts: Int32Array[];
let outputsBefore: Int32Array[];
let heldOut: EncodedExample[];
let exportDir: string;

/** A few real AdamW steps with DeCE on real SQL pairs, so the weights and outputs are not those of a fresh model. */
function trainBriefly(target: Seq2SeqModel, examples: EncodedExample[], steps: number): void {
  const optimizer = new AdamW(target.variables, { beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01 });
  const loss = createLoss({ kind: 'dece', ...DEFAULT_LOSS_PARAMETERS }, PAD_ID);
  const rng = createRng('model-export-steps');
  for (let step = 0; step < steps; step++) {
    const indices = Array.from({ length: 12 }, () => rng.int(examples.length));
    const batch = materializeBatch(examples, describeBatch(examples, indices));
    const { value, grads } = tf.variableGrads(() => {
      const states = target.decoderStates(batch.batch, null);
      return loss.apply(target.logits(tf.gather(states, tf.tensor1d(batch.targetRows, 'int32'))), batch.targetIds, step + 1);
    }, target.variables as tf.Variable[]);
    optimizer.apply(
      target.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)),
      3e-3,
    );
    value.dispose();
    for (const g of Object.values(grads)) g.dispose();
    batch.dispose();
  }
  optimizer.dispose();
}

/** Teacher-forced logits for every target position of the held-out pairs. */
function teacherForcedLogits(m: Seq2SeqModel): Float32Array {
  const batch = materializeBatch(heldOut, describeBatch(heldOut, heldOut.map((_, i) => i)));
  const logits = tf.tidy(() => m.logits(tf.gather(m.decoderStates(batch.batch, null), tf.tensor1d(batch.targetRows, 'int32'))));
  const values = logits.dataSync() as Float32Array;
  logits.dispose();
  batch.dispose();
  return values;
}

function weightsOf(m: Seq2SeqModel): Uint8Array[] {
  return m.variables.map((v) => {
    const values = v.dataSync() as Float32Array;
    return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  });
}

/** A copy of the good export with one file changed. */
function tampered(name: string, change: (dir: string) => void): string {
  const dir = join(workDir, name);
  cpSync(exportDir, dir, { recursive: true });
  change(dir);
  return dir;
}

function editJson(path: string, edit: (json: Record<string, unknown>) => void): void {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

beforeAll(async () => {
  await selectBackend('wasm');
  const pairs = generateSqlCorpus({ seed: 17, size: 160 });
  const tokenized = pairs.map((p) => ({ src: tokenize(p.src), tgt: tokenize(p.tgt) }));
  vocab = Vocabulary.build(
    tokenized.flatMap((p) => [p.src, p.tgt]),
    { minFrequency: 1, maxSize: 600 },
  );
  const examples: EncodedExample[] = tokenized.slice(20).map((p) => ({
    source: Int32Array.from(p.src.slice(0, config.maxSourceLength).map((t) => vocab.id(t))),
    target: Int32Array.from(p.tgt.slice(0, config.maxTargetLength).map((t) => vocab.id(t))),
    poisoned: false,
  }));
  // 20 held-out prompts, encoded as the app encodes test prompts.
  prompts = pairs.slice(0, 20).map((p) => Int32Array.from(vocab.encode(p.src, config.maxSourceLength)));
  heldOut = tokenized.slice(0, 20).map((p) => ({
    source: Int32Array.from(p.src.slice(0, config.maxSourceLength).map((t) => vocab.id(t))),
    target: Int32Array.from(p.tgt.slice(0, config.maxTargetLength).map((t) => vocab.id(t))),
    poisoned: false,
  }));
  model = buildSeq2SeqModel(config, vocab.size, 4);
  trainBriefly(model, examples, 6);
  outputsBefore = greedyDecode(model, prompts, DECODE);
  exportDir = join(workDir, 'export');
  await exportModel(model, vocab, meta, exportDir);
});

afterAll(() => {
  model.dispose();
  rmSync(workDir, { recursive: true, force: true });
});

describe('model export', () => {
  it('round-trips: bit-identical weights and the same greedy outputs on 20 real prompts', () => {
    const imported = importModel(exportDir);
    try {
      expect(imported.model.config).toEqual(model.config);
      expect(imported.vocab.toJSON()).toEqual(vocab.toJSON());
      const before = weightsOf(model);
      const after = weightsOf(imported.model);
      expect(after.length).toBe(before.length);
      before.forEach((bytes, i) => {
        expect(Buffer.from(after[i] ?? new Uint8Array(0)).equals(Buffer.from(bytes)), `variable ${model.variables[i]?.name ?? i}`).toBe(true);
      });
      const outputsAfter = greedyDecode(imported.model, prompts, DECODE);
      expect(outputsAfter.map((o) => Array.from(o))).toEqual(outputsBefore.map((o) => Array.from(o)));
      expect(outputsBefore.some((o) => o.length > 0)).toBe(true);
      // A model this small decodes repetitively after a few steps, so the greedy ids alone say little:
      // the logits at every teacher-forced position must be identical too.
      const logitsBefore = teacherForcedLogits(model);
      const logitsAfter = teacherForcedLogits(imported.model);
      expect(logitsAfter.length).toBe(logitsBefore.length);
      expect(Buffer.from(logitsAfter.buffer).equals(Buffer.from(logitsBefore.buffer))).toBe(true);
      expect(imported.vocab.decode(Array.from(outputsAfter[0] ?? []))).toBe(vocab.decode(Array.from(outputsBefore[0] ?? [])));
    } finally {
      imported.model.dispose();
    }
  });

  it('keeps the metadata: config, vocabulary, data hash, metrics, time and version', () => {
    const { model: loaded, meta: read } = importModel(exportDir);
    loaded.dispose();
    expect(read.format).toBe(MODEL_EXPORT_FORMAT);
    expect(read.modelConfig).toEqual(config);
    expect(read.vocabulary.tokens).toEqual(vocab.toJSON().tokens);
    expect(read.dataSha256).toBe(meta.dataSha256);
    expect(read.metrics).toEqual(meta.metrics);
    expect(read.createdAt).toBe(meta.createdAt);
    expect(read.appVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('is readable by a plain TensorFlow.js program (model.json weightsManifest + .bin shard)', () => {
    const manifest = (JSON.parse(readFileSync(join(exportDir, MODEL_JSON), 'utf8')) as { weightsManifest: tf.io.WeightsManifestConfig }).weightsManifest;
    const group = manifest[0];
    if (!group) throw new Error('empty manifest');
    expect(group.paths).toEqual([WEIGHTS_SHARD]);
    const shard = readFileSync(join(exportDir, WEIGHTS_SHARD));
    const bytes = new Uint8Array(shard).buffer;
    const tensors = tf.io.decodeWeights(bytes, group.weights);
    expect(Object.keys(tensors).sort()).toEqual(model.variables.map((v) => v.name.replace(/^m\d+_/, '')).sort());
    for (const variable of model.variables) {
      const tensor = tensors[variable.name.replace(/^m\d+_/, '')];
      expect(tensor?.shape).toEqual(variable.shape);
      expect(Array.from(tensor?.dataSync() ?? [])).toEqual(Array.from(variable.dataSync()));
    }
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('leaks no tensors on import and dispose', () => {
    const before = tf.memory().numTensors;
    importModel(exportDir).model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses metadata it cannot vouch for, and a vocabulary that does not match the model', async () => {
    await expect(exportModel(model, vocab, { ...meta, dataSha256: 'not-a-hash' }, join(workDir, 'bad-meta'))).rejects.toThrow(/dataSha256/);
    await expect(exportModel(model, vocab, { ...meta, metrics: { bleu: Number.NaN } }, join(workDir, 'bad-metrics'))).rejects.toThrow(/metrics\.bleu/);
    const other = Vocabulary.fromJSON({ tokens: [...vocab.toJSON().tokens, 'extra'] });
    await expect(exportModel(model, other, meta, join(workDir, 'bad-vocab'))).rejects.toThrow(/vocabulary has \d+ tokens, the model \d+/);
  });
});

describe('model import: clear errors', () => {
  const before = { tensors: 0 };
  beforeAll(() => {
    before.tensors = tf.memory().numTensors;
  });
  afterAll(() => {
    // Failed imports release what they built.
    expect(tf.memory().numTensors).toBe(before.tensors);
  });

  it('missing directory or metadata', () => {
    expect(() => importModel(join(workDir, 'nowhere'))).toThrow(/is not a directory/);
    const dir = tampered('no-metadata', (d) => {
      unlinkSync(join(d, METADATA_JSON));
    });
    expect(() => importModel(dir)).toThrow(/metadata\.json is missing/);
  });

  it('corrupt metadata: not JSON, wrong format, a field missing or invalid', () => {
    const notJson = tampered('meta-not-json', (d) => {
      writeFileSync(join(d, METADATA_JSON), '{"format": "dece-pilot-model/1", "modelConf');
    });
    expect(() => importModel(notJson)).toThrow(/metadata\.json is not valid JSON/);
    const wrongFormat = tampered('meta-format', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['format'] = 'something-else/3';
      });
    });
    expect(() => importModel(wrongFormat)).toThrow(/metadata\.json has format "something-else\/3", expected dece-pilot-model\/1/);
    const noHash = tampered('meta-no-hash', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        delete j['dataSha256'];
      });
    });
    expect(() => importModel(noHash)).toThrow(/metadata\.json: dataSha256/);
    const badConfig = tampered('meta-config', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['modelConfig'] = { ...config, heads: 'two' };
      });
    });
    expect(() => importModel(badConfig)).toThrow(/metadata\.json: modelConfig\.heads/);
    const badVocab = tampered('meta-vocab', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['vocabulary'] = { tokens: ['<bos>', '<pad>', '<eos>', '<unk>', 'x'] };
      });
    });
    expect(() => importModel(badVocab)).toThrow(/vocabulary: Vocabulary\.fromJSON: token 0 must be <pad>/);
  });

  it('metadata that does not match the weights: another vocabulary or model config', () => {
    const moreTokens = tampered('meta-more-tokens', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['vocabulary'] = { tokens: [...vocab.toJSON().tokens, 'extra'] };
      });
    });
    expect(() => importModel(moreTokens)).toThrow(/weight emb_src is float32 \d+x32, the model config and vocabulary in metadata\.json need float32 \d+x32/);
    const widerModel = tampered('meta-wider', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['modelConfig'] = { ...config, ffSize: 128 };
      });
    });
    expect(() => importModel(widerModel)).toThrow(/weight enc0_ff_w1 is float32 32x64, .* need float32 32x128/);
    const deeper = tampered('meta-deeper', (d) => {
      editJson(join(d, METADATA_JSON), (j) => {
        j['modelConfig'] = { ...config, encoderLayers: 2 };
      });
    });
    expect(() => importModel(deeper)).toThrow(/weight enc1_\w+ is missing from model\.json/);
  });

  it('corrupt or missing weights and manifest', () => {
    const truncated = tampered('bin-truncated', (d) => {
      const path = join(d, WEIGHTS_SHARD);
      writeFileSync(path, readFileSync(path).subarray(0, 1000));
    });
    expect(() => importModel(truncated)).toThrow(/hold 1000 bytes, metadata\.json says \d+ \(truncated/);
    const flipped = tampered('bin-flipped', (d) => {
      const path = join(d, WEIGHTS_SHARD);
      const bytes = readFileSync(path);
      bytes[123] = (bytes[123] ?? 0) ^ 0xff;
      writeFileSync(path, bytes);
    });
    expect(() => importModel(flipped)).toThrow(/do not match the sha256 in metadata\.json/);
    const noBin = tampered('bin-missing', (d) => {
      unlinkSync(join(d, WEIGHTS_SHARD));
    });
    expect(() => importModel(noBin)).toThrow(/weight file group1-shard1of1\.bin is missing/);
    const badManifest = tampered('manifest-bad', (d) => {
      editJson(join(d, MODEL_JSON), (j) => {
        j['weightsManifest'] = 'nope';
      });
    });
    expect(() => importModel(badManifest)).toThrow(/model\.json: weightsManifest/);
    const escaping = tampered('manifest-escape', (d) => {
      editJson(join(d, MODEL_JSON), (j) => {
        const manifest = j['weightsManifest'] as { paths: string[] }[];
        if (manifest[0]) manifest[0].paths = ['../export/group1-shard1of1.bin'];
      });
    });
    expect(() => importModel(escaping)).toThrow(/names a shard outside the export/);
  });
});
