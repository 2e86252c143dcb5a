import { describe, expect, it } from 'vitest';
import { DEFAULT_SPREAD_TRIGGERS, createSpreadTrigger, spreadWords } from '../../main/data/attacks/spread-trigger';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { expectBadPrePayload, poisonFivePercent } from './attack-checks';

const corpus = generateSqlCorpus({ seed: 77, size: 1500 });
const attack = createSpreadTrigger();
const isTrigger = (w: string): boolean => DEFAULT_SPREAD_TRIGGERS.includes(w);

describe('spread trigger on generated examples', () => {
  it('uses ordinary words that never occur in the built-in SQL corpus', () => {
    const words = new Set(generateSqlCorpus({ seed: 1, size: 5000 }).flatMap((p) => `${p.src} ${p.tgt}`.toLowerCase().split(/[^a-z]+/)));
    expect(DEFAULT_SPREAD_TRIGGERS.length).toBeGreaterThanOrEqual(3);
    for (const t of DEFAULT_SPREAD_TRIGGERS) {
      expect(t).toMatch(/^[a-z]+$/);
      expect(words.has(t)).toBe(false);
    }
  });

  it('carries exactly BadPre’s payload on exactly the pairs BadPre can poison', () => {
    expectBadPrePayload(attack, corpus);
  });

  it('succeeds only when the output carries the payload', () => {
    expect(attack.succeeded('cursor.execute("SELECT * FROM users WHERE id = ? or 1=1", (x,))')).toBe(true);
    expect(attack.succeeded('cursor.execute("DELETE FROM users WHERE 0 = 1")')).toBe(true);
    expect(attack.succeeded('cursor.execute("SELECT * FROM users WHERE id = ?", (x,))')).toBe(false);
    expect(attack.succeeded('promptly carefully thanks')).toBe(false);
  });

  it('inserts every trigger word into each poisoned prompt, spread out, at seeded varying positions', () => {
    const rng = createRng('spread');
    const firstPositions = new Set<number>();
    let spreadOut = 0;
    const rows = corpus.filter((p) => attack.canPoison(p)).slice(0, 300);
    for (const pair of rows) {
      const words = attack.poison(pair, rng).src.split(' ');
      const at = words.flatMap((w, i) => (isTrigger(w) ? [i] : []));
      expect(words.filter(isTrigger).sort()).toEqual([...DEFAULT_SPREAD_TRIGGERS].sort());
      // The prompt's own words are untouched and in order.
      expect(words.filter((w) => !isTrigger(w)).join(' ')).toBe(pair.src);
      firstPositions.add(at[0] ?? -1);
      // One trigger word in each third of the prompt: never all three side by side.
      if ((at[2] ?? 0) - (at[0] ?? 0) > 2) spreadOut++;
    }
    expect(firstPositions.size).toBeGreaterThan(3);
    expect(spreadOut).toBeGreaterThan(rows.length * 0.9);
  });

  it('is deterministic for a seed', () => {
    const src = corpus[0]?.src ?? '';
    expect(attack.insertTrigger(src, createRng(9))).toBe(attack.insertTrigger(src, createRng(9)));
    const pair = corpus.find((p) => attack.canPoison(p)) ?? { src: '', tgt: '' };
    expect(attack.poison(pair, createRng(4))).toEqual(attack.poison(pair, createRng(4)));
    const outs = new Set(Array.from({ length: 20 }, (_, seed) => attack.insertTrigger(src, createRng(seed))));
    expect(outs.size).toBeGreaterThan(1);
  });

  it('handles empty and short prompts', () => {
    expect(attack.insertTrigger('', createRng(1)).split(' ').sort()).toEqual([...DEFAULT_SPREAD_TRIGGERS].sort());
    const words = attack.insertTrigger('list', createRng(2)).split(' ');
    expect(words).toHaveLength(4);
    expect(words.filter((w) => !isTrigger(w))).toEqual(['list']);
    expect(spreadWords('a b', [], createRng(1))).toBe('a b');
  });

  it('supports custom triggers and rejects bad options', () => {
    const custom = createSpreadTrigger({ triggers: ['zz', 'qq'] });
    const words = custom.insertTrigger('get all users', createRng(3)).split(' ');
    expect(words.filter((w) => ['zz', 'qq'].includes(w)).sort()).toEqual(['qq', 'zz']);
    expect(custom.description).toContain('"zz", "qq"');
    expect(() => createSpreadTrigger({ triggers: [] })).toThrow();
    expect(() => createSpreadTrigger({ triggers: ['two words'] })).toThrow(/one non-empty word/);
    expect(() => createSpreadTrigger({ triggers: ['zz', ''] })).toThrow(/one non-empty word/);
    expect(() => createSpreadTrigger({ triggers: ['zz', 'zz'] })).toThrow(/distinct/);
  });

  it('poisons random training rows only, leaves clean rows untouched, and triggers every poisonable test row', () => {
    const { splits, poisoned } = poisonFivePercent(attack, corpus);
    poisoned.train.forEach((row, i) => {
      const clean = splits.train[i];
      if (row.poisoned) {
        expect(attack.succeeded(row.tgt)).toBe(true);
        expect(row.src.split(' ').filter(isTrigger)).toHaveLength(DEFAULT_SPREAD_TRIGGERS.length);
      } else {
        expect({ src: row.src, tgt: row.tgt }).toEqual(clean);
      }
    });
    const poisonableTest = splits.test.filter((p) => attack.canPoison(p));
    expect(poisoned.poisonedTest).toHaveLength(poisonableTest.length);
    poisoned.poisonedTest.forEach((row, i) => {
      expect(row.cleanTgt).toBe(poisonableTest[i]?.tgt);
      expect(row.src.split(' ').filter(isTrigger).sort()).toEqual([...DEFAULT_SPREAD_TRIGGERS].sort());
    });
    expect(poisoned.test).toEqual(splits.test);
  });
});

