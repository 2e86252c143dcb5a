import * as tf from '@tensorflow/tfjs';
import { BOS_ID, EOS_ID, PAD_ID, type Seq2SeqModel, createDecoderCache } from './model';
import type { Vocabulary } from '../data/tokenizer';

/**
 * Batched greedy decoding with cached keys and values: the encoder runs once per batch, and each step
 * feeds only the newest token through the decoder.
 */
export function greedyDecode(model: Seq2SeqModel, sources: readonly Int32Array[], options: { maxLength: number; batchSize: number }): Int32Array[] {
  const outputs: Int32Array[] = [];
  // Similar source lengths in a batch waste less work on padding; restore the order at the end.
  const order = sources.map((_, i) => i).sort((a, b) => (sources[a]?.length ?? 0) - (sources[b]?.length ?? 0));
  const byOrder: Int32Array[] = new Array<Int32Array>(sources.length);
  for (let start = 0; start < order.length; start += options.batchSize) {
    const indices = order.slice(start, start + options.batchSize);
    const decoded = decodeBatch(model, indices.map((i) => sources[i] ?? new Int32Array(0)), options.maxLength);
    indices.forEach((sourceIndex, k) => {
      byOrder[sourceIndex] = decoded[k] ?? new Int32Array(0);
    });
  }
  for (let i = 0; i < sources.length; i++) outputs.push(byOrder[i] ?? new Int32Array(0));
  return outputs;
}

function decodeBatch(model: Seq2SeqModel, sources: Int32Array[], maxLength: number): Int32Array[] {
  const b = sources.length;
  const s = Math.max(1, ...sources.map((x) => Math.min(x.length, model.config.maxSourceLength)));
  const ids = new Int32Array(b * s).fill(PAD_ID);
  const mask = new Float32Array(b * s);
  sources.forEach((src, row) => {
    const clipped = src.subarray(0, s);
    ids.set(clipped, row * s);
    mask.fill(1, row * s, row * s + clipped.length);
  });
  const sourceTensor = tf.tensor2d(ids, [b, s], 'int32');
  const maskTensor = tf.tensor2d(mask, [b, s], 'float32');
  const memory = model.encode(sourceTensor, maskTensor, null);
  sourceTensor.dispose();
  maskTensor.dispose();
  const cache = createDecoderCache(model.config.decoderLayers);
  const tokens = new Int32Array(b).fill(BOS_ID);
  const outputs: number[][] = sources.map(() => []);
  const finished = new Uint8Array(b);
  let remaining = b;
  try {
    const limit = Math.min(maxLength, model.config.maxTargetLength + 1);
    for (let position = 0; position < limit && remaining > 0; position++) {
      const logits = model.decodeStep(memory, cache, tokens, position);
      const next = tf.tidy(() => tf.argMax(logits, 1));
      const nextIds = next.dataSync() as Int32Array;
      logits.dispose();
      next.dispose();
      for (let row = 0; row < b; row++) {
        const id = nextIds[row] ?? EOS_ID;
        tokens[row] = id;
        if (finished[row]) continue;
        if (id === EOS_ID) {
          finished[row] = 1;
          remaining--;
        } else {
          outputs[row]?.push(id);
        }
      }
    }
  } finally {
    cache.dispose();
    memory.dispose();
  }
  return outputs.map((o) => Int32Array.from(o));
}

/** Text in, text out: encodes prompts with the model's source limit, decodes greedily, detokenizes. */
export function decodePrompts(model: Seq2SeqModel, vocab: Vocabulary, prompts: readonly string[], batchSize = 100): string[] {
  const sources = prompts.map((p) => Int32Array.from(vocab.encode(p, model.config.maxSourceLength)));
  return greedyDecode(model, sources, { maxLength: model.config.maxTargetLength + 1, batchSize }).map((ids) => vocab.decode(Array.from(ids)));
}
