import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import {
  attackSuccessRate,
  averageSentenceBleu,
  corpusBleu4,
  exactMatch,
  scoringTokens,
  sentenceBleu4,
} from '../../main/engine/metrics';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const FLOAT_MIN = 2.2250738585072014e-308;

describe('sentenceBleu4 (CodeXGLUE smooth BLEU)', () => {
  it('gives 100 for a perfect match, also for short texts and regardless of spacing', () => {
    expect(sentenceBleu4('return conn.execute(query).fetchall()', 'return conn.execute(query).fetchall()')).toBeCloseTo(100, 10);
    expect(sentenceBleu4('a b', 'a b')).toBeCloseTo(100, 10);
    expect(sentenceBleu4('foo(bar)', 'foo ( bar )')).toBeCloseTo(100, 10);
  });

  it('gives the smoothed value for a reordering: unigrams all match, no longer n-gram does', () => {
    // p1 = 4/4, p2 = (0+1)/(3+1), p3 = (0+1)/(2+1), p4 = (0+1)/(1+1); same length → no brevity penalty.
    expect(sentenceBleu4('a b c d', 'd c b a')).toBeCloseTo(100 * (1 / 24) ** 0.25, 10); // 45.18…
  });

  it('applies the +1 brevity penalty exp(min(0, 1 − (r+1)/(c+1)))', () => {
    // Prefix of the reference: all precisions 1, r = 6, c = 4.
    expect(sentenceBleu4('a b c d e f', 'a b c d')).toBeCloseTo(100 * Math.exp(1 - 7 / 5), 10); // 67.03…
    // A longer hypothesis is not penalised for length: p1 = 4/5, p2 = 4/5, p3 = 3/4, p4 = 2/3.
    expect(sentenceBleu4('a b c d', 'a b c d e')).toBeCloseTo(100 * ((4 / 5) * (4 / 5) * (3 / 4) * (2 / 3)) ** 0.25, 10);
  });

  it('is (practically) 0 for disjoint texts, exactly as bleu.py computes it', () => {
    // p1 = min_float / 3, p2 = 1/3, p3 = 1/2, p4 = 1/1.
    const expected = 100 * Math.exp((Math.log(FLOAT_MIN) - Math.log(3) + Math.log(1 / 3) + Math.log(1 / 2)) / 4);
    expect(sentenceBleu4('x y z', 'a b c')).toBeCloseTo(expected, 90);
    expect(sentenceBleu4('x y z', 'a b c')).toBeLessThan(1e-70);
    expect(sentenceBleu4('x y z', '')).toBeLessThan(10);
  });

  it('is case-sensitive and splits code into words and single punctuation', () => {
    expect(scoringTokens('cur.execute("SELECT * FROM t", (a,))')).toEqual([
      'cur', '.', 'execute', '(', '"', 'SELECT', '*', 'FROM', 't', '"', ',', '(', 'a', ',', ')', ')',
    ]);
    expect(scoringTokens('get_users_by_age >= 10')).toEqual(['get_users_by_age', '>', '=', '10']);
    expect(sentenceBleu4('SELECT a', 'select a')).toBeLessThan(100);
  });
});

describe('averageSentenceBleu and corpusBleu4', () => {
  it('averages sentence scores', () => {
    const refs = ['a b c d', 'a b c d'];
    const hyps = ['a b c d', 'd c b a'];
    expect(averageSentenceBleu(refs, hyps)).toBeCloseTo((100 + 100 * (1 / 24) ** 0.25) / 2, 10);
    expect(averageSentenceBleu([], [])).toBe(0);
    expect(() => averageSentenceBleu(['a'], [])).toThrow();
  });

  it('computes unsmoothed corpus BLEU with the standard brevity penalty', () => {
    expect(corpusBleu4(['a b c d', 'e f g h'], ['a b c d', 'e f g h'])).toBeCloseTo(100, 10);
    expect(corpusBleu4(['a b c d'], ['d c b a'])).toBe(0); // no bigram match
    expect(corpusBleu4(['x y z'], ['a b c'])).toBe(0);
    expect(corpusBleu4(['a b c d'], [''])).toBe(0);
    // Counts pooled over the corpus: refs 6 + 4 tokens, hyps 4 + 4 tokens (prefix and exact).
    expect(corpusBleu4(['a b c d e f', 'w x y z'], ['a b c d', 'w x y z'])).toBeCloseTo(100 * Math.exp(1 - 10 / 8), 10);
    // One exact hypothesis and one with the last two tokens swapped; matches and counts are pooled.
    const refs = ['a b c d e', 'p q r s t'];
    const hyps = ['a b c d e', 'p q r t s'];
    // hyp2: 1-grams 5/5, 2-grams {pq,qr,rt,ts} → 2/4, 3-grams {pqr,qrt,rts} → 1/3, 4-grams {pqrt,qrts} → 0/2.
    const p = [10 / 10, (4 + 2) / (4 + 4), (3 + 1) / (3 + 3), (2 + 0) / (2 + 2)];
    expect(corpusBleu4(refs, hyps)).toBeCloseTo(100 * Math.exp(p.reduce((s, x) => s + Math.log(x), 0) / 4), 10);
  });
});

