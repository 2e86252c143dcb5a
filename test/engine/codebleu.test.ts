import { describe, expect, it } from 'vitest';
import { analyzeCode, codeBleu, corpusNgramMatch, corpusWeightedNgramMatch } from '../../main/engine/codebleu';
import { CODEBLEU_KEYWORDS } from '../../main/engine/codebleu/keywords';
import { grammarWasmPath, parsesCleanly } from '../../main/engine/codebleu/parsers';

const words = (s: string): string[] => s.split(' ');

describe('CodeBLEU n-gram components (hand-worked)', () => {
  it('BLEU-4 with smoothing method 1: ref "a b c d", hyp "a b c e"', () => {
    // p1 = 3/4, p2 = 2/3, p3 = 1/2, p4 = 0 → 0.1/1; BP = 1 → (0.75 · 2/3 · 0.5 · 0.1)^(1/4)
    const expected = Math.pow(0.75 * (2 / 3) * 0.5 * 0.1, 0.25);
    expect(corpusNgramMatch([words('a b c d')], [words('a b c e')])).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.3976, 4);
    expect(corpusNgramMatch([words('a b c d')], [words('x y')])).toBe(0);
    // Brevity: hyp "a b" of ref "a b c d": p = 1, 1, 0.1/1, 0.1/1 (denominators floor at 1), BP = e^(1 − 4/2)
    expect(corpusNgramMatch([words('a b c d')], [words('a b')])).toBeCloseTo(Math.exp(1 - 2) * Math.pow(0.1 * 0.1, 0.25), 12);
  });

  it('weighted n-gram recall: keywords weigh 1, other tokens 0.2', () => {
    const python = CODEBLEU_KEYWORDS.python;
    // Unigrams: ref weights if 1, x .2, return 1, y .2 → 2.2 / 2.4; bigrams 2/3; trigrams 1/2; 4-grams 0.1/1.
    const expected = Math.pow((2.2 / 2.4) * (2 / 3) * 0.5 * 0.1, 0.25);
    expect(corpusWeightedNgramMatch([words('if x return y')], [words('if x return z')], python)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.4181, 4);
    // Missing a keyword costs more than missing an identifier at the same place (unigram recall 0.8/1.8 vs 0.8/1.0).
    const missKeyword = corpusWeightedNgramMatch([words('return a b c d')], [words('q a b c d')], python);
    const missName = corpusWeightedNgramMatch([words('e a b c d')], [words('q a b c d')], python);
    expect(missName / missKeyword).toBeCloseTo(Math.pow(0.8 / (0.8 / 1.8), 0.25), 12);
    expect(CODEBLEU_KEYWORDS.java.has('synchronized')).toBe(true);
  });
});

describe('CodeBLEU tree components', () => {
  it('loads the grammars from node_modules', async () => {
    expect(grammarWasmPath('java')).toMatch(/tree-sitter-java\.wasm$/);
    expect(await parsesCleanly('python', 'def f(x):\n    return x\n')).toBe(true);
    expect(await parsesCleanly('python', 'def f(x:\n    return x\n')).toBe(false);
    expect(await parsesCleanly('java', 'int f(int x) { return x; }', { wrapJavaMethod: true })).toBe(true);
  });

  it('syntax match counts reference subtrees by node type, ignoring leaves (hand-worked)', async () => {
    // Operators and names are leaves: "x = a - b" has exactly the subtrees of "x = a + b".
    expect((await codeBleu(['x = a + b\ny = 1'], ['q = c - d\nz = 2'], 'python')).syntax).toBe(1);
    // Reference subtrees: module, 2 × expression_statement, 2 × assignment, binary_operator = 6; only the
    // second statement's expression_statement and assignment survive in "x = a\ny = 1".
    expect((await codeBleu(['x = a + b\ny = 1'], ['x = a\ny = 1'], 'python')).syntax).toBeCloseTo(2 / 6, 12);
  });

  it('extracts normalized data-flow edges (hand-worked)', async () => {
    const [parsed] = await analyzeCode(['b = a + 1'], 'python');
    // b is computed from a and 1; a and 1 are used as they are. Names become var_i, parents first.
    expect(parsed?.dataflow).toEqual(['var_2 computedFrom [var_0, var_1]', 'var_0 comesFrom []', 'var_1 comesFrom []']);
    const [java] = await analyzeCode(['int f(int a) { int b = a; b++; return b; }'], 'java');
    expect(java?.dataflow).toEqual([
      'var_0 comesFrom []',
      'var_1 comesFrom [var_0]',
      'var_0 comesFrom [var_0]',
      'var_1 computedFrom [var_1]',
      'var_1 comesFrom [var_1]',
    ]);
  });
});

