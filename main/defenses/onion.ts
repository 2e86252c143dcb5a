/**
 * ONION (Qi et al., 2021, "ONION: A Simple and Effective Defense Against Textual Backdoor Attacks"): at
 * inference, every word of a prompt gets the suspicion score f = p₀ − pᵢ, where p₀ is the perplexity of the
 * prompt and pᵢ that of the prompt without word i; words with f > threshold are removed before the prompt
 * reaches the model. The language model is the app's own n-gram model (./ngram-lm) trained on clean prompts,
 * standing in for the paper's GPT-2.
 */
import type { NgramLm } from './ngram-lm';

export interface OnionOptions {
  /** Remove a word when deleting it lowers the prompt's perplexity by more than this. */
  threshold: number;
}

export interface OnionWordScore {
  readonly word: string;
  /** p₀ − pᵢ: how much deleting this word lowers the perplexity. */
  readonly score: number;
}

export interface OnionResult {
  /** The prompt without the removed words (words joined by single spaces). */
  filtered: string;
  /** The removed words, in prompt order. */
  removed: string[];
  /** Every word's suspicion score, in prompt order. */
  scores: OnionWordScore[];
  /** p₀. */
  perplexity: number;
}

const wordsOf = (prompt: string): string[] => prompt.split(/\s+/).filter((w) => w.length > 0);

/** Suspicion score of every whitespace-separated word of the prompt. */
export function onionScores(prompt: string, lm: NgramLm): { perplexity: number; scores: OnionWordScore[] } {
  const words = wordsOf(prompt);
  const p0 = lm.perplexity(words.join(' '));
  const scores = words.map((word, i) => ({ word, score: p0 - lm.perplexity([...words.slice(0, i), ...words.slice(i + 1)].join(' ')) }));
  return { perplexity: p0, scores };
}

/** Removes the words whose suspicion score exceeds the threshold. */
export function onionFilter(prompt: string, lm: NgramLm, options: OnionOptions): OnionResult {
  if (!Number.isFinite(options.threshold)) throw new Error(`onionFilter: threshold must be a finite number, got ${options.threshold}`);
  const { perplexity, scores } = onionScores(prompt, lm);
  const kept: string[] = [];
  const removed: string[] = [];
  for (const s of scores) (s.score > options.threshold ? removed : kept).push(s.word);
  return { filtered: kept.join(' '), removed, scores, perplexity };
}
