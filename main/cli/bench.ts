import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { LossKind, ModelConfig } from '../../common/run-config';
import { generateSqlCorpus } from '../data/corpus-sql';
import { type BackendName, BACKEND_NAMES, BackendUnavailableError, selectBackend } from '../engine/backend';
import type { EncodedExample } from '../engine/batching';
import { greedyDecode } from '../engine/decode';
import { type LossImplementation, lossImplementationFor } from '../engine/losses';
import { buildSeq2SeqModel } from '../engine/model';
import { type StepTiming, timeTrainingSteps } from '../engine/speed-probe';
import { Vocabulary, tokenize } from '../data/tokenizer';
import { measureEventLoopDelay, type EventLoopFigures } from './bench-event-loop';
import { exitWithResult } from './exit-code';
import { writeFileAtomically } from '../files/atomic-write';

/**
 * `npm run bench`: training tokens/s with CE and with DeCE, and greedy decoding speed, per backend,
 * at one fixed size (d_model 64, 2+2 layers, 4 heads, feed-forward 256, vocabulary ~3,000, batch 32,
 * sources ≤ 64 and targets ≤ 100 tokens). Tokens = non-padding source + target tokens. Where the fused
 * JavaScript loss pass is the default (wasm, cpu), the tensor-op losses are timed too: the measurement
 * behind the per-backend choice (main/engine/losses.ts).
 */

const BENCH_MODEL: ModelConfig = {
  dModel: 64,
  heads: 4,
  encoderLayers: 2,
  decoderLayers: 2,
  ffSize: 256,
  dropout: 0.1,
  maxSourceLength: 64,
  maxTargetLength: 100,
  tiedEmbeddings: true,
};
const BENCH_VOCAB = 3000;
const BATCH = 32;
const DECODE_EXAMPLES = 200;

interface BackendFigures {
  backend: BackendName;
  /** The loss implementation training uses on this backend (the CE/DeCE figures). */
  loss: LossImplementation;
  steps: number;
  ceTokensPerSecond: number;
  deceTokensPerSecond: number;
  ceStepMs: number;
  deceStepMs: number;
  deceOverCe: number;
  decodeSeconds: number;
  decodeTokensPerSecond: number;
  decodeExamples: number;
  /** The other implementation's step times, where the fused pass is the default. */
  tensorLoss?: { ceStepMs: number; deceStepMs: number; ceOverFused: number; deceOverFused: number };
}

/** Real corpus lengths; the vocabulary is padded to the bench size with ids the data never uses. */
function benchData(): { examples: EncodedExample[]; vocab: Vocabulary } {
  const pairs = generateSqlCorpus({ seed: 11, size: 1200 });
  const tokenized = pairs.map((p) => ({ src: tokenize(p.src), tgt: tokenize(p.tgt) }));
  const vocab = Vocabulary.build(tokenized.flatMap((p) => [p.src, p.tgt]), { minFrequency: 1, maxSize: BENCH_VOCAB });
  const examples = tokenized.map((p) => ({
    source: Int32Array.from(p.src.slice(0, BENCH_MODEL.maxSourceLength).map((t) => vocab.id(t))),
    target: Int32Array.from(p.tgt.slice(0, BENCH_MODEL.maxTargetLength).map((t) => vocab.id(t))),
    poisoned: false,
  }));
  return { examples, vocab };
}

function timeTraining(loss: LossKind, examples: EncodedExample[], steps: number, warmup: number, implementation?: LossImplementation): StepTiming {
  return timeTrainingSteps({
    model: BENCH_MODEL,
    vocabSize: BENCH_VOCAB,
    examples,
    batchSize: BATCH,
    loss,
    steps,
    warmup,
    ...(implementation ? { implementation } : {}),
  });
}

function timeDecoding(examples: EncodedExample[], count: number): { seconds: number; tokensPerSecond: number } {
  const model = buildSeq2SeqModel(BENCH_MODEL, BENCH_VOCAB, 2);
  try {
    const sources = examples.slice(0, count).map((e) => e.source);
    greedyDecode(model, sources.slice(0, 8), { maxLength: 10, batchSize: 8 });
    const started = performance.now();
    // An untrained model rarely emits EOS: every example runs to the full 100 tokens, the worst case.
    const outputs = greedyDecode(model, sources, { maxLength: BENCH_MODEL.maxTargetLength, batchSize: 100 });
    const seconds = (performance.now() - started) / 1000;
    const generated = outputs.reduce((n, o) => n + o.length + 1, 0);
    return { seconds, tokensPerSecond: generated / seconds };
  } finally {
    model.dispose();
  }
}

