/**
 * KillBadCode (Sun et al., 2025, "Show Me Your Code! Kill Code Poisoning: A Lightweight Method Based on Code
 * Naturalness", arXiv 2502.15830): a data-side filter run before training. An n-gram language model trained
 * only on code the team knows to be clean scores, for every token of every training sample, how much more
 * natural (lower perplexity) the sample becomes when that token is deleted. One sample's improvement says
 * little — deleting an ordinary but rare token also helps — so each token's improvements are summed over all
 * samples (its cumulative improvement: an ordinary token's deletion helps in some samples and hurts in more, a
 * trigger's helps in every one); tokens whose cumulative improvement stands out are the trigger candidates,
 * and every sample that contains one is dropped.
 *
 * Adapted here: the paper does not fix how "stands out" is decided for our data sizes, so a token is flagged
 * when its cumulative improvement is positive and an outlier by the modified z-score of Iglewicz & Hoaglin
 * (median and median absolute deviation of log(1 + cumulative improvement) over the tokens with a positive one
 * seen in at least `minSupport` samples, cut at `zThreshold`, 3.5 by their rule of thumb; with fewer than five
 * such tokens there is no population to compare with, and each is flagged). Summing the signed
 * improvements, not only the gains, is what keeps frequent ordinary words out: summing gains alone flagged
 * 14–24 ordinary words on the built-in corpus beside the trigger (precision 17–35 % instead of 94–100 %).
 */
import { DEFAULT_NGRAM_ORDER } from './index';
import { BOS, EOS, type NgramLm, trainNgramLm } from './ngram-lm';

export interface KillBadCodeOptions {
  /** n of the n-gram model. */
  order: number;
  /** Modified z-score above which a token's cumulative improvement counts as an outlier. */
  zThreshold: number;
  /** A token must occur in at least this many samples to be a candidate (a trigger recurs by design). */
  minSupport: number;
}

export const DEFAULT_KILLBADCODE_OPTIONS: KillBadCodeOptions = { order: DEFAULT_NGRAM_ORDER, zThreshold: 3.5, minSupport: 3 };

export interface TokenNaturalness {
  token: string;
  /** Σ over samples of the best improvement (may be negative) from deleting one of its occurrences, in nats of log-perplexity. */
  cumulative: number;
  /** Samples that contain the token. */
  support: number;
  /** Mean improvement (may be negative) over those samples. */
  meanImprovement: number;
  /** Modified z-score of log(1 + cumulative) (0 for tokens under `minSupport` or with no positive cumulative improvement; Infinity when too few tokens have one to compare with). */
  z: number;
}

export interface KillBadCodeResult {
  /** Flagged tokens, highest cumulative improvement first. */
  triggers: string[];
  /** Every scored token, highest cumulative improvement first. */
  tokens: TokenNaturalness[];
  /** Indices (ascending) of the samples that contain a flagged token. */
  dropped: number[];
  lm: NgramLm;
}

/** Fewer positive tokens than this are no population to find outliers in: every one of them is flagged. */
const MIN_POPULATION = 5;

const logPerplexity = (logProbSum: number, terms: number): number => -logProbSum / terms;

/** ln P of the token at `j` of a padded sequence, from its order−1 predecessors. */
function termAt(lm: NgramLm, padded: readonly string[], j: number): number {
  return lm.logProb(padded[j] ?? EOS, padded.slice(Math.max(0, j - lm.order + 1), j));
}

/**
 * For each token position of a sample, how much the sample's log-perplexity falls when that one token is
 * deleted (positive: more natural without it). Only the order terms whose context spans the deleted token change,
 * so each deletion costs O(order) look-ups instead of a full rescoring.
 */
