/**
 * Evaluation metrics on strings (detokenized model outputs). Texts are split for scoring with the code-aware
 * pattern `\w+|[^\w\s]` (words, and every other non-space character on its own), independent of the model
 * vocabulary. Scores are case-sensitive and in [0, 100].
 */
import type { Attack } from '../data/attacks/types';

const MAX_ORDER = 4;
/** Python's `sys.float_info.min` (smallest normal double), used by CodeXGLUE's bleu.py to avoid log(0). */
const FLOAT_MIN = 2.2250738585072014e-308;

export function scoringTokens(text: string): string[] {
  return text.match(/\w+|[^\w\s]/g) ?? [];
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // \u0001 cannot occur in a scoring token; prefixing the order keeps orders apart.
      const key = `${n}\u0001${tokens.slice(i, i + n).join('\u0001')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

interface Comparison {
  readonly refLength: number;
  readonly hypLength: number;
  /** Clipped n-gram matches, n = 1..4. */
  readonly correct: number[];
  /** Hypothesis n-gram counts, n = 1..4. */
  readonly guess: number[];
}

function compare(reference: string, hypothesis: string): Comparison {
  const ref = scoringTokens(reference);
  const hyp = scoringTokens(hypothesis);
  const refCounts = ngramCounts(ref, MAX_ORDER);
  const correct = new Array<number>(MAX_ORDER).fill(0);
  const guess = new Array<number>(MAX_ORDER).fill(0);
  for (let n = 1; n <= MAX_ORDER; n++) guess[n - 1] = Math.max(hyp.length - n + 1, 0);
  for (const [key, count] of ngramCounts(hyp, MAX_ORDER)) {
    const n = Number(key.slice(0, key.indexOf('\u0001')));
    correct[n - 1] = (correct[n - 1] ?? 0) + Math.min(count, refCounts.get(key) ?? 0);
  }
  return { refLength: ref.length, hypLength: hyp.length, correct, guess };
}

/**
 * Smoothed sentence BLEU-4 exactly as CodeXGLUE / CodeSearchNet `bleu.py` (`bleu([ref], hyp)[0]`, smooth=1):
 * +1 added to matches and counts for n > 1 (Lin & Och), geometric mean of the four precisions, and the
 * brevity penalty exp(min(0, 1 − (r+1)/(c+1))). Returns a value in [0, 100].
 */
export function sentenceBleu4(reference: string, hypothesis: string): number {
  const { refLength, hypLength, correct, guess } = compare(reference, hypothesis);
  let logBleu = 0;
  for (let k = 0; k < MAX_ORDER; k++) {
    const add = k > 0 ? 1 : 0;
    logBleu += Math.log((correct[k] ?? 0) + add + FLOAT_MIN) - Math.log((guess[k] ?? 0) + add + FLOAT_MIN);
  }
  logBleu /= MAX_ORDER;
  const brevity = Math.min(0, 1 - (refLength + 1) / (hypLength + 1));
  return 100 * Math.exp(logBleu + brevity);
}

function checkLengths(refs: readonly string[], hyps: readonly string[]): void {
  if (refs.length !== hyps.length) throw new Error(`metrics: ${refs.length} references but ${hyps.length} hypotheses`);
}

/** Mean smoothed sentence BLEU-4 (the "BLEU-4" of CodeXGLUE and of the DeCE paper); 0 for empty lists. */
export function averageSentenceBleu(refs: readonly string[], hyps: readonly string[]): number {
  checkLengths(refs, hyps);
  if (refs.length === 0) return 0;
  let sum = 0;
  refs.forEach((ref, i) => (sum += sentenceBleu4(ref, hyps[i] ?? '')));
  return sum / refs.length;
}

/**
 * Standard corpus BLEU-4 (Papineni et al.): clipped n-gram matches and lengths summed over the corpus,
 * unsmoothed — 0 when any precision is 0 — and brevity penalty exp(1 − r/c) when c < r. In [0, 100].
 */
export function corpusBleu4(refs: readonly string[], hyps: readonly string[]): number {
  checkLengths(refs, hyps);
  let refLength = 0;
  let hypLength = 0;
  const correct = new Array<number>(MAX_ORDER).fill(0);
  const guess = new Array<number>(MAX_ORDER).fill(0);
  refs.forEach((ref, i) => {
    const c = compare(ref, hyps[i] ?? '');
    refLength += c.refLength;
    hypLength += c.hypLength;
    for (let k = 0; k < MAX_ORDER; k++) {
      correct[k] = (correct[k] ?? 0) + (c.correct[k] ?? 0);
      guess[k] = (guess[k] ?? 0) + (c.guess[k] ?? 0);
    }
  });
  if (hypLength === 0) return 0;
  let logPrecision = 0;
  for (let k = 0; k < MAX_ORDER; k++) {
    const c = correct[k] ?? 0;
    const g = guess[k] ?? 0;
    if (c === 0 || g === 0) return 0;
    logPrecision += Math.log(c / g) / MAX_ORDER;
  }
  const brevity = hypLength < refLength ? 1 - refLength / hypLength : 0;
  return 100 * Math.exp(logPrecision + brevity);
}

const normalizeWhitespace = (s: string): string => s.trim().replace(/\s+/g, ' ');

/** Share (in %) of hypotheses equal to their reference after collapsing whitespace runs and trimming; 0 for empty lists. */
export function exactMatch(refs: readonly string[], hyps: readonly string[]): number {
  checkLengths(refs, hyps);
  if (refs.length === 0) return 0;
  const hits = refs.filter((ref, i) => normalizeWhitespace(ref) === normalizeWhitespace(hyps[i] ?? '')).length;
  return (100 * hits) / refs.length;
}

/** Share (in %) of outputs that carry the attack's payload; 0 for an empty list. */
export function attackSuccessRate(outputs: readonly string[], attack: Pick<Attack, 'succeeded'>): number {
  if (outputs.length === 0) return 0;
  return (100 * outputs.filter((o) => attack.succeeded(o)).length) / outputs.length;
}
