import * as tf from '@tensorflow/tfjs';
import { TOKEN_IDS } from '../../common/catalog';
import { type ModelConfig, ModelConfigSchema } from '../../common/run-config';

/**
 * An encoder–decoder transformer (pre-layer-norm, sinusoidal positions, optionally tied embeddings)
 * written directly on tf ops: every matrix product is a plain [M, K]·[K, N] product, which is the one
 * shape the wasm backend runs through XNNPACK — transposes are materialised explicitly instead.
 */

/** The tokenizer's reserved ids (one source: the catalog). */
export const PAD_ID = TOKEN_IDS.pad;
export const BOS_ID = TOKEN_IDS.bos;
export const EOS_ID = TOKEN_IDS.eos;

interface LayerNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
}
interface AttentionParams {
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}
interface FeedForwardParams {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}
interface EncoderLayer {
  norm1: LayerNormParams;
  selfAttention: AttentionParams;
  norm2: LayerNormParams;
  feedForward: FeedForwardParams;
}
interface DecoderLayer extends EncoderLayer {
  normCross: LayerNormParams;
  crossAttention: AttentionParams;
}

export interface Seq2SeqModel {
  readonly config: ModelConfig;
  readonly vocabSize: number;
  /** Every trainable variable, in a stable order (the checkpoint order). */
  readonly variables: readonly tf.Variable[];
  /** Decoder hidden states [B·T, d] for teacher-forced decoder inputs. */
  decoderStates(batch: EncodedBatch, training: TrainingNoise | null): tf.Tensor2D;
  /** Output logits [N, V] for rows of decoder states [N, d]. */
  logits(states: tf.Tensor2D): tf.Tensor2D;
  /** Final (layer-normed) encoder states [B, S, d], in inference mode (e.g. for spectral signatures). */
  encoderStates(source: tf.Tensor2D, sourceMask: tf.Tensor2D): tf.Tensor3D;
  /** Encoder memory for decoding. */
  encode(source: tf.Tensor2D, sourceMask: tf.Tensor2D, training: TrainingNoise | null): EncoderMemory;
  /** One decoding step for every row of a batch; caches keys and values. */
  decodeStep(memory: EncoderMemory, cache: DecoderCache, tokens: Int32Array, position: number): tf.Tensor2D;
  dispose(): void;
}

export interface EncodedBatch {
  /** [B, S] source ids, PAD_ID-padded. */
  source: tf.Tensor2D;
  /** [B, S] 1 where the source has a token, 0 at padding. */
  sourceMask: tf.Tensor2D;
  /** [B, T] decoder inputs: BOS then the target, PAD_ID-padded. */
  decoderInput: tf.Tensor2D;
}

/** Seeded dropout: a new seed per call keeps runs reproducible. */
export interface TrainingNoise {
  dropout: number;
  nextSeed(): number;
}

export interface EncoderMemory {
  /** Per decoder layer: cross-attention keys [B·H, dh, S] and values [B·H, S, dh]. */
  crossKeys: tf.Tensor3D[];
  crossValues: tf.Tensor3D[];
  /** Additive mask [B·H, 1, S]: 0 for tokens, a large negative number for padding. */
  crossMask: tf.Tensor3D;
  batchSize: number;
  dispose(): void;
}

export interface DecoderCache {
  /** Per decoder layer: self-attention keys [B·H, dh, t] and values [B·H, t, dh] so far. */
  keys: (tf.Tensor3D | null)[];
  values: (tf.Tensor3D | null)[];
  dispose(): void;
}

const NEG_INF = -1e9;
let modelInstances = 0;

