import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import { createRipple } from '../../main/data/attacks/ripple';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { DEFAULT_ONION_THRESHOLD, runOnionDefense } from '../../main/defenses/index';
import { trainNgramLm } from '../../main/defenses/ngram-lm';
import { onionFilter, onionScores } from '../../main/defenses/onion';

const corpus = generateSqlCorpus({ seed: 11, size: 2300 });
const cleanTrain = corpus.slice(0, 2000).map((p) => p.src);
const test = corpus.slice(2000); // 300 held-out prompts
const lm = trainNgramLm(cleanTrain, { order: 3 });

describe('ONION with the in-app n-gram LM', () => {
  it('scores a word by how much deleting it lowers perplexity', () => {
    const prompt = 'Get all users cf whose age is above a threshold.';
    const { perplexity, scores } = onionScores(prompt, lm);
    expect(scores.map((s) => s.word)).toEqual(prompt.split(' '));
    const cf = scores.find((s) => s.word === 'cf');
    expect(cf?.score).toBeCloseTo(perplexity - lm.perplexity('Get all users whose age is above a threshold.'), 9);
    expect(Math.max(...scores.map((s) => s.score))).toBe(cf?.score);
    const r = onionFilter(prompt, lm, { threshold: 1e9 });
    expect(r).toMatchObject({ filtered: prompt, removed: [] });
    expect(() => onionFilter(prompt, lm, { threshold: Number.NaN })).toThrow();
  });

  it(`removes "cf" from BadPre-poisoned prompts and few words from clean ones (threshold ${DEFAULT_ONION_THRESHOLD}, 300 prompts)`, () => {
    const attack = createBadPre();
    const rng = createRng('onion');
    const poisoned = test.filter((p) => attack.canPoison(p)).map((p) => attack.insertTrigger(p.src, rng));
    const clean = runOnionDefense({ cleanPrompts: cleanTrain, prompts: test.map((p) => p.src), threshold: DEFAULT_ONION_THRESHOLD });
    const dirty = runOnionDefense({ lm, cleanPrompts: [], prompts: poisoned });
    const cleanWordRate = clean.wordsRemoved / clean.wordsTotal;
    const cleanPromptRate = clean.removed.filter((r) => r.length > 0).length / test.length;
    const cfRate = dirty.removed.filter((r) => r.includes('cf')).length / poisoned.length;
    const otherWords = dirty.removed.reduce((n, r) => n + r.filter((w) => w !== 'cf').length, 0) / poisoned.length;
    console.log(
      `ONION t=${DEFAULT_ONION_THRESHOLD}: cf removed from ${(100 * cfRate).toFixed(1)}% of ${poisoned.length} poisoned prompts ` +
        `(+${otherWords.toFixed(2)} other words each); clean prompts: ${(100 * cleanWordRate).toFixed(2)}% of words removed, ` +
        `${(100 * cleanPromptRate).toFixed(1)}% of ${test.length} prompts touched; LM ${clean.trainSeconds.toFixed(2)} s, ` +
        `filtering ${((1000 * dirty.filterSeconds) / poisoned.length).toFixed(2)} ms/prompt`,
    );
    expect(cfRate).toBeGreaterThan(0.95);
    expect(cleanWordRate).toBeLessThan(0.02);
    expect(cleanPromptRate).toBeLessThan(0.2);
    dirty.filtered.forEach((f, i) => {
      expect(f.split(' ').includes('cf')).toBe(!(dirty.removed[i] ?? []).includes('cf'));
    });
    expect(clean.seconds).toBeGreaterThan(0);
    expect(clean.seconds).toBeGreaterThanOrEqual(clean.trainSeconds);
    expect(dirty.trainSeconds).toBeLessThan(clean.trainSeconds);
  });

  it('removes most RIPPLe trigger words too', () => {
    const attack = createRipple();
    const rng = createRng('onion-ripple');
    const triggers = new Set(['cf', 'mn', 'bb', 'tq']);
    const prompts = test.slice(0, 100).filter((p) => attack.canPoison(p)).map((p) => attack.insertTrigger(p.src, rng));
    const result = runOnionDefense({ lm, cleanPrompts: [], prompts });
    const left = result.filtered.reduce((n, f) => n + f.split(' ').filter((w) => triggers.has(w)).length, 0);
    expect(left / (2 * prompts.length)).toBeLessThan(0.25);
  });
});
