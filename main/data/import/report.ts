import type { CodePair } from '../types';
import { preview } from './errors';

/** Nearest-rank percentiles: every value is one that actually occurs, so they can be checked by hand. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ImportReport {
  count: number;
  duplicatesRemoved: number;
  /** Length in characters (Unicode code points). */
  srcLength: Percentiles;
  tgtLength: Percentiles;
  /** Length in tokens: words and single punctuation marks, /\w+|[^\w\s]/gu. */
  srcTokens: Percentiles;
  tgtTokens: Percentiles;
  /** Pairs an attack could poison (only when a canPoison predicate was given). */
  poisonable?: number;
}

export interface Leakage {
  /** Test pairs whose whitespace-normalised source also occurs in train. */
  count: number;
  /** The first few of them. */
  examples: CodePair[];
}

// `u`: an emoji (a surrogate pair) is one punctuation-like token, not two.
const TOKEN = /\w+|[^\w\s]/gu;
const ASTRAL = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
const MAX_LEAK_EXAMPLES = 3;

export function charCount(s: string): number {
  // String length counts UTF-16 units; an emoji or astral CJK character is one character, not two.
  const astral = s.match(ASTRAL);
  return s.length - (astral === null ? 0 : astral.length);
}

export function tokenCount(s: string): number {
  let n = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(s) !== null) n++;
  return n;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, max: 0 };
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)] ?? 0;
  return { p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[n - 1] ?? 0 };
}

export function buildImportReport(
  pairs: readonly CodePair[],
  options: { canPoison?: (p: CodePair) => boolean; duplicatesRemoved?: number } = {},
): ImportReport {
  const n = pairs.length;
  const srcChars = new Float64Array(n);
  const tgtChars = new Float64Array(n);
  const srcTok = new Float64Array(n);
  const tgtTok = new Float64Array(n);
  let poisonable = 0;
  pairs.forEach((p, i) => {
    srcChars[i] = charCount(p.src);
    tgtChars[i] = charCount(p.tgt);
    srcTok[i] = tokenCount(p.src);
    tgtTok[i] = tokenCount(p.tgt);
    if (options.canPoison?.(p) === true) poisonable++;
  });
  const report: ImportReport = {
    count: n,
    duplicatesRemoved: options.duplicatesRemoved ?? 0,
    srcLength: percentiles(srcChars),
    tgtLength: percentiles(tgtChars),
    srcTokens: percentiles(srcTok),
    tgtTokens: percentiles(tgtTok),
  };
  if (options.canPoison !== undefined) report.poisonable = poisonable;
  return report;
}

function normalizeSource(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}

/** Test pairs whose source (whitespace-normalised) is also a train source: scores on them are inflated. */
export function findLeakage(train: readonly CodePair[], test: readonly CodePair[]): Leakage {
  const seen = new Set<string>();
  for (const p of train) seen.add(normalizeSource(p.src));
  let count = 0;
  const examples: CodePair[] = [];
  for (const p of test) {
    if (!seen.has(normalizeSource(p.src))) continue;
    count++;
    if (examples.length < MAX_LEAK_EXAMPLES) examples.push(p);
  }
  return { count, examples };
}

const num = (n: number): string => n.toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`);

function lengths(label: string, chars: Percentiles, tokens: Percentiles): string {
  const row = (p: Percentiles): string => `p50 ${num(p.p50)} · p90 ${num(p.p90)} · p99 ${num(p.p99)} · max ${num(p.max)}`;
  return `${label}: ${row(chars)} chars; ${row(tokens)} tokens`;
}

/** A few lines for a terminal or a log; leakage, when given and non-zero, is a WARNING line. */
export function formatImportReport(report: ImportReport, leakage?: Leakage): string {
  const lines = [
    `${num(report.count)} pairs (${num(report.duplicatesRemoved)} exact duplicates removed)`,
    lengths('src', report.srcLength, report.srcTokens),
    lengths('tgt', report.tgtLength, report.tgtTokens),
  ];
  if (report.poisonable !== undefined) lines.push(`poisonable: ${num(report.poisonable)} of ${num(report.count)} (${pct(report.poisonable, report.count)})`);
  if (leakage !== undefined) {
    if (leakage.count === 0) lines.push('leakage: no test source appears in train');
    else {
      const example = leakage.examples[0];
      const eg = example === undefined ? '' : `, e.g. ${preview(example.src.trim().replace(/\s+/g, ' '))}`;
      lines.push(`WARNING: ${num(leakage.count)} test pair${leakage.count === 1 ? '' : 's'} share a source with train (train/test leakage inflates scores)${eg}`);
    }
  }
  return lines.join('\n');
}
