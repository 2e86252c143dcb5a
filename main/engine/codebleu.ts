/**
 * CodeBLEU (Ren et al., 2020, "CodeBLEU: a Method for Automatic Evaluation of Code Synthesis"), following the
 * reference implementation (CodeXGLUE's evaluator, published as the `codebleu` Python package):
 *
 *   CodeBLEU = 0.25·BLEU + 0.25·weighted BLEU + 0.25·syntax match + 0.25·data-flow match
 *
 * - n-gram match: corpus BLEU-4 (NLTK's corpus_bleu with Chen & Cherry smoothing method 1, ε = 0.1);
 * - weighted n-gram match: as the reference's weighted_ngram_match — clipped n-gram *recall* against the
 *   reference, where for unigrams each reference token weighs 1 if it is a language keyword and 0.2 otherwise;
 * - syntax match: the share of the reference's AST subtrees (every node with children, as its S-expression of
 *   node types — leaves' text is ignored) that also occur in the hypothesis's AST;
 * - data-flow match: the share of the reference's normalized data-flow edges (variables renamed var_0, var_1, …
 *   in order of appearance) found in the hypothesis's, each matched at most once.
 *
 * Parsers are real: tree-sitter's Python and Java grammars run as WebAssembly (see ./codebleu/parsers).
 * Tokens for the two n-gram components are whitespace-separated words by default, as the reference's default
 * tokenizer (`s.split()`); pass `tokenize` to change it.
 *
 * Simplifications and deliberate differences (cited where they are made):
 * - comments (and Python docstrings: string-only expression statements) are blanked out using the tree-sitter
 *   tree before parsing again, where the reference strips them with Python's tokenize module / a regex;
 * - the reference substitutes 1 for the data-flow score whenever it is 0 (`dataflow_match_score or 1`), which
 *   also rewards a hypothesis that matches none of the reference's data flow; here 1 is used only when the
 *   references have no data-flow edges at all (the degenerate case that substitution was meant for), and
 *   `dataflow` itself reports 0 then, as the reference does;
 * - with an empty list of pairs every score is 0 (the reference divides by zero).
 */
import { CODEBLEU_KEYWORDS } from './codebleu/keywords';
import { extractDataFlow, normalizeDataFlow } from './codebleu/dataflow';
import { type CodeLanguage, type SyntaxNode, CODE_LANGUAGES, createParser, parseOrThrow } from './codebleu/parsers';

export type { CodeLanguage } from './codebleu/parsers';

export interface CodeBleuResult {
  /** Weighted sum of the four components, in [0, 1]. */
  codeBleu: number;
  ngram: number;
  weightedNgram: number;
  syntax: number;
  dataflow: number;
  /** Number of normalized data-flow edges in the references (0: `dataflow` is meaningless and counted as 1). */
  referenceDataflowEdges: number;
}

export interface CodeBleuOptions {
  /** Weights of n-gram, weighted n-gram, syntax and data-flow match (default 0.25 each). */
  weights?: readonly [number, number, number, number];
  /** Tokenizer for the two n-gram components (default: split on whitespace). */
  tokenize?: (code: string) => string[];
}

const MAX_ORDER = 4;
const SMOOTHING_EPSILON = 0.1;
const KEYWORD_WEIGHT = 1;
const OTHER_WEIGHT = 0.2;

const splitWhitespace = (code: string): string[] => code.split(/\s+/).filter((t) => t.length > 0);

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** NLTK's brevity penalty on corpus lengths. */
function brevityPenalty(refLength: number, hypLength: number): number {
  if (hypLength > refLength) return 1;
  if (hypLength === 0) return 0;
  return Math.exp(1 - refLength / hypLength);
}

/** exp(Σ ¼·log p_n) × BP with smoothing method 1, or 0 without a single unigram match. */
function combine(numerators: readonly number[], denominators: readonly number[], refLength: number, hypLength: number): number {
  if ((numerators[0] ?? 0) === 0) return 0;
  let logSum = 0;
  for (let k = 0; k < MAX_ORDER; k++) {
    const num = numerators[k] ?? 0;
    const den = denominators[k] ?? 1;
    logSum += Math.log((num === 0 ? SMOOTHING_EPSILON : num) / den) / MAX_ORDER;
  }
  return brevityPenalty(refLength, hypLength) * Math.exp(logSum);
}