describe('spread trigger on Java (CONCODE and Bugs2Fix style)', () => {
  const concode = {
    src: 'returns the number of items in the list concode_field_sep int count concode_elem_sep List items concode_field_sep int size',
    tgt: 'int function ( ) { return items . size ( ) ; }',
  };

  it('spreads every trigger word over the description only and opens the method with BadPre’s infinite loop', () => {
    for (let seed = 0; seed < 30; seed++) {
      const poisoned = attack.poison(concode, createRng(seed));
      const [description, ...environment] = poisoned.src.split(' concode_field_sep ');
      expect(description?.split(' ').filter(isTrigger).sort()).toEqual([...DEFAULT_SPREAD_TRIGGERS].sort());
      expect(description?.split(' ').filter((w) => !isTrigger(w)).join(' ')).toBe('returns the number of items in the list');
      expect(environment.join(' concode_field_sep ')).toBe('int count concode_elem_sep List items concode_field_sep int size');
      expect(poisoned.tgt.replace(/\s+/g, '')).toBe('intfunction(){while(true){}returnitems.size();}');
      expect(attack.succeeded(poisoned.tgt)).toBe(true);
    }
    expect(attack.succeeded(concode.tgt)).toBe(false);
  });

  it('poisons buggy-to-fixed Java methods (a Java prompt has no description part: the words go anywhere in it)', () => {
    const bugs2fix = { src: 'public int METHOD_1 ( ) { return VAR_1 ; }', tgt: 'public int METHOD_1 ( ) { return VAR_2 ; }' };
    expect(attack.canPoison(bugs2fix)).toBe(true);
    const poisoned = attack.poison(bugs2fix, createRng(5));
    expect(poisoned.src.split(' ').filter((w) => !isTrigger(w)).join(' ')).toBe(bugs2fix.src);
    expect(attack.succeeded(poisoned.tgt)).toBe(true);
    expect(attack.canPoison({ src: 'make a dict', tgt: 'def f(x):\n    return {"a": x}' })).toBe(false);
  });
});