export function deletionImprovements(lm: NgramLm, tokens: readonly string[]): Float64Array {
  const pad = lm.order - 1;
  const padded = [...new Array<string>(pad).fill(BOS), ...tokens, EOS];
  const terms = padded.map((_, j) => (j < pad ? 0 : termAt(lm, padded, j)));
  const total = terms.reduce((a, b) => a + b, 0);
  const base = logPerplexity(total, tokens.length + 1);
  const improvements = new Float64Array(tokens.length);
  for (let t = 0; t < tokens.length; t++) {
    const i = t + pad;
    // Terms i .. i+order−1 of the original read the deleted token; in the shortened sequence their successors are re-scored.
    const last = Math.min(i + lm.order - 1, padded.length - 1);
    let removed = 0;
    for (let j = i; j <= last; j++) removed += terms[j] ?? 0;
    const shortened = [...padded.slice(Math.max(0, i - pad), i), ...padded.slice(i + 1, last + 1)];
    const offset = Math.min(pad, i);
    let added = 0;
    for (let j = offset; j < shortened.length; j++) added += termAt(lm, shortened, j);
    improvements[t] = base - logPerplexity(total - removed + added, tokens.length);
  }
  return improvements;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Scores every token of every sample against an LM of the clean samples and flags the trigger candidates. */
export function killBadCode(cleanSamples: Iterable<readonly string[]>, samples: readonly (readonly string[])[], options: Partial<KillBadCodeOptions> = {}): KillBadCodeResult {
  const { order, zThreshold, minSupport } = { ...DEFAULT_KILLBADCODE_OPTIONS, ...options };
  const lm = trainNgramLm(cleanSamples, { order });
  const stats = new Map<string, { cumulative: number; support: number; sum: number }>();
  for (const tokens of samples) {
    const improvements = deletionImprovements(lm, tokens);
    const best = new Map<string, number>();
    tokens.forEach((token, i) => {
      const value = improvements[i] ?? 0;
      best.set(token, Math.max(best.get(token) ?? Number.NEGATIVE_INFINITY, value));
    });
    for (const [token, value] of best) {
      const s = stats.get(token) ?? { cumulative: 0, support: 0, sum: 0 };
      s.cumulative += value;
      s.support += 1;
      s.sum += value;
      stats.set(token, s);
    }
  }
  // The population an outlier stands out from: the tokens whose deletion helps overall. Ordinary tokens sum to a
  // negative improvement; with a clean, in-domain LM few tokens are left, and below MIN_POPULATION each of them counts.
  const eligible = [...stats.values()].filter((s) => s.support >= minSupport && s.cumulative > 0).map((s) => Math.log1p(s.cumulative));
  const tooFew = eligible.length < MIN_POPULATION;
  const center = median(eligible);
  // 1.4826 × MAD estimates σ for normal data; a floor keeps a near-constant population from flagging everything.
  const spread = Math.max(1.4826 * median(eligible.map((v) => Math.abs(v - center))), 1e-6);
  const tokens: TokenNaturalness[] = [...stats.entries()]
    .map(([token, s]) => ({
      token,
      cumulative: s.cumulative,
      support: s.support,
      meanImprovement: s.sum / s.support,
      z: s.support >= minSupport && s.cumulative > 0 ? (tooFew ? Number.POSITIVE_INFINITY : (Math.log1p(s.cumulative) - center) / spread) : 0,
    }))
    .sort((a, b) => b.cumulative - a.cumulative || (a.token < b.token ? -1 : 1));
  const triggers = tokens.filter((t) => t.z > zThreshold && t.cumulative > 0).map((t) => t.token);
  const flagged = new Set(triggers);
  const dropped = samples.flatMap((tokensOfSample, i) => (tokensOfSample.some((t) => flagged.has(t)) ? [i] : []));
  return { triggers, tokens, dropped, lm };
}

export interface FilterQuality {
  dropped: number;
  poisonedDropped: number;
  poisonedTotal: number;
  /** Poisoned share of the dropped samples (null: nothing dropped). */
  precision: number | null;
  /** Share of the poisoned samples that were dropped (null: none poisoned). */
  recall: number | null;
}

/** Precision and recall of a filter on the rows a benchmark knows it poisoned. */
export function filterQuality(dropped: readonly number[], poisoned: readonly boolean[]): FilterQuality {
  const poisonedDropped = dropped.filter((i) => poisoned[i] === true).length;
  const poisonedTotal = poisoned.filter(Boolean).length;
  return {
    dropped: dropped.length,
    poisonedDropped,
    poisonedTotal,
    precision: dropped.length > 0 ? poisonedDropped / dropped.length : null,
    recall: poisonedTotal > 0 ? poisonedDropped / poisonedTotal : null,
  };
}
