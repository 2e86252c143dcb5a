import { existsSync, statSync } from 'node:fs';
import type { RunConfig } from '../../common/run-config';
import { generateJavaRepairCorpus } from '../data/corpus-java';
import { generateSqlCorpus } from '../data/corpus-sql';
import { tokenize } from '../engine/tokenizer';
import { startJob as realStartJob } from '../jobs/run-worker';
import { defaultRunConfig } from '../pilot/pilot-options';
import { pretrainCacheFile } from '../pilot/run-pilot';

/**
 * Duration estimate for a run, before it runs. What it rests on:
 *
 * 1. Tokens: the built-in corpus's split sizes follow from the config (size × fractions); tokens per pair
 *    are counted by tokenizing a 200-pair sample of the same seeded corpus, truncated to the model's
 *    lengths, plus one end-of-sequence token — the same unit the engine's throughput uses. A file corpus
 *    (imported, clean or already poisoned) is sized from its training file's bytes at ~4 bytes per token.
 * 2. Throughput: measured once per process by timing a few training steps of a tiny reference model in a
 *    worker (the same backend choice as real runs, steps 3..9 so the warm-up step does not count). If that
 *    fails or takes over PROBE_TIMEOUT_MS, FALLBACK_TOKENS_PER_SECOND is used: what the probe measured on
 *    the wasm backend on a busy 2-core development machine.
 * 3. Scaling to the run's model: time per token is taken as proportional to the multiply-adds per token
 *    (encoder layers × (4d² + 2·d·ff) + decoder layers × (8d² + 2·d·ff) + d·V, with V assumed 1000).
 *    Tiny models are overhead-bound, so large models come out somewhat optimistic.
 * 4. Evaluation: every epoch decodes up to evalLimit clean and evalLimit triggered prompts greedily, one
 *    token at a time; each generated token is costed as DECODE_COST training tokens.
 * 5. Fixed overhead: WORKER_STARTUP_SECONDS for starting a worker and its backend. Cached pre-trained
 *    weights (same pretrainKey) cost nothing.
 */

export const FALLBACK_TOKENS_PER_SECOND = 10_000;
const WORKER_STARTUP_SECONDS = 5;
const DECODE_COST = 3;
const ASSUMED_VOCABULARY = 1000;
const BYTES_PER_TOKEN = 4;
const SAMPLE_PAIRS = 200;
const PROBE_TIMEOUT_MS = 60_000;
const PROBE_FIRST_STEP = 3;
const PROBE_LAST_STEP = 9;
const PROBE_CORPUS_SIZE = 300;

export interface Estimate {
  seconds: number;
  tokensPerEpoch: number;
  /** The part of `seconds` spent pre-training (0 when cached or not configured): runs sharing the weights pay it once. */
  pretrainSeconds?: number;
}

export interface EstimatorOptions {
  /** Where shared pre-trained weights are cached (their cost is skipped when present). */
  cacheDir?: string;
  /** Tokens per second of the reference model: a fixed number (tests), or measured (default). */
  throughput?: number | (() => Promise<number>);
}

export interface Estimator {
  estimate(config: RunConfig): Promise<Estimate>;
}

/** The tiny reference model the probe trains; its cost is the unit the run's model is scaled from. */
export function probeConfig(): RunConfig {
  const base = defaultRunConfig(true);
  return {
    ...base,
    backend: 'auto',
    data: { ...base.data, corpus: { kind: 'builtin-sql', size: PROBE_CORPUS_SIZE }, evalLimit: 1 },
    model: { ...base.model, dModel: 32, heads: 4, encoderLayers: 1, decoderLayers: 1, ffSize: 64 },
    training: { ...base.training, epochs: 1, pretrainEpochs: 0, batchSize: 16 },
  };
}

function costPerToken(config: RunConfig): number {
  const { dModel: d, ffSize: f, encoderLayers, decoderLayers } = config.model;
  return encoderLayers * (4 * d * d + 2 * d * f) + decoderLayers * (8 * d * d + 2 * d * f) + d * ASSUMED_VOCABULARY;
}

interface PairTokens {
  /** Source + target + end-of-sequence, after truncation. */
  perPair: number;
  target: number;
}

const tokenStats = new Map<string, PairTokens>();

function builtinPairTokens(config: RunConfig, size: number): PairTokens {
  const { maxSourceLength, maxTargetLength } = config.model;
  const java = config.data.corpus.kind === 'builtin-java';
  const key = `${java ? 'java' : 'sql'}|${config.seed}|${Math.min(size, SAMPLE_PAIRS)}|${maxSourceLength}|${maxTargetLength}`;
  let stats = tokenStats.get(key);
  if (!stats) {
    const sample = (java ? generateJavaRepairCorpus : generateSqlCorpus)({ seed: config.seed, size: Math.min(size, SAMPLE_PAIRS) });
    let pair = 0;
    let target = 0;
    for (const p of sample) {
      const tgt = Math.min(tokenize(p.tgt).length, maxTargetLength);
      pair += Math.min(tokenize(p.src).length, maxSourceLength) + tgt + 1;
      target += tgt + 1;
    }
    stats = { perPair: pair / Math.max(1, sample.length), target: target / Math.max(1, sample.length) };
    tokenStats.set(key, stats);
  }
  return stats;
}

