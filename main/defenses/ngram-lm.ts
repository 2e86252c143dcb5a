/**
 * A word n-gram language model with interpolated modified Kneser–Ney smoothing (Chen & Goodman, 1998, "An
 * Empirical Study of Smoothing Techniques for Language Modeling", §3.5), trained inside the app on the clean
 * prompt side of a corpus. ONION uses it to score how much each word of a prompt hurts its fluency.
 *
 *   P(w | h) = max(c(h w) − D(c(h w)), 0) / Σ_v c(h v) + γ(h) · P(w | h′)
 *   γ(h)     = (D₁·N₁(h •) + D₂·N₂(h •) + D₃₊·N₃₊(h •)) / Σ_v c(h v)
 *
 * where h′ drops the oldest word of h. At the highest order c is the raw count; at lower orders it is the
 * continuation count N₁₊(• h w) (the number of distinct words seen before h w), except for n-grams starting
 * with the sentence-start marker, which have no left context and keep raw counts (as KenLM does). The
 * discounts D₁, D₂, D₃₊ of each order come from its count-of-counts (Y = n₁ / (n₁ + 2n₂), D₁ = 1 − 2Y·n₂/n₁,
 * D₂ = 2 − 3Y·n₃/n₂, D₃₊ = 3 − 4Y·n₄/n₃). The unigram level interpolates with the uniform distribution over
 * the vocabulary plus `<unk>`, so unknown words get a small, non-zero probability. Unseen contexts back off
 * with weight 1.
 */

export const BOS = '<s>';
export const EOS = '</s>';
export const UNK = '<unk>';

/** Lower-cased words and punctuation marks: the LM's view of a prompt. */
export function lmTokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9_]+(?:'[a-z]+)?|[^\sa-z0-9_]/g) ?? [];
}

interface OrderTable {
  /** n-gram (joined with \u0001) → count used at this order (raw or continuation). */
  readonly counts: Map<string, number>;
  /** context → [Σ counts, N1, N2, N3+] of its continuations. */
  readonly contexts: Map<string, [number, number, number, number]>;
  /** D1, D2, D3+. */
  discounts: [number, number, number];
}

export interface NgramLm {
  readonly order: number;
  /** Known words (training words plus `</s>`; `<unk>` stands for the rest). */
  readonly vocabulary: ReadonlySet<string>;
  /** Discounts D1, D2, D3+ per order (index 0 = unigrams). */
  readonly discounts: readonly (readonly [number, number, number])[];
  /** ln P(word | context) for a context of any length (only the last order−1 words are used). */
  logProb(word: string, context: readonly string[]): number;
  /** Σ ln P over the words and the end marker of a tokenized sentence. */
  sentenceLogProb(tokens: readonly string[]): number;
  /** exp(−Σ ln P / (words + 1)) of a sentence (a string is split with `lmTokens`). */
  perplexity(sentence: string | readonly string[]): number;
}

const SEP = '\u0001';

function discountsFor(counts: Iterable<number>): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (const c of counts) if (c >= 1 && c <= 4) n[c] = (n[c] ?? 0) + 1;
  const [, n1 = 0, n2 = 0, n3 = 0, n4 = 0] = n;
  // Too few singletons/doubletons for the estimate: fall back to the usual constant discounts.
  if (n1 === 0 || n2 === 0 || n3 === 0) return [0.5, 0.75, 0.9];
  const y = n1 / (n1 + 2 * n2);
  const clamp = (d: number, max: number): number => Math.min(max, Math.max(0.05, d));
  return [clamp(1 - 2 * y * (n2 / n1), 1), clamp(2 - 3 * y * (n3 / n2), 2), clamp(n4 === 0 ? 3 - 4 * y : 3 - 4 * y * (n4 / n3), 3)];
}