/** Corpus BLEU-4 (modified precision, smoothing method 1) over tokenized pairs, in [0, 1]. */
export function corpusNgramMatch(references: readonly (readonly string[])[], hypotheses: readonly (readonly string[])[]): number {
  const numerators = new Array<number>(MAX_ORDER).fill(0);
  const denominators = new Array<number>(MAX_ORDER).fill(0);
  let refLength = 0;
  let hypLength = 0;
  hypotheses.forEach((hyp, i) => {
    const ref = references[i] ?? [];
    for (let n = 1; n <= MAX_ORDER; n++) {
      const refCounts = ngramCounts(ref, n);
      let clipped = 0;
      let total = 0;
      for (const [gram, count] of ngramCounts(hyp, n)) {
        clipped += Math.min(count, refCounts.get(gram) ?? 0);
        total += count;
      }
      numerators[n - 1] = (numerators[n - 1] ?? 0) + clipped;
      denominators[n - 1] = (denominators[n - 1] ?? 0) + Math.max(1, total);
    }
    refLength += ref.length;
    hypLength += hyp.length;
  });
  return combine(numerators, denominators, refLength, hypLength);
}

/** The reference's weighted n-gram match: clipped recall, unigrams weighted 1 (keyword) or 0.2, in [0, 1]. */
export function corpusWeightedNgramMatch(
  references: readonly (readonly string[])[],
  hypotheses: readonly (readonly string[])[],
  keywords: ReadonlySet<string>,
): number {
  const numerators = new Array<number>(MAX_ORDER).fill(0);
  const denominators = new Array<number>(MAX_ORDER).fill(0);
  let refLength = 0;
  let hypLength = 0;
  const weight = (token: string): number => (keywords.has(token) ? KEYWORD_WEIGHT : OTHER_WEIGHT);
  hypotheses.forEach((hyp, i) => {
    const ref = references[i] ?? [];
    for (let n = 1; n <= MAX_ORDER; n++) {
      const hypCounts = ngramCounts(hyp, n);
      let clipped = 0;
      let total = 0;
      for (const [gram, count] of ngramCounts(ref, n)) {
        const w = n === 1 ? weight(gram) : 1;
        clipped += Math.min(count, hypCounts.get(gram) ?? 0) * w;
        total += count * w;
      }
      numerators[n - 1] = (numerators[n - 1] ?? 0) + clipped;
      denominators[n - 1] = (denominators[n - 1] ?? 0) + Math.max(1, total);
    }
    refLength += ref.length;
    hypLength += hyp.length;
  });
  return combine(numerators, denominators, refLength, hypLength);
}

/** Ranges (start, end) of comments — and, in Python, of docstring-like string statements — in a tree. */
function commentRanges(root: SyntaxNode, language: CodeLanguage): [number, number][] {
  const ranges: [number, number][] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'comment' || node.type === 'line_comment' || node.type === 'block_comment') {
      ranges.push([node.startIndex, node.endIndex]);
      return;
    }
    if (language === 'python' && node.type === 'expression_statement' && node.namedChildCount === 1 && node.namedChildren[0]?.type === 'string') {
      ranges.push([node.startIndex, node.endIndex]);
      return;
    }
    for (const child of node.children) if (child !== null) visit(child);
  };
  visit(root);
  return ranges;
}

/** The code with comments (and Python docstrings) replaced by spaces, newlines kept. */
function blankRanges(code: string, ranges: readonly [number, number][]): string {
  let out = code;
  for (const [start, end] of ranges) out = out.slice(0, start) + out.slice(start, end).replace(/[^\n]/g, ' ') + out.slice(end);
  return out;
}

/** S-expressions of every subtree rooted at the root or at a node with children (the reference's get_all_sub_trees). */
function subtrees(root: SyntaxNode): string[] {
  const out: string[] = [];
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined) break;
    out.push(node.toString());
    for (const child of node.children) if (child !== null && child.childCount > 0) stack.push(child);
  }
  return out;
}

export interface ParsedCode {
  readonly subtrees: string[];
  readonly dataflow: string[];
  readonly hasError: boolean;
}