async function benchBackend(backend: BackendName, examples: EncodedExample[], quickCpu: boolean): Promise<BackendFigures | null> {
  try {
    await selectBackend(backend);
  } catch (error) {
    if (error instanceof BackendUnavailableError) {
      process.stderr.write(`${backend}: skipped — ${error.message}\n`);
      return null;
    }
    throw error;
  }
  // The JS cpu backend is ~30× slower: fewer steps keep the bench short, the figures stay comparable.
  const slow = backend === 'cpu' && quickCpu;
  const steps = slow ? 2 : 20;
  const warmup = slow ? 0 : 3;
  process.stderr.write(`${backend}: timing ${steps} training steps per loss…\n`);
  // Alternate CE and DeCE blocks so drift in machine speed hits both alike.
  const ce1 = timeTraining('ce', examples, steps, warmup);
  const dece1 = timeTraining('dece', examples, steps, warmup);
  const ce2 = slow ? ce1 : timeTraining('ce', examples, steps, warmup);
  const dece2 = slow ? dece1 : timeTraining('dece', examples, steps, warmup);
  const ceStepMs = Math.min(ce1.stepMs, ce2.stepMs);
  const deceStepMs = Math.min(dece1.stepMs, dece2.stepMs);
  const loss = lossImplementationFor(tf.getBackend());
  let tensorLoss: BackendFigures['tensorLoss'];
  if (loss === 'fused') {
    process.stderr.write(`${backend}: timing ${steps} training steps per loss with the tensor-op losses…\n`);
    const ceTensor = timeTraining('ce', examples, steps, warmup, 'tensor').stepMs;
    const deceTensor = timeTraining('dece', examples, steps, warmup, 'tensor').stepMs;
    tensorLoss = { ceStepMs: ceTensor, deceStepMs: deceTensor, ceOverFused: ceTensor / ceStepMs, deceOverFused: deceTensor / deceStepMs };
  }
  const decodeCount = slow ? 10 : DECODE_EXAMPLES;
  process.stderr.write(`${backend}: decoding ${decodeCount} examples…\n`);
  const decode = timeDecoding(examples, decodeCount);
  return {
    backend,
    loss,
    steps,
    ceTokensPerSecond: Math.max(ce1.tokensPerSecond, ce2.tokensPerSecond),
    deceTokensPerSecond: Math.max(dece1.tokensPerSecond, dece2.tokensPerSecond),
    ceStepMs,
    deceStepMs,
    deceOverCe: deceStepMs / ceStepMs,
    decodeSeconds: decode.seconds,
    decodeTokensPerSecond: decode.tokensPerSecond,
    decodeExamples: decodeCount,
    ...(tensorLoss ? { tensorLoss } : {}),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'string' },
      backend: { type: 'string' },
      'full-cpu': { type: 'boolean' },
      'event-loop-only': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'Usage: npm run bench -- [--backend NAME] [--json PATH] [--full-cpu] [--event-loop-only]\n' +
        '  Training tokens/s (CE, DeCE) and greedy decoding speed per available backend at the fixed bench size,\n' +
        '  then the main thread\'s event-loop delay p99 while the job service trains a small run in a worker.\n',
    );
    return 0;
  }
  const requested = values.backend;
  if (requested !== undefined && !(BACKEND_NAMES as readonly string[]).includes(requested)) {
    process.stderr.write(`bench: --backend must be one of ${BACKEND_NAMES.join(', ')}, got '${requested}'\n`);
    return 2;
  }
  const backends = values['event-loop-only'] ? [] : requested ? [requested as BackendName] : [...BACKEND_NAMES];
  const { examples, vocab } = benchData();
  process.stderr.write(`bench size: d_model 64, 2+2 layers, 4 heads, ff 256, vocabulary ${BENCH_VOCAB} (corpus uses ${vocab.size}), batch ${BATCH}\n`);
  const results: BackendFigures[] = [];
  for (const backend of backends) {
    const r = await benchBackend(backend, examples, !values['full-cpu']);
    if (!r) continue;
    results.push(r);
    process.stdout.write(
      `${r.backend.padEnd(8)} train CE ${r.ceTokensPerSecond.toFixed(0).padStart(6)} tok/s (${r.ceStepMs.toFixed(0)} ms/step)  ` +
        `DeCE ${r.deceTokensPerSecond.toFixed(0).padStart(6)} tok/s (${r.deceStepMs.toFixed(0)} ms/step, ×${r.deceOverCe.toFixed(3)} of CE)  ` +
        `decode ${r.decodeExamples} examples in ${r.decodeSeconds.toFixed(1)} s (${r.decodeTokensPerSecond.toFixed(0)} tok/s)  [${r.loss} loss]\n`,
    );
    if (r.tensorLoss) {
      process.stdout.write(
        `${''.padEnd(8)} tensor-op loss instead: CE ${r.tensorLoss.ceStepMs.toFixed(0)} ms/step (×${r.tensorLoss.ceOverFused.toFixed(2)} of fused)  ` +
          `DeCE ${r.tensorLoss.deceStepMs.toFixed(0)} ms/step (×${r.tensorLoss.deceOverFused.toFixed(2)} of fused)\n`,
      );
    }
  }
  process.stderr.write('job service: sampling the event-loop delay while a small DeCE run trains in a worker…\n');
  const eventLoop: EventLoopFigures = await measureEventLoopDelay();
  const best = Math.min(...eventLoop.windowsP99Ms);
  process.stdout.write(
    `event loop p99 ${best.toFixed(1)} ms (target < ${String(eventLoop.targetMs)} ms; windows ${eventLoop.windowsP99Ms.map((w) => w.toFixed(1)).join(', ')} ms; ` +
      `steps per window ${eventLoop.stepsPerWindow.join(', ')})\n`,
  );
  if (values.json) {
    writeFileAtomically(values.json, `${JSON.stringify({ size: { ...BENCH_MODEL, vocabulary: BENCH_VOCAB, batch: BATCH }, results, eventLoop }, null, 2)}\n`);
  }
  return results.length > 0 || values['event-loop-only'] ? 0 : 1;
}

exitWithResult('bench', main());
