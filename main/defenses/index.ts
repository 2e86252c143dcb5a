/**
 * Passive backdoor defenses, packaged with their wall-clock cost so that a benchmark can set them against
 * DeCE (which costs nothing beyond its loss): ONION filters prompts at inference with an n-gram LM trained on
 * clean prompts; spectral signatures drop suspicious training rows using a trained model's encoder.
 */
import type { EncodedExample } from '../engine/batching';
import type { Seq2SeqModel } from '../engine/model';
import { type NgramLm, trainNgramLm } from './ngram-lm';
import { onionFilter } from './onion';
import { encoderRepresentations, spectralScores, topScoreIndices } from './spectral';

export * from './ngram-lm';
export * from './onion';
export * from './spectral';

/** A threshold on p₀ − pᵢ that removes rare-word triggers while keeping clean prompts nearly intact (see test/defenses). */
export const DEFAULT_ONION_THRESHOLD = 2;
export const DEFAULT_NGRAM_ORDER = 3;

const seconds = (since: number): number => (performance.now() - since) / 1000;

export interface OnionDefenseOptions {
  /** Clean prompts to train the language model on (the clean prompt side of the training data). */
  cleanPrompts: readonly string[];
  /** Prompts to filter (e.g. every test prompt, clean and triggered). */
  prompts: readonly string[];
  threshold?: number;
  order?: number;
  /** A model trained earlier (then `cleanPrompts` is ignored and training costs nothing). */
  lm?: NgramLm;
}

export interface OnionDefenseResult {
  /** Total wall-clock seconds: training the LM plus filtering. */
  seconds: number;
  trainSeconds: number;
  filterSeconds: number;
  threshold: number;
  filtered: string[];
  removed: string[][];
  wordsRemoved: number;
  wordsTotal: number;
  lm: NgramLm;
}

export function runOnionDefense(options: OnionDefenseOptions): OnionDefenseResult {
  const started = performance.now();
  const threshold = options.threshold ?? DEFAULT_ONION_THRESHOLD;
  const lm = options.lm ?? trainNgramLm(options.cleanPrompts, { order: options.order ?? DEFAULT_NGRAM_ORDER });
  const trainSeconds = seconds(started);
  const filterStarted = performance.now();
  const results = options.prompts.map((p) => onionFilter(p, lm, { threshold }));
  const filterSeconds = seconds(filterStarted);
  return {
    seconds: seconds(started),
    trainSeconds,
    filterSeconds,
    threshold,
    filtered: results.map((r) => r.filtered),
    removed: results.map((r) => r.removed),
    wordsRemoved: results.reduce((n, r) => n + r.removed.length, 0),
    wordsTotal: results.reduce((n, r) => n + r.scores.length, 0),
    lm,
  };
}

export interface SpectralDefenseOptions {
  /** A model trained on the (possibly poisoned) training examples. */
  model: Seq2SeqModel;
  examples: readonly EncodedExample[];
  /** Share to drop, e.g. 1.5 × the expected poison rate. */
  removeFraction: number;
  batchSize?: number;
}

export interface SpectralDefenseResult {
  /** Wall-clock seconds for representations, SVD and selection (not counting the model's training). */
  seconds: number;
  /** Indices of the dropped examples, ascending. */
  dropped: number[];
  /** The examples that are kept, in order (to retrain on). */
  kept: EncodedExample[];
  scores: Float64Array;
  /** How many dropped / all examples were marked poisoned (known only in experiments). */
  poisonedDropped: number;
  poisonedTotal: number;
}

export function runSpectralDefense(options: SpectralDefenseOptions): SpectralDefenseResult {
  const started = performance.now();
  const scores = spectralScores(encoderRepresentations(options.model, options.examples, { batchSize: options.batchSize }));
  const dropped = topScoreIndices(scores, options.removeFraction);
  const droppedSet = new Set(dropped);
  return {
    seconds: seconds(started),
    dropped,
    kept: options.examples.filter((_, i) => !droppedSet.has(i)),
    scores,
    poisonedDropped: dropped.filter((i) => options.examples[i]?.poisoned === true).length,
    poisonedTotal: options.examples.filter((e) => e.poisoned).length,
  };
}
