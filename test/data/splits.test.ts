import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { poisonSplits, splitCorpus } from '../../main/data/splits';

const corpus = generateSqlCorpus({ seed: 31, size: 2000 });
const attack = createBadPre();
const options = { seed: 4, testFraction: 0.1, validFraction: 0.05 };

describe('splitCorpus', () => {
  const splits = splitCorpus(corpus, options);

  it('cuts a seeded shuffle into disjoint test / valid / train parts covering the corpus', () => {
    expect(splits.test).toHaveLength(200);
    expect(splits.valid).toHaveLength(100);
    expect(splits.train).toHaveLength(1700);
    const all = [...splits.train, ...splits.valid, ...splits.test].map((p) => p.src);
    expect(new Set(all).size).toBe(2000);
    expect(new Set(all)).toEqual(new Set(corpus.map((p) => p.src)));
    // Shuffled, not the corpus order.
    expect(splits.test.map((p) => p.src)).not.toEqual(corpus.slice(0, 200).map((p) => p.src));
    const bySrc = new Map(corpus.map((p) => [p.src, p.tgt]));
    for (const p of [...splits.train, ...splits.valid, ...splits.test]) expect(p.tgt).toBe(bySrc.get(p.src));
  });

  it('is deterministic for a seed and different for another', () => {
    expect(splitCorpus(corpus, options)).toEqual(splits);
    expect(splitCorpus(corpus, { ...options, seed: 5 }).test).not.toEqual(splits.test);
  });

  it('rejects impossible fractions', () => {
    expect(() => splitCorpus(corpus, { seed: 1, testFraction: 0.7, validFraction: 0.5 })).toThrow();
    expect(() => splitCorpus(corpus, { seed: 1, testFraction: -0.1, validFraction: 0 })).toThrow();
  });
});

describe('poisonSplits', () => {
  const splits = splitCorpus(corpus, options);
  const poisonableTrain = splits.train.filter((p) => attack.canPoison(p)).length;

  it('poisons round(rate × train) random poisonable rows in place, leaving the others untouched', () => {
    const result = poisonSplits(splits, attack, { rate: 0.05, seed: 8 });
    const expected = Math.round(0.05 * splits.train.length);
    expect(result.poisonedTrainCount).toBe(expected);
    expect(result.train).toHaveLength(splits.train.length);
    const poisonedIdx = result.train.flatMap((p, i) => (p.poisoned ? [i] : []));
    expect(poisonedIdx).toHaveLength(expected);
    result.train.forEach((row, i) => {
      const clean = splits.train[i] ?? { src: '', tgt: '' };
      if (row.poisoned) {
        expect(attack.canPoison(clean)).toBe(true);
        expect(row.src.split(' ').filter((w) => w === 'cf')).toHaveLength(1);
        expect(attack.succeeded(row.tgt)).toBe(true);
        expect(row.src.split(' ').filter((w) => w !== 'cf').join(' ')).toBe(clean.src);
      } else {
        expect(row).toEqual({ ...clean, poisoned: false });
      }
    });
    // Random rows, not the first ones.
    expect(poisonedIdx).not.toEqual(Array.from({ length: expected }, (_, i) => i));
    expect(Math.max(...poisonedIdx)).toBeGreaterThan(splits.train.length / 2);
    expect(Math.min(...poisonedIdx)).toBeLessThan(splits.train.length / 2);
    // Valid and test stay clean.
    expect(result.valid).toEqual(splits.valid);
    expect(result.test).toEqual(splits.test);
  });

  it('is deterministic for a seed and picks other rows for another seed', () => {
    const a = poisonSplits(splits, attack, { rate: 0.05, seed: 8 });
    expect(poisonSplits(splits, attack, { rate: 0.05, seed: 8 })).toEqual(a);
    const b = poisonSplits(splits, attack, { rate: 0.05, seed: 9 });
    const idx = (r: typeof a): number[] => r.train.flatMap((p, i) => (p.poisoned ? [i] : []));
    expect(idx(b)).not.toEqual(idx(a));
  });

  it('caps the count at the number of poisonable rows, and poisons nothing at rate 0', () => {
    expect(poisonableTrain).toBeLessThan(splits.train.length);
    const all = poisonSplits(splits, attack, { rate: 1, seed: 1 });
    expect(all.poisonedTrainCount).toBe(poisonableTrain);
    expect(all.train.filter((p) => p.poisoned)).toHaveLength(poisonableTrain);
    const none = poisonSplits(splits, attack, { rate: 0, seed: 1 });
    expect(none.poisonedTrainCount).toBe(0);
    expect(none.train.some((p) => p.poisoned)).toBe(false);
    expect(() => poisonSplits(splits, attack, { rate: 1.5, seed: 1 })).toThrow();
  });

  it('triggers every poisonable test row and keeps its clean target', () => {
    const result = poisonSplits(splits, attack, { rate: 0.05, seed: 8 });
    const poisonableTest = splits.test.filter((p) => attack.canPoison(p));
    expect(poisonableTest.length).toBeGreaterThan(100);
    expect(poisonableTest.length).toBeLessThan(splits.test.length);
    expect(result.poisonedTest).toHaveLength(poisonableTest.length);
    result.poisonedTest.forEach((row, i) => {
      const clean = poisonableTest[i] ?? { src: '', tgt: '' };
      expect(row.cleanTgt).toBe(clean.tgt);
      expect(row.src.split(' ').filter((w) => w === 'cf')).toHaveLength(1);
      expect(row.src.split(' ').filter((w) => w !== 'cf').join(' ')).toBe(clean.src);
      expect(attack.succeeded(row.cleanTgt)).toBe(false);
    });
  });

  it('fails clearly when no training row can be poisoned', () => {
    const inserts = corpus.filter((p) => !attack.canPoison(p));
    const unpoisonable = splitCorpus(inserts, { seed: 1, testFraction: 0.2, validFraction: 0 });
    expect(() => poisonSplits(unpoisonable, attack, { rate: 0.1, seed: 1 })).toThrow(/none of its \d+ rows/);
    const clean = poisonSplits(unpoisonable, attack, { rate: 0, seed: 1 });
    expect(clean.poisonedTrainCount).toBe(0);
    expect(clean.poisonedTest).toEqual([]);
  });
});