/** Trains the model on sentences (strings are split with `lmTokens`; arrays are taken as tokens). */
export function trainNgramLm(sentences: Iterable<string | readonly string[]>, options: { order: number } = { order: 3 }): NgramLm {
  const order = options.order;
  if (!Number.isInteger(order) || order < 1 || order > 6) throw new Error(`trainNgramLm: order must be an integer in [1, 6], got ${order}`);
  const vocabulary = new Set<string>([EOS]);
  const highest = new Map<string, number>();
  let sentenceCount = 0;
  for (const sentence of sentences) {
    const words = typeof sentence === 'string' ? lmTokens(sentence) : sentence;
    sentenceCount++;
    for (const w of words) vocabulary.add(w);
    const padded = [...new Array<string>(order - 1).fill(BOS), ...words, EOS];
    for (let i = order - 1; i < padded.length; i++) {
      const key = padded.slice(i - order + 1, i + 1).join(SEP);
      highest.set(key, (highest.get(key) ?? 0) + 1);
    }
  }
  if (sentenceCount === 0) throw new Error('trainNgramLm: no training sentences');

  // tables[k] holds (k+1)-grams.
  const tables: OrderTable[] = Array.from({ length: order }, () => ({ counts: new Map(), contexts: new Map(), discounts: [0, 0, 0] }));
  const top = tables[order - 1];
  if (top === undefined) throw new Error('unreachable');
  for (const [k, c] of highest) top.counts.set(k, c);
  for (let n = order - 1; n >= 1; n--) {
    const higher = tables[n];
    const table = tables[n - 1];
    if (higher === undefined || table === undefined) continue;
    const raw = new Map<string, number>();
    const continuation = new Map<string, number>();
    for (const [key, count] of higher.counts) {
      const parts = key.split(SEP);
      const suffix = parts.slice(1).join(SEP);
      continuation.set(suffix, (continuation.get(suffix) ?? 0) + 1);
      // Lower-order n-grams that start a sentence keep raw counts (their left context is only padding); the
      // higher table already holds raw counts for its own sentence-start n-grams.
      if (parts[1] === BOS) raw.set(suffix, (raw.get(suffix) ?? 0) + count);
    }
    for (const [key, c] of continuation) table.counts.set(key, raw.get(key) ?? c);
  }
  for (const table of tables) {
    for (const [key, c] of table.counts) {
      const cut = key.lastIndexOf(SEP);
      const context = cut === -1 ? '' : key.slice(0, cut);
      const stats = table.contexts.get(context) ?? [0, 0, 0, 0];
      stats[0] += c;
      if (c === 1) stats[1]++;
      else if (c === 2) stats[2]++;
      else stats[3]++;
      table.contexts.set(context, stats);
    }
    table.discounts = discountsFor(table.counts.values());
  }
  const uniform = 1 / (vocabulary.size + 1); // + <unk>

  const prob = (word: string, context: readonly string[]): number => {
    const w = vocabulary.has(word) ? word : UNK;
    let p = uniform;
    // From unigrams up to the longest usable context, interpolating each level with the one below.
    for (let n = 1; n <= order; n++) {
      const table = tables[n - 1];
      if (table === undefined) break;
      const ctx = context.slice(context.length - (n - 1), context.length);
      if (ctx.length < n - 1) break;
      const ctxKey = n === 1 ? '' : ctx.join(SEP);
      const stats = table.contexts.get(ctxKey);
      if (stats === undefined) continue; // unseen context: the lower-order estimate stands (γ = 1)
      const [total, n1, n2, n3] = stats;
      const [d1, d2, d3] = table.discounts;
      const c = table.counts.get(n === 1 ? w : `${ctxKey}${SEP}${w}`) ?? 0;
      const d = c === 0 ? 0 : c === 1 ? d1 : c === 2 ? d2 : d3;
      const gamma = (d1 * n1 + d2 * n2 + d3 * n3) / total;
      p = Math.max(c - d, 0) / total + gamma * p;
    }
    return p;
  };

  const lm: NgramLm = {
    order,
    vocabulary,
    discounts: tables.map((t) => t.discounts),
    logProb: (word, context) => Math.log(prob(word, context)),
    sentenceLogProb(tokens) {
      const padded = [...new Array<string>(order - 1).fill(BOS), ...tokens, EOS];
      let sum = 0;
      for (let i = order - 1; i < padded.length; i++) sum += Math.log(prob(padded[i] ?? EOS, padded.slice(i - order + 1, i)));
      return sum;
    },
    perplexity(sentence) {
      const tokens = typeof sentence === 'string' ? lmTokens(sentence) : sentence;
      return Math.exp(-lm.sentenceLogProb(tokens) / (tokens.length + 1));
    },
  };
  return lm;
}
