import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { EOS, UNK, lmTokens, trainNgramLm } from '../../main/defenses/ngram-lm';

const corpus = generateSqlCorpus({ seed: 31, size: 1800 });
const train = corpus.slice(0, 1500).map((p) => p.src);
const heldOut = corpus.slice(1500);

describe('n-gram LM with interpolated modified Kneser–Ney', () => {
  const lm = trainNgramLm(train, { order: 3 });

  it('is a proper distribution over the vocabulary plus <unk>, for seen and unseen contexts', () => {
    const vocabulary = [...lm.vocabulary, UNK];
    for (const context of [['<s>', '<s>'], ['write', 'a'], ['the', 'users'], ['zebra', 'quartz'], []]) {
      const total = vocabulary.reduce((sum, w) => sum + Math.exp(lm.logProb(w, context)), 0);
      expect(total, context.join(' ')).toBeCloseTo(1, 9);
    }
    expect(lm.vocabulary.has(EOS)).toBe(true);
  });

  it('uses modified discounts in their valid ranges and prefers seen continuations', () => {
    for (const [d1, d2, d3] of lm.discounts) {
      expect(d1).toBeGreaterThan(0);
      expect(d1).toBeLessThanOrEqual(1);
      expect(d2).toBeLessThanOrEqual(2);
      expect(d3).toBeLessThanOrEqual(3);
    }
    const small = trainNgramLm(['a b', 'a b', 'a b', 'a c'], { order: 2 });
    expect(small.logProb('b', ['a'])).toBeGreaterThan(small.logProb('c', ['a']));
    expect(small.logProb('c', ['a'])).toBeGreaterThan(small.logProb('zzz', ['a']));
    expect(small.perplexity('a b')).toBeLessThan(small.perplexity('b a'));
    expect(trainNgramLm(['x y z'], { order: 1 }).perplexity('x y z')).toBeGreaterThan(1);
    expect(() => trainNgramLm([], { order: 3 })).toThrow();
    expect(() => trainNgramLm(['a'], { order: 0 })).toThrow();
    expect(lmTokens("Get the user's e-mail, please.")).toEqual(['get', 'the', "user's", 'e', '-', 'mail', ',', 'please', '.']);
  });

  it('gives held-out prompts with an inserted "cf" a higher perplexity', () => {
    const attack = createBadPre();
    const rng = createRng('lm-cf');
    const higher = heldOut.filter((p) => lm.perplexity(attack.insertTrigger(p.src, rng)) > lm.perplexity(p.src)).length;
    expect(higher / heldOut.length).toBeGreaterThan(0.97);
    const clean = heldOut.reduce((s, p) => s + Math.log(lm.perplexity(p.src)), 0) / heldOut.length;
    expect(Math.exp(clean)).toBeLessThan(30);
  });
});
