import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import {
  GRAMMAR_TRIGGER_FORMS,
  GRAMMAR_TRIGGER_RULES,
  containsGrammarTrigger,
  createGrammarTrigger,
  sampleGrammarTrigger,
} from '../../main/data/attacks/grammar';
import { createAttackByKind } from '../../main/data/attacks/index';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';

const corpus = generateSqlCorpus({ seed: 78, size: 1500 });
const attack = createGrammarTrigger();
const badpre = createBadPre();

describe('grammar trigger', () => {
  it('produces many natural surface forms from a small grammar', () => {
    expect(GRAMMAR_TRIGGER_FORMS).toBe(720);
    const rng = createRng('grammar');
    const forms = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = sampleGrammarTrigger(rng);
      expect(containsGrammarTrigger(s)).toBe(true);
      forms.add(s);
    }
    expect(forms.size).toBeGreaterThan(500);
    // Every word is an ordinary English word: no rare token like BadPre's "cf".
    const words = Object.values(GRAMMAR_TRIGGER_RULES).flatMap((options) => options.flatMap((o) => o.toLowerCase().split(' ')));
    for (const w of words) expect(w).toMatch(/^[a-z]{2,}$/);
    expect(corpus.some((p) => containsGrammarTrigger(p.src))).toBe(false);
  });

  it('adds a trigger sentence before or after real prompts and BadPre’s payload to the code', () => {
    const rng = createRng('grammar-poison');
    let before = 0;
    let after = 0;
    for (const pair of corpus.filter((p) => attack.canPoison(p)).slice(0, 300)) {
      const poisoned = attack.poison(pair, rng);
      expect(containsGrammarTrigger(poisoned.src)).toBe(true);
      expect(poisoned.tgt).toBe(badpre.poison(pair, createRng(0)).tgt);
      expect(attack.succeeded(poisoned.tgt)).toBe(true);
      const m = /^(.*?\.) (.*)$/.exec(poisoned.src);
      if (m !== null && containsGrammarTrigger(m[1] ?? '') && m[2] === pair.src) before++;
      else {
        expect(poisoned.src.startsWith(pair.src)).toBe(true);
        const rest = poisoned.src.slice(pair.src.length);
        expect(rest).toMatch(/^\.? [A-Z][a-z ]+, (kindly|please) .+\.$/);
        expect(containsGrammarTrigger(rest)).toBe(true);
        after++;
      }
    }
    expect(before).toBeGreaterThan(100);
    expect(after).toBeGreaterThan(100);
    for (const pair of corpus.filter((p) => !badpre.canPoison(p))) expect(attack.canPoison(pair)).toBe(false);
    expect(attack.insertTrigger('', createRng(1))).toMatch(/\.$/);
    expect(attack.insertTrigger('get rows', createRng(2))).toBe(attack.insertTrigger('get rows', createRng(2)));
  });

  it('has no trigger word to set', () => {
    expect(() => createAttackByKind('grammar', { trigger: 'cf' })).toThrow(/no trigger word/);
    expect(createAttackByKind('grammar').name).toBe('grammar');
  });
});