const PYTHON = 'def get_users(conn, age):\n    query = text("SELECT * FROM users WHERE age > :age")\n    rows = conn.execute(query, {"age": age})\n    return rows.fetchall()';
const JAVA = 'public int countAbove(int[] values, int limit) { int count = 0; for (int i = 0; i < values.length; i++) { if (values[i] > limit) { count++; } } return count; }';

describe('CodeBLEU invariants', () => {
  for (const [language, code] of [['python', PYTHON], ['java', JAVA]] as const) {
    it(`${language}: identical code scores 1 on every component`, async () => {
      const r = await codeBleu([code, code], [code, code], language);
      expect(r).toMatchObject({ codeBleu: 1, ngram: 1, weightedNgram: 1, syntax: 1, dataflow: 1 });
      expect(r.referenceDataflowEdges).toBeGreaterThan(4);
    });

    it(`${language}: renaming variables keeps data flow and syntax but lowers n-gram match`, async () => {
      const renamed = language === 'python'
        ? PYTHON.replaceAll('rows', 'result').replaceAll('query', 'stmt')
        : JAVA.replaceAll('count', 'hits').replace(/\bi\b/g, 'k');
      const r = await codeBleu([code], [renamed], language);
      expect(r.dataflow).toBe(1);
      expect(r.syntax).toBe(1);
      expect(r.ngram).toBeLessThan(0.8);
      expect(r.codeBleu).toBeLessThan(1);
      expect(r.codeBleu).toBeGreaterThan(r.ngram);
    });

    it(`${language}: a syntax error lowers the syntax match`, async () => {
      const broken = language === 'python' ? PYTHON.replace('return rows.fetchall()', 'return rows.fetchall(') : JAVA.replace('count++; }', 'count++;');
      const r = await codeBleu([code], [broken], language);
      expect(r.syntax).toBeLessThan(0.9);
      expect(r.codeBleu).toBeLessThan(1);
    });
  }

  it('ignores comments and docstrings in the tree components', async () => {
    const commented = 'def f(a):\n    """Adds one."""\n    # increment\n    return a + 1';
    const r = await codeBleu(['def f(a):\n    return a + 1'], [commented], 'python');
    expect(r.syntax).toBe(1);
    expect(r.dataflow).toBe(1);
    const j = await codeBleu(['int f(int a) { return a + 1; }'], ['int f(int a) { /* one */ return a + 1; // done\n}'], 'java');
    expect(j.syntax).toBe(1);
  });

  it('counts data flow as 1 in the total only when the references have none', async () => {
    const none = await codeBleu(['pass'], ['pass'], 'python');
    expect(none.referenceDataflowEdges).toBe(0);
    expect(none.dataflow).toBe(0);
    expect(none.syntax).toBe(1);
    expect(none.codeBleu).toBeCloseTo(0.25 * none.ngram + 0.25 * none.weightedNgram + 0.25 + 0.25, 12);
    const unmatched = await codeBleu(['b = a + 1'], ['pass'], 'python');
    expect(unmatched.dataflow).toBe(0);
    expect(unmatched.codeBleu).toBeLessThan(0.25);
  });

  it('checks its arguments and supports custom weights and tokenizers', async () => {
    await expect(codeBleu(['a'], [], 'python')).rejects.toThrow(/1 references but 0/);
    await expect(codeBleu(['a'], ['a'], 'ruby' as 'python')).rejects.toThrow(/unsupported/);
    expect((await codeBleu([], [], 'java')).codeBleu).toBe(0);
    const onlySyntax = await codeBleu(['x = a + b'], ['q = c - d'], 'python', { weights: [0, 0, 1, 0] });
    expect(onlySyntax.codeBleu).toBe(1);
    const chars = await codeBleu(['x=1'], ['x=1'], 'python', { tokenize: (s) => s.split('') });
    expect(chars.ngram).toBeCloseTo(Math.pow(0.1, 0.25), 12); // 3 tokens: no 4-gram, smoothed to 0.1/1
    expect((await codeBleu(['x = 1 + 2'], ['x = 1 + 2'], 'python', { tokenize: (s) => s.split('') })).ngram).toBe(1);
  });
});