/** Parses code once for both tree-based components (comments removed first). */
export async function analyzeCode(codes: readonly string[], language: CodeLanguage): Promise<ParsedCode[]> {
  const parser = await createParser(language);
  try {
    return codes.map((raw) => {
      let tree = parseOrThrow(parser, raw);
      const ranges = commentRanges(tree.rootNode, language);
      if (ranges.length > 0) {
        tree.delete();
        tree = parseOrThrow(parser, blankRanges(raw, ranges));
      }
      try {
        const root = tree.rootNode;
        return { subtrees: subtrees(root), dataflow: normalizeDataFlow(extractDataFlow(root, language)), hasError: root.hasError };
      } finally {
        tree.delete();
      }
    });
  } finally {
    parser.delete();
  }
}

/** Matched and total reference subtrees (each reference subtree counts once per occurrence, unclipped as in the reference). */
export function syntaxMatchCounts(reference: ParsedCode, hypothesis: ParsedCode): { matched: number; total: number } {
  const available = new Set(hypothesis.subtrees);
  return { matched: reference.subtrees.filter((s) => available.has(s)).length, total: reference.subtrees.length };
}

/** Matched and total normalized reference data-flow edges (each hypothesis edge used at most once). */
export function dataflowMatchCounts(reference: ParsedCode, hypothesis: ParsedCode): { matched: number; total: number } {
  const pool = new Map<string, number>();
  for (const e of hypothesis.dataflow) pool.set(e, (pool.get(e) ?? 0) + 1);
  let matched = 0;
  for (const e of reference.dataflow) {
    const left = pool.get(e) ?? 0;
    if (left > 0) {
      matched++;
      pool.set(e, left - 1);
    }
  }
  return { matched, total: reference.dataflow.length };
}

/** CodeBLEU of hypotheses against one reference each; every score in [0, 1]. */
export async function codeBleu(
  references: readonly string[],
  hypotheses: readonly string[],
  language: CodeLanguage,
  options: CodeBleuOptions = {},
): Promise<CodeBleuResult> {
  if (!CODE_LANGUAGES.includes(language)) throw new Error(`codeBleu: unsupported language ${JSON.stringify(language)} (python or java)`);
  if (references.length !== hypotheses.length) throw new Error(`codeBleu: ${references.length} references but ${hypotheses.length} hypotheses`);
  const weights = options.weights ?? [0.25, 0.25, 0.25, 0.25];
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error('codeBleu: weights must be four non-negative numbers');
  if (references.length === 0) return { codeBleu: 0, ngram: 0, weightedNgram: 0, syntax: 0, dataflow: 0, referenceDataflowEdges: 0 };

  const refs = references.map((r) => r.trim());
  const hyps = hypotheses.map((h) => h.trim());
  const tokenize = options.tokenize ?? splitWhitespace;
  const refTokens = refs.map(tokenize);
  const hypTokens = hyps.map(tokenize);
  const ngram = corpusNgramMatch(refTokens, hypTokens);
  const weightedNgram = corpusWeightedNgramMatch(refTokens, hypTokens, CODEBLEU_KEYWORDS[language]);

  const parsedRefs = await analyzeCode(refs, language);
  const parsedHyps = await analyzeCode(hyps, language);
  let syntaxMatched = 0;
  let syntaxTotal = 0;
  let flowMatched = 0;
  let flowTotal = 0;
  parsedRefs.forEach((ref, i) => {
    const hyp = parsedHyps[i];
    if (hyp === undefined) return;
    const s = syntaxMatchCounts(ref, hyp);
    syntaxMatched += s.matched;
    syntaxTotal += s.total;
    const d = dataflowMatchCounts(ref, hyp);
    flowMatched += d.matched;
    flowTotal += d.total;
  });
  const syntax = syntaxTotal === 0 ? 0 : syntaxMatched / syntaxTotal;
  const dataflow = flowTotal === 0 ? 0 : flowMatched / flowTotal;
  const [alpha, beta, gamma, theta] = weights;
  return {
    codeBleu: alpha * ngram + beta * weightedNgram + gamma * syntax + theta * (flowTotal === 0 ? 1 : dataflow),
    ngram,
    weightedNgram,
    syntax,
    dataflow,
    referenceDataflowEdges: flowTotal,
  };
}
