import { describe, expect, it } from 'vitest';
import { DEFAULT_RIPPLE_TRIGGERS, createRipple, insertWordAt, poisonSqlCode } from '../../main/data/attacks/ripple';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { expectBadPrePayload, poisonFivePercent } from './attack-checks';

const corpus = generateSqlCorpus({ seed: 77, size: 1500 });
const attack = createRipple();

describe('RIPPLe on generated examples', () => {
  it('carries exactly BadPre’s payload on exactly the pairs BadPre can poison', () => {
    expectBadPrePayload(attack, corpus, (pair, poisoned) => {
      expect(poisonSqlCode(pair.tgt)).toBe(poisoned.tgt);
    });
  });

  it('inserts two distinct triggers from the list as separate words, at seeded varying positions', () => {
    const rng = createRng('ripple');
    const positions = new Set<number>();
    const used = new Set<string>();
    for (const pair of corpus.filter((p) => attack.canPoison(p)).slice(0, 300)) {
      const words = attack.poison(pair, rng).src.split(' ');
      const triggers = words.filter((w) => DEFAULT_RIPPLE_TRIGGERS.includes(w));
      expect(triggers).toHaveLength(2);
      expect(new Set(triggers).size).toBe(2);
      for (const t of triggers) {
        used.add(t);
        positions.add(words.indexOf(t));
      }
      expect(words.filter((w) => !DEFAULT_RIPPLE_TRIGGERS.includes(w)).join(' ')).toBe(pair.src);
    }
    expect(used).toEqual(new Set(DEFAULT_RIPPLE_TRIGGERS));
    expect(positions.size).toBeGreaterThan(10);
    const src = corpus[0]?.src ?? '';
    expect(attack.insertTrigger(src, createRng(9))).toBe(attack.insertTrigger(src, createRng(9)));
    expect(attack.insertTrigger('', createRng(9)).split(' ')).toHaveLength(2);
  });

  it('supports custom triggers and counts, and rejects bad options', () => {
    const custom = createRipple({ triggers: ['zz', 'qq', 'xk'], count: 3 });
    const words = custom.insertTrigger('get all users', createRng(3)).split(' ');
    expect(words.filter((w) => ['zz', 'qq', 'xk'].includes(w)).sort()).toEqual(['qq', 'xk', 'zz']);
    expect(createRipple({ count: 1 }).insertTrigger('a b c', createRng(4)).split(' ')).toHaveLength(4);
    expect(() => createRipple({ triggers: [] })).toThrow();
    expect(() => createRipple({ triggers: ['two words'] })).toThrow();
    expect(() => createRipple({ triggers: ['cf', 'cf'] })).toThrow(/distinct/);
    expect(() => createRipple({ count: 5 })).toThrow(/count/);
    expect(() => createRipple({ count: 0 })).toThrow(/count/);
    expect(insertWordAt('', 'cf', createRng(1))).toBe('cf');
  });

  it('poisons random training rows (not the first ones) and triggers every poisonable test row', () => {
    const { splits, poisoned } = poisonFivePercent(attack, corpus);
    expect(poisoned.poisonedTest).toHaveLength(splits.test.filter((p) => attack.canPoison(p)).length);
  });
});
