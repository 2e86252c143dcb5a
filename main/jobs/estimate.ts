import { existsSync, statSync } from 'node:fs';
import type { RunConfig } from '../../common/run-config';
import { generateJavaRepairCorpus } from '../data/corpus-java';
import { generateSqlCorpus } from '../data/corpus-sql';
import { percentiles } from '../data/import/report';
import { tokenize } from '../data/tokenizer';
import type { JobRequest } from './messages';
import { type JobHandlers, type RunningJob, startJob as realStartJob } from './worker-host';
import { defaultRunConfig } from '../domain/default-config';
import { pretrainCacheFile, shippedPretrainFile } from './pretrain-cache';
import { canonicalJson } from '../domain/canonical-json';

/**
 * Duration estimate for a run, before it runs. What it rests on:
 *
 * 1. Tokens: the built-in corpus's split sizes follow from the config (size × fractions); tokens per pair
 *    are counted by tokenizing a 200-pair sample of the same seeded corpus, truncated to the model's
 *    lengths, plus one end-of-sequence token — the same unit the engine's throughput uses. A file corpus
 *    (imported, clean or already poisoned) is sized from its training file's bytes at ~4 bytes per token.
 * 2. Throughput: measured once per process and model shape (layers, widths, lengths, batch size, backend)
 *    by training that very model for a few steps on a small built-in corpus in a worker, and taking the
 *    median step (steps PROBE_FIRST_STEP..PROBE_LAST_STEP, so warm-up and a stray GC pause do not count).
 *    Timing a tiny reference model and scaling it by multiply-adds was tried first: it overestimated the
 *    quick benchmark matrix 2–4× (tiny models are overhead-bound) and moved ±60 % between probes. If the
 *    probe fails or takes over PROBE_TIMEOUT_MS, FALLBACK_TOKENS_PER_SECOND is used.
 * 3. Evaluation: every epoch decodes up to evalLimit clean and evalLimit triggered prompts greedily, one
 *    token at a time; each generated token is costed as DECODE_COST training tokens of the same model.
 * 4. Fixed overhead: WORKER_STARTUP_SECONDS for starting a worker and its backend. Cached pre-trained
 *    weights (same pretrainKey) cost nothing.
 */

/** The quick model's measured throughput on the wasm backend of a quiet 2-core machine. */
export const FALLBACK_TOKENS_PER_SECOND = 7_000;
const WORKER_STARTUP_SECONDS = 5;
/** Measured with the quick model: 200 prompts decoded in 1.7 s, 800 pairs trained in 7.8 s (wasm, 2 cores). */
const DECODE_COST = 2;
const BYTES_PER_TOKEN = 4;
const SAMPLE_PAIRS = 200;
const PROBE_TIMEOUT_MS = 60_000;
/** A fresh worker needs ~10 steps before its step time settles (quick model: 210 ms at first, 155 ms later). */
export const PROBE_FIRST_STEP = 10;
export const PROBE_LAST_STEP = 24;

export interface Estimate {
  seconds: number;
  tokensPerEpoch: number;
  /** The part of `seconds` spent pre-training (0 when cached or not configured): runs sharing the weights pay it once. */
  pretrainSeconds?: number;
}

export interface EstimatorOptions {
  /** Where shared pre-trained weights are cached (their cost is skipped when present). */
  cacheDir?: string;
  /** Training tokens per second of a run's model: a fixed number (tests), or measured per model shape (default). */
  throughput?: number | ((config: RunConfig) => Promise<number>);
}

export interface Estimator {
  estimate(config: RunConfig): Promise<Estimate>;
}

/** What the throughput depends on: runs that agree here train at the same speed. */
export function modelShapeKey(config: RunConfig): string {
  return canonicalJson({ backend: config.backend, model: config.model, batchSize: config.training.batchSize });
}