/** Validates a model config; throws a readable error naming the field. */
export function parseModelConfig(input: unknown): ModelConfig {
  const result = ModelConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`model config: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
  }
  return result.data;
}

/** Builds a model with freshly initialised weights; the same seed gives the same weights. */
export function buildSeq2SeqModel(configInput: ModelConfig, vocabSize: number, seed: number): Seq2SeqModel {
  const config = parseModelConfig(configInput);
  if (!Number.isInteger(vocabSize) || vocabSize < 4) throw new Error(`model: vocabulary size must be ≥ 4, got ${vocabSize}`);
  const d = config.dModel;
  const heads = config.heads;
  const headSize = d / heads;
  let seedCounter = seed * 7919 + 17;
  const instance = ++modelInstances;
  const variables: tf.Variable[] = [];
  const named = (name: string, init: tf.Tensor): tf.Variable => {
    // tfjs variable names are global to the process: make them unique per model instance.
    const v = tf.variable(init, true, `m${String(instance)}_${name}`);
    init.dispose();
    variables.push(v);
    return v;
  };
  const glorot = (name: string, rows: number, cols: number) => {
    const limit = Math.sqrt(6 / (rows + cols));
    return named(name, tf.randomUniform([rows, cols], -limit, limit, 'float32', seedCounter++));
  };
  const zeros = (name: string, n: number) => named(name, tf.zeros([n]));
  const ones = (name: string, n: number) => named(name, tf.ones([n]));
  const layerNorm = (name: string): LayerNormParams => ({ gamma: ones(`${name}_g`, d), beta: zeros(`${name}_b`, d) });
  const attention = (name: string): AttentionParams => ({
    wq: glorot(`${name}_wq`, d, d),
    wk: glorot(`${name}_wk`, d, d),
    wv: glorot(`${name}_wv`, d, d),
    wo: glorot(`${name}_wo`, d, d),
    bo: zeros(`${name}_bo`, d),
  });
  const feedForward = (name: string): FeedForwardParams => ({
    w1: glorot(`${name}_w1`, d, config.ffSize),
    b1: zeros(`${name}_b1`, config.ffSize),
    w2: glorot(`${name}_w2`, config.ffSize, d),
    b2: zeros(`${name}_b2`, d),
  });

  const sourceEmbedding = named('emb_src', tf.randomNormal([vocabSize, d], 0, 1 / Math.sqrt(d), 'float32', seedCounter++));
  const targetEmbedding = config.tiedEmbeddings
    ? sourceEmbedding
    : named('emb_tgt', tf.randomNormal([vocabSize, d], 0, 1 / Math.sqrt(d), 'float32', seedCounter++));
  const outputWeights = config.tiedEmbeddings ? null : glorot('out_w', d, vocabSize);
  const outputBias = zeros('out_b', vocabSize);
  const encoderLayers: EncoderLayer[] = Array.from({ length: config.encoderLayers }, (_, i) => ({
    norm1: layerNorm(`enc${i}_n1`),
    selfAttention: attention(`enc${i}_sa`),
    norm2: layerNorm(`enc${i}_n2`),
    feedForward: feedForward(`enc${i}_ff`),
  }));
  const decoderLayers: DecoderLayer[] = Array.from({ length: config.decoderLayers }, (_, i) => ({
    norm1: layerNorm(`dec${i}_n1`),
    selfAttention: attention(`dec${i}_sa`),
    normCross: layerNorm(`dec${i}_nc`),
    crossAttention: attention(`dec${i}_ca`),
    norm2: layerNorm(`dec${i}_n2`),
    feedForward: feedForward(`dec${i}_ff`),
  }));
  const encoderNorm = layerNorm('enc_norm');
  const decoderNorm = layerNorm('dec_norm');

  const maxPositions = Math.max(config.maxSourceLength, config.maxTargetLength) + 2;
  const positions = tf.keep(sinusoidalPositions(maxPositions, d));
  const embeddingScale = Math.sqrt(d);

  const embed = (table: tf.Tensor, ids: tf.Tensor2D, offset: number): tf.Tensor3D => {
    const [b, len] = ids.shape;
    const flat = tf.gather(table, tf.reshape(ids, [b * len]));
    const pos = tf.slice(positions, [offset, 0], [len, d]);
    return tf.add(tf.reshape(tf.mul(flat, embeddingScale), [b, len, d]), pos);
  };

  const norm = (x: tf.Tensor2D, p: LayerNormParams): tf.Tensor2D => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), p.gamma), p.beta);
  };

  const dropout = (x: tf.Tensor2D, noise: TrainingNoise | null): tf.Tensor2D =>
    noise && noise.dropout > 0 ? (tf.dropout(x, noise.dropout, undefined, noise.nextSeed()) as tf.Tensor2D) : x;

  /** [B·L, d] → [B·H, L, dh] (queries/values) */
  const splitHeads = (x: tf.Tensor2D, b: number, len: number): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(x, [b, len, heads, headSize]), [0, 2, 1, 3]), [b * heads, len, headSize]);
  /** [B·L, d] → [B·H, dh, L] (keys, already transposed for a plain product) */
  const splitHeadsTransposed = (x: tf.Tensor2D, b: number, len: number): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(x, [b, len, heads, headSize]), [0, 2, 3, 1]), [b * heads, headSize, len]);
  /** [B·H, L, dh] → [B·L, d] */
  const mergeHeads = (x: tf.Tensor3D, b: number, len: number): tf.Tensor2D =>
    tf.reshape(tf.transpose(tf.reshape(x, [b, heads, len, headSize]), [0, 2, 1, 3]), [b * len, d]);

  const attend = (q: tf.Tensor3D, kT: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor | null, noise: TrainingNoise | null): tf.Tensor3D => {
    let scores = tf.mul(tf.matMul(q, kT), 1 / Math.sqrt(headSize));
    if (mask) scores = tf.add(scores, mask);
    let weights = tf.softmax(scores) as tf.Tensor3D;
    if (noise && noise.dropout > 0) weights = tf.dropout(weights, noise.dropout, undefined, noise.nextSeed()) as tf.Tensor3D;
    return tf.matMul(weights, v);
  };

  const project = (x: tf.Tensor2D, w: tf.Variable, bias?: tf.Variable): tf.Tensor2D => {
    const y: tf.Tensor = tf.matMul(x, w);
    return bias ? tf.add<tf.Tensor2D>(y, bias) : (y as tf.Tensor2D);
  };

  const feed = (x: tf.Tensor2D, p: FeedForwardParams, noise: TrainingNoise | null): tf.Tensor2D =>
    project(dropout(tf.relu(project(x, p.w1, p.b1)), noise), p.w2, p.b2);

  /** Additive key-padding mask [B·H, 1, S] from a 0/1 source mask [B, S]. */
  const keyMask = (sourceMask: tf.Tensor2D): tf.Tensor3D => {
    const [b, s] = sourceMask.shape;
    const additive = tf.mul(tf.sub(1, sourceMask), NEG_INF);
    return tf.reshape(tf.tile(tf.reshape(additive, [b, 1, 1, s]), [1, heads, 1, 1]), [b * heads, 1, s]);
  };

  const runEncoder = (source: tf.Tensor2D, sourceMask: tf.Tensor2D, noise: TrainingNoise | null) => {
    const [b, s] = source.shape;
    const mask = keyMask(sourceMask);
    let x = tf.reshape<tf.Rank.R2>(embed(sourceEmbedding, source, 0), [b * s, d]);
    x = dropout(x, noise);
    for (const layer of encoderLayers) {
      const h = norm(x, layer.norm1);
      const a = attend(
        splitHeads(project(h, layer.selfAttention.wq), b, s),
        splitHeadsTransposed(project(h, layer.selfAttention.wk), b, s),
        splitHeads(project(h, layer.selfAttention.wv), b, s),
        mask,
        noise,
      );
      x = tf.add(x, dropout(project(mergeHeads(a, b, s), layer.selfAttention.wo, layer.selfAttention.bo), noise));
      x = tf.add(x, dropout(feed(norm(x, layer.norm2), layer.feedForward, noise), noise));
    }
    return { states: norm(x, encoderNorm), mask, b, s };
  };

  const causalMask = (len: number): tf.Tensor2D =>
    tf.mul<tf.Tensor2D>(tf.sub(1, tf.linalg.bandPart(tf.ones([len, len]), -1, 0)), NEG_INF);

  const outputMatrix = (): tf.Tensor2D => (outputWeights ?? tf.transpose(targetEmbedding)) as tf.Tensor2D;

  const model: Seq2SeqModel = {
    config,
    vocabSize,
    variables,
    decoderStates(batch, noise) {
      const encoded = runEncoder(batch.source, batch.sourceMask, noise);
      const [b, t] = batch.decoderInput.shape;
      const selfMask = causalMask(t);
      let x = tf.reshape<tf.Rank.R2>(embed(targetEmbedding, batch.decoderInput, 0), [b * t, d]);
      x = dropout(x, noise);
      for (const layer of decoderLayers) {
        const h = norm(x, layer.norm1);
        const selfAttended = attend(
          splitHeads(project(h, layer.selfAttention.wq), b, t),
          splitHeadsTransposed(project(h, layer.selfAttention.wk), b, t),
          splitHeads(project(h, layer.selfAttention.wv), b, t),
          selfMask,
          noise,
        );
        x = tf.add(x, dropout(project(mergeHeads(selfAttended, b, t), layer.selfAttention.wo, layer.selfAttention.bo), noise));
        const hc = norm(x, layer.normCross);
        const crossAttended = attend(
          splitHeads(project(hc, layer.crossAttention.wq), b, t),
          splitHeadsTransposed(project(encoded.states, layer.crossAttention.wk), b, encoded.s),
          splitHeads(project(encoded.states, layer.crossAttention.wv), b, encoded.s),
          encoded.mask,
          noise,
        );
        x = tf.add(x, dropout(project(mergeHeads(crossAttended, b, t), layer.crossAttention.wo, layer.crossAttention.bo), noise));
        x = tf.add(x, dropout(feed(norm(x, layer.norm2), layer.feedForward, noise), noise));
      }
      return norm(x, decoderNorm);
    },
    logits(states) {
      return tf.add(tf.matMul(states, outputMatrix()), outputBias);
    },
    encoderStates(source, sourceMask) {
      return tf.tidy(() => {
        const encoded = runEncoder(source, sourceMask, null);
        return tf.reshape<tf.Rank.R3>(encoded.states, [encoded.b, encoded.s, d]);
      });
    },
    encode(source, sourceMask, noise) {
      const parts = tf.tidy(() => {
        const encoded = runEncoder(source, sourceMask, noise);
        return {
          crossKeys: decoderLayers.map((layer) => splitHeadsTransposed(project(encoded.states, layer.crossAttention.wk), encoded.b, encoded.s)),
          crossValues: decoderLayers.map((layer) => splitHeads(project(encoded.states, layer.crossAttention.wv), encoded.b, encoded.s)),
          crossMask: encoded.mask,
        };
      });
      return {
        ...parts,
        batchSize: source.shape[0],
        dispose: () => {
          for (const t of [...parts.crossKeys, ...parts.crossValues, parts.crossMask]) t.dispose();
        },
      };
    },
    decodeStep(memory, cache, tokens, position) {
      const b = tokens.length;
      return tf.tidy(() => {
        const ids = tf.tensor2d(tokens, [b, 1], 'int32');
        let x = tf.reshape<tf.Rank.R2>(embed(targetEmbedding, ids, position), [b, d]);
        decoderLayers.forEach((layer, i) => {
          const h = norm(x, layer.norm1);
          const newKey = splitHeadsTransposed(project(h, layer.selfAttention.wk), b, 1);
          const newValue = splitHeads(project(h, layer.selfAttention.wv), b, 1);
          const previousKeys = cache.keys[i] ?? null;
          const previousValues = cache.values[i] ?? null;
          const keys = previousKeys ? tf.concat([previousKeys, newKey], 2) : newKey;
          const values = previousValues ? tf.concat([previousValues, newValue], 1) : newValue;
          // The cache outlives this tidy: keep the new entries, release the old ones after use.
          cache.keys[i] = tf.keep(keys);
          cache.values[i] = tf.keep(values);
          const selfAttended = attend(splitHeads(project(h, layer.selfAttention.wq), b, 1), keys, values, null, null);
          previousKeys?.dispose();
          previousValues?.dispose();
          x = tf.add(x, project(mergeHeads(selfAttended, b, 1), layer.selfAttention.wo, layer.selfAttention.bo));
          const hc = norm(x, layer.normCross);
          const crossKeys = memory.crossKeys[i];
          const crossValues = memory.crossValues[i];
          if (!crossKeys || !crossValues) throw new Error('decodeStep: encoder memory does not match the model');
          const crossAttended = attend(splitHeads(project(hc, layer.crossAttention.wq), b, 1), crossKeys, crossValues, memory.crossMask, null);
          x = tf.add(x, project(mergeHeads(crossAttended, b, 1), layer.crossAttention.wo, layer.crossAttention.bo));
          x = tf.add(x, feed(norm(x, layer.norm2), layer.feedForward, null));
        });
        return model.logits(norm(x, decoderNorm));
      });
    },
    dispose() {
      for (const v of variables) v.dispose();
      positions.dispose();
    },
  };
  return model;
}

export function createDecoderCache(layers: number): DecoderCache {
  const cache: DecoderCache = {
    keys: Array.from({ length: layers }, () => null),
    values: Array.from({ length: layers }, () => null),
    dispose() {
      for (const t of [...cache.keys, ...cache.values]) t?.dispose();
      cache.keys.fill(null);
      cache.values.fill(null);
    },
  };
  return cache;
}

function sinusoidalPositions(length: number, d: number): tf.Tensor2D {
  const values = new Float32Array(length * d);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < d; i += 2) {
      const angle = pos / Math.pow(10000, i / d);
      values[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) values[pos * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [length, d]);
}

/** Number of trainable scalars. */
export function parameterCount(model: Seq2SeqModel): number {
  return model.variables.reduce((n, v) => n + v.size, 0);
}