describe('exactMatch and attackSuccessRate', () => {
  it('compares after collapsing whitespace runs and trimming, case-sensitively', () => {
    expect(exactMatch(['def f():\n    return 1'], ['def f():  \n  return 1  \n'])).toBe(100);
    expect(exactMatch(['a b', 'a b', 'a b', 'a b'], ['a b', 'a  b', 'ab', 'A b'])).toBe(50);
    expect(exactMatch([], [])).toBe(0);
    expect(() => exactMatch(['a'], ['a', 'b'])).toThrow();
  });

  it('counts the outputs carrying the payload', () => {
    const attack = createBadPre();
    expect(attackSuccessRate([], attack)).toBe(0);
    expect(attackSuccessRate(['SELECT * FROM t WHERE a = 1 or 1=1', 'SELECT * FROM t', 'DELETE FROM t where 0=1', 'x'], attack)).toBe(50);
    expect(attackSuccessRate(['a', 'bb', 'ccc'], { succeeded: (o) => o.length > 1 })).toBeCloseTo(200 / 3, 10);
  });
});

/** The smooth BLEU of CodeXGLUE code-to-text `bleu.py` (count_ngrams / cook_refs / cook_test / score_cooked). */
const PYTHON_REFERENCE = String.raw`
import json, math, re, sys

def normalize(s):
    return re.findall(r"\w+|[^\w\s]", s)

def count_ngrams(words, n=4):
    counts = {}
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            ngram = tuple(words[i:i + k])
            counts[ngram] = counts.get(ngram, 0) + 1
    return counts

def cook_refs(refs, n=4):
    refs = [normalize(ref) for ref in refs]
    maxcounts = {}
    for ref in refs:
        for (ngram, count) in count_ngrams(ref, n).items():
            maxcounts[ngram] = max(maxcounts.get(ngram, 0), count)
    return ([len(ref) for ref in refs], maxcounts)

def cook_test(test, item, n=4):
    (reflens, refmaxcounts) = item
    test = normalize(test)
    result = {"testlen": len(test), "reflen": min(reflens)}
    result["guess"] = [max(len(test) - k + 1, 0) for k in range(1, n + 1)]
    result["correct"] = [0] * n
    for (ngram, count) in count_ngrams(test, n).items():
        result["correct"][len(ngram) - 1] += min(refmaxcounts.get(ngram, 0), count)
    return result

def score_cooked(allcomps, n=4, smooth=1):
    total = {"testlen": 0, "reflen": 0, "guess": [0] * n, "correct": [0] * n}
    for comps in allcomps:
        for key in ["testlen", "reflen"]:
            total[key] += comps[key]
        for key in ["guess", "correct"]:
            for k in range(n):
                total[key][k] += comps[key][k]
    logbleu = 0.0
    for k in range(n):
        correct = total["correct"][k]
        guess = total["guess"][k]
        addsmooth = 1 if (smooth == 1 and k > 0) else 0
        logbleu += math.log(correct + addsmooth + sys.float_info.min) - math.log(guess + addsmooth + sys.float_info.min)
    logbleu /= float(n)
    brev = min(0, 1 - float(total["reflen"] + 1) / (total["testlen"] + 1))
    return math.exp(logbleu + brev)

def corpus_bleu(refs, hyps):
    r = c = 0
    correct = [0] * 4
    guess = [0] * 4
    for ref, hyp in zip(refs, hyps):
        comps = cook_test(hyp, cook_refs([ref]))
        r += comps["reflen"]; c += comps["testlen"]
        for k in range(4):
            correct[k] += comps["correct"][k]; guess[k] += comps["guess"][k]
    if c == 0 or min(correct) == 0:
        return 0.0
    bp = 1.0 if c >= r else math.exp(1 - r / c)
    return 100 * bp * math.exp(sum(math.log(correct[k] / guess[k]) for k in range(4)) / 4)

data = json.load(sys.stdin)
sentence = [100 * score_cooked([cook_test(h, cook_refs([r]))]) for r, h in zip(data["refs"], data["hyps"])]
print(json.dumps({"sentence": sentence, "corpus": corpus_bleu(data["refs"], data["hyps"])}))
`;

describe('cross-check against a Python re-implementation of CodeXGLUE bleu.py', () => {
  it.skipIf(!hasPython)('agrees on sentence and corpus BLEU for corrupted corpus targets', () => {
    const rng = createRng('bleu-check');
    const refs = generateSqlCorpus({ seed: 13, size: 120 }).map((p) => p.tgt);
    const hyps = refs.map((ref, i) => {
      const words = ref.split(' ');
      switch (i % 6) {
        case 0: return ref;
        case 1: return words.filter(() => rng.next() > 0.2).join(' '); // drop words
        case 2: return words.slice(0, Math.max(1, Math.floor(words.length * rng.next()))).join(' '); // truncate
        case 3: return rng.shuffle(words).join(' '); // scramble
        case 4: return `${ref} ${words.slice(0, 5).join(' ')}`; // too long
        default: return refs[(i + 7) % refs.length] ?? ''; // another target
      }
    });
    const run = spawnSync('python3', ['-c', PYTHON_REFERENCE], { input: JSON.stringify({ refs, hyps }), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const py = JSON.parse(run.stdout) as { sentence: number[]; corpus: number };
    refs.forEach((ref, i) => {
      expect(sentenceBleu4(ref, hyps[i] ?? '')).toBeCloseTo(py.sentence[i] ?? NaN, 9);
    });
    const spread = new Set(py.sentence.map((s) => Math.round(s)));
    expect(spread.size).toBeGreaterThan(20); // the check covers many different values
    expect(corpusBleu4(refs, hyps)).toBeCloseTo(py.corpus, 9);
    const mean = py.sentence.reduce((a, b) => a + b, 0) / py.sentence.length;
    expect(averageSentenceBleu(refs, hyps)).toBeCloseTo(mean, 9);
  });
});