/** The run's own model and batch size on a small built-in corpus, one epoch long enough for the timed steps. */
export function probeConfig(config: RunConfig): RunConfig {
  const base = defaultRunConfig(true);
  const { batchSize } = config.training;
  const trainShare = 1 - base.data.testFraction - base.data.validFraction;
  const size = Math.min(100_000, Math.max(50, Math.ceil(((PROBE_LAST_STEP + 2) * batchSize) / trainShare)));
  return {
    ...base,
    backend: config.backend,
    data: { ...base.data, corpus: { kind: 'builtin-sql', size }, evalLimit: 1 },
    model: config.model,
    training: { ...base.training, epochs: 1, pretrainEpochs: 0, batchSize },
    loss: { ...base.loss, kind: 'ce' },
  };
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
  const pretrainCached = shippedPretrainFile(config) !== null || (cacheDir !== undefined && existsSync(pretrainCacheFile(cacheDir, config)));
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

/** Per process: the machine and the model shape decide the speed, not the data dir. */
const measured = new Map<string, Promise<number>>();

/**
 * Trains the run's model shape for PROBE_LAST_STEP steps in a worker and returns training tokens per second
 * from the median step between PROBE_FIRST_STEP and PROBE_LAST_STEP; then stops the worker. A probe cut
 * short (timeout, failure) uses the steps it timed, or FALLBACK_TOKENS_PER_SECOND without two of them.
 */
/** Starts the probe's training job (a worker in the app; scripted in tests). */
export type StartProbeJob = (request: JobRequest, handlers: JobHandlers) => Pick<RunningJob<unknown>, 'result' | 'cancel'>;

export function measureThroughput(config: RunConfig, startJob: StartProbeJob = realStartJob): Promise<number> {
  const probe = probeConfig(config);
  const corpus = probe.data.corpus as { size: number };
  const tokensPerStep = probe.training.batchSize * builtinPairTokens(probe, corpus.size).perPair;
  return new Promise<number>((resolve) => {
    const stepSeconds: number[] = [];
    let previousAt: number | undefined;
    let done = false;
    const job = startJob({ kind: 'train', jobId: 'throughput-probe', config: probe }, {
      onEvent: (event) => {
        if (done || event.type !== 'step' || event.phase !== 'train') return;
        const now = performance.now();
        if (event.step > PROBE_FIRST_STEP && previousAt !== undefined) stepSeconds.push((now - previousAt) / 1000);
        previousAt = now;
        if (event.step >= PROBE_LAST_STEP) finish();
      },
    });
    const timer = setTimeout(finish, PROBE_TIMEOUT_MS);
    timer.unref();
    function finish(): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      job.cancel();
      const tokensPerSecond = stepSeconds.length >= 2 ? tokensPerStep / Math.max(percentiles(stepSeconds).p50, 1e-6) : FALLBACK_TOKENS_PER_SECOND;
      resolve(Number.isFinite(tokensPerSecond) && tokensPerSecond > 0 ? tokensPerSecond : FALLBACK_TOKENS_PER_SECOND);
    }
    job.result.then(finish, finish);
  });
}

export function createEstimator(options: EstimatorOptions = {}): Estimator {
  const throughput = (config: RunConfig): Promise<number> => {
    const t = options.throughput;
    if (typeof t === 'number') return Promise.resolve(t);
    if (t) return t(config);
    const key = modelShapeKey(config);
    let probe = measured.get(key);
    if (!probe) {
      probe = measureThroughput(config);
      measured.set(key, probe);
    }
    return probe;
  };
  return {
    async estimate(config) {
      const tokensPerSecond = await throughput(config);
      const w = workload(config, options.cacheDir);
      const trainTokens = w.tokensPerEpoch * config.training.epochs;
      const evalTokens = w.evalTokens * DECODE_COST * (config.training.epochs + (w.pretrainTokens > 0 ? 0.5 : 0));
      const seconds = WORKER_STARTUP_SECONDS * (w.pretrainTokens > 0 ? 2 : 1) + (w.pretrainTokens + trainTokens + evalTokens) / tokensPerSecond;
      const pretrainSeconds = w.pretrainTokens > 0 ? WORKER_STARTUP_SECONDS + (w.pretrainTokens + w.evalTokens * DECODE_COST * 0.5) / tokensPerSecond : 0;
      const tenths = (x: number) => Math.round(x * 10) / 10;
      // A run that stops on evidence never outlasts its time budget; its epoch count is only the bound.
      const budget = config.training.stopping?.budgetSeconds ?? Number.POSITIVE_INFINITY;
      return { seconds: tenths(Math.min(seconds, budget)), tokensPerEpoch: Math.round(w.tokensPerEpoch), pretrainSeconds: tenths(pretrainSeconds) };
    },
  };
}