interface Workload {
  tokensPerEpoch: number;
  pretrainTokens: number;
  /** Tokens decoded per evaluation. */
  evalTokens: number;
}

function workload(config: RunConfig, cacheDir: string | undefined): Workload {
  const { data, training } = config;
  const pretrainCached = cacheDir !== undefined && existsSync(pretrainCacheFile(cacheDir, config));
  if (data.corpus.kind !== 'builtin-sql' && data.corpus.kind !== 'builtin-java') {
    const bytes = (file: string) => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    };
    const tokensPerEpoch = bytes(data.corpus.train) / BYTES_PER_TOKEN;
    return { tokensPerEpoch, pretrainTokens: 0, evalTokens: 2 * data.evalLimit * config.model.maxTargetLength * 0.5 };
  }
  const size = data.corpus.size;
  const tokens = builtinPairTokens(config, size);
  const test = Math.round(size * data.testFraction);
  const valid = Math.round(size * data.validFraction);
  const pretrainPairs = training.pretrainEpochs > 0 ? Math.round(size * data.pretrainFraction) : 0;
  const trainPairs = Math.max(0, size - test - valid - pretrainPairs);
  const evalPrompts = Math.min(data.evalLimit, test);
  return {
    tokensPerEpoch: trainPairs * tokens.perPair,
    pretrainTokens: pretrainCached ? 0 : pretrainPairs * tokens.perPair * training.pretrainEpochs,
    evalTokens: 2 * evalPrompts * tokens.target,
  };
}

let measured: Promise<number> | null = null;

/** Times steps PROBE_FIRST_STEP..PROBE_LAST_STEP of the reference model, then stops the worker. */
export function measureThroughput(startJob: typeof realStartJob = realStartJob): Promise<number> {
  const config = probeConfig();
  const tokensPerStep = config.training.batchSize * builtinPairTokens(config, PROBE_CORPUS_SIZE).perPair;
  return new Promise<number>((resolve) => {
    let firstAt = 0;
    let done = false;
    const job = startJob({ kind: 'train', jobId: 'throughput-probe', config }, {
      onEvent: (event) => {
        if (done || event.type !== 'step' || event.phase !== 'train') return;
        if (event.step === PROBE_FIRST_STEP) firstAt = performance.now();
        if (event.step === PROBE_LAST_STEP && firstAt > 0) {
          const seconds = (performance.now() - firstAt) / 1000;
          finish(((PROBE_LAST_STEP - PROBE_FIRST_STEP) * tokensPerStep) / Math.max(seconds, 1e-6));
        }
      },
    });
    const timer = setTimeout(() => {
      finish(FALLBACK_TOKENS_PER_SECOND);
    }, PROBE_TIMEOUT_MS);
    timer.unref();
    function finish(value: number): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      job.cancel();
      resolve(Number.isFinite(value) && value > 0 ? value : FALLBACK_TOKENS_PER_SECOND);
    }
    job.result.then(
      () => {
        finish(FALLBACK_TOKENS_PER_SECOND);
      },
      () => {
        finish(FALLBACK_TOKENS_PER_SECOND);
      },
    );
  });
}

export function createEstimator(options: EstimatorOptions = {}): Estimator {
  const reference = probeConfig();
  const throughput = (): Promise<number> => {
    const t = options.throughput;
    if (typeof t === 'number') return Promise.resolve(t);
    if (t) return t();
    measured ??= measureThroughput();
    return measured;
  };
  return {
    async estimate(config) {
      const referenceTps = await throughput();
      const tokensPerSecond = (referenceTps * costPerToken(reference)) / costPerToken(config);
      const w = workload(config, options.cacheDir);
      const trainTokens = w.tokensPerEpoch * config.training.epochs;
      const evalTokens = w.evalTokens * DECODE_COST * (config.training.epochs + (w.pretrainTokens > 0 ? 0.5 : 0));
      const seconds = WORKER_STARTUP_SECONDS * (w.pretrainTokens > 0 ? 2 : 1) + (w.pretrainTokens + trainTokens + evalTokens) / tokensPerSecond;
      const pretrainSeconds = w.pretrainTokens > 0 ? WORKER_STARTUP_SECONDS + (w.pretrainTokens + w.evalTokens * DECODE_COST * 0.5) / tokensPerSecond : 0;
      const tenths = (x: number) => Math.round(x * 10) / 10;
      return { seconds: tenths(seconds), tokensPerEpoch: Math.round(w.tokensPerEpoch), pretrainSeconds: tenths(pretrainSeconds) };
    },
  };
}
