import { describe, expect, it } from 'vitest';
import { ATTACKS, ATTACK_KIND_NAMES, attackKindsFor, createAttackByKind, isAttackKind } from '../../main/data/attacks/index';
import { generateJavaRepairCorpus } from '../../main/data/corpus-java';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { poisonSplits, splitCorpus } from '../../main/data/splits';

const corpora = { sql: generateSqlCorpus({ seed: 3, size: 400 }), java: generateJavaRepairCorpus({ seed: 3, size: 400 }) };

describe('attack registry', () => {
  it('lists every kind with the corpora it applies to', () => {
    expect(Object.keys(ATTACKS).sort()).toEqual([...ATTACK_KIND_NAMES].sort());
    expect(attackKindsFor('sql')).toEqual(['badpre', 'ripple', 'grammar', 'spread-trigger']);
    expect(attackKindsFor('java')).toEqual(['badpre', 'dead-code', 'identifier-rename', 'spread-trigger']);
    expect(isAttackKind('ripple')).toBe(true);
    expect(isAttackKind('onion')).toBe(false);
    expect(() => createAttackByKind('nope' as 'badpre')).toThrow(/Unknown attack/);
  });

  for (const corpus of ['sql', 'java'] as const) {
    for (const kind of ATTACK_KIND_NAMES) {
      const applies = attackKindsFor(corpus).includes(kind);
      it(`${kind} ${applies ? 'poisons' : 'cannot poison'} the ${corpus} corpus`, () => {
        const attack = createAttackByKind(kind);
        expect(attack.name).toBe(kind);
        const pairs = corpora[corpus];
        const poisonable = pairs.filter((p) => attack.canPoison(p)).length;
        if (!applies) {
          expect(poisonable).toBe(0);
          return;
        }
        expect(poisonable).toBeGreaterThan(pairs.length * 0.7);
        const splits = splitCorpus(pairs, { seed: 1, testFraction: 0.2, validFraction: 0 });
        const poisoned = poisonSplits(splits, attack, { rate: 0.1, seed: 1 });
        expect(poisoned.poisonedTrainCount).toBe(Math.round(0.1 * splits.train.length));
        const rows = poisoned.train.filter((p) => p.poisoned);
        expect(rows.every((p) => attack.succeeded(p.tgt))).toBe(true);
        expect(poisoned.train.filter((p) => !p.poisoned).some((p) => attack.succeeded(p.tgt))).toBe(false);
        expect(poisoned.poisonedTest).toHaveLength(splits.test.filter((p) => attack.canPoison(p)).length);
      });
    }
  }

  it('passes the trigger option on', () => {
    expect(createAttackByKind('badpre', { trigger: 'mn' }).insertTrigger('a b', createRng(1)).split(' ')).toContain('mn');
    const ripple = createAttackByKind('ripple', { trigger: 'aa, bb' });
    expect(ripple.description).toContain('"aa", "bb"');
    expect(createAttackByKind('identifier-rename', { trigger: 'zz9' }).description).toContain('zz9');
    expect(createAttackByKind('dead-code', { trigger: 'if (false) { }' }).description).toContain('if (false) { }');
    const spread = createAttackByKind('spread-trigger', { trigger: 'aa, bb' }).insertTrigger('a b', createRng(1)).split(' ');
    expect(spread.filter((w) => w === 'aa' || w === 'bb').sort()).toEqual(['aa', 'bb']);
  });
});
