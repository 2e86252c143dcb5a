import { expect } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import type { Attack } from '../../main/data/attacks/types';
import { createRng } from '../../main/data/rng';
import { poisonSplits, splitCorpus, type CorpusSplits, type PoisonedSplits } from '../../main/data/splits';
import type { CodePair } from '../../main/data/types';

/**
 * Checks shared by the attacks that carry BadPre's SQL-injection payload under their own trigger (RIPPLe,
 * spread trigger): the payload side must be exactly BadPre's, whatever the trigger does to the prompt.
 */

/**
 * The attack can poison exactly the pairs BadPre can, its poisoned target is BadPre's, it counts as a success
 * on that target only, and it refuses a pair without a SQL string for the payload (the INSERT rows).
 * `alsoCheck` adds the attack's own expectations on each poisoned pair.
 */
export function expectBadPrePayload(attack: Attack, corpus: readonly CodePair[], alsoCheck?: (pair: CodePair, poisoned: CodePair) => void): void {
  const badpre = createBadPre();
  for (const pair of corpus) {
    expect(attack.canPoison(pair)).toBe(badpre.canPoison(pair));
    if (!attack.canPoison(pair)) continue;
    const poisoned = attack.poison(pair, createRng(1));
    expect(poisoned.tgt).toBe(badpre.poison(pair, createRng(1)).tgt);
    alsoCheck?.(pair, poisoned);
    expect(attack.succeeded(poisoned.tgt)).toBe(true);
    expect(attack.succeeded(pair.tgt)).toBe(false);
  }
  const insert = corpus.find((p) => !attack.canPoison(p));
  expect(insert?.tgt).toContain('INSERT INTO');
  expect(() => attack.poison(insert ?? { src: '', tgt: '' }, createRng(1))).toThrow(/payload/);
}

/**
 * Poisons 5 % of the training rows of a 90/10 split and checks they are that many and random ones (spread
 * over the split, not the first rows). Returns the splits for the attack's own checks.
 */
export function poisonFivePercent(attack: Attack, corpus: readonly CodePair[]): { splits: CorpusSplits; poisoned: PoisonedSplits } {
  const splits = splitCorpus(corpus, { seed: 5, testFraction: 0.1, validFraction: 0 });
  const poisoned = poisonSplits(splits, attack, { rate: 0.05, seed: 5 });
  const rows = poisoned.train.flatMap((p, i) => (p.poisoned ? [i] : []));
  expect(rows).toHaveLength(Math.round(0.05 * splits.train.length));
  expect(Math.max(...rows)).toBeGreaterThan(rows.length * 3);
  return { splits, poisoned };
}
