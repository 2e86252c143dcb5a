import { deriveRng } from './rng';
import type { CodePair } from './types';
import type { Attack, PoisonedPair } from './attacks/types';

export interface CorpusSplits {
  train: CodePair[];
  valid: CodePair[];
  test: CodePair[];
}

export interface PoisonedSplits {
  /** Clean train with round(rate × train.length) poisonable rows (chosen at random, seeded) poisoned in place. */
  train: PoisonedPair[];
  valid: CodePair[];
  test: CodePair[];
  /** Every poisonable test row, with the trigger inserted in its prompt; `cleanTgt` is the clean reference. */
  poisonedTest: { src: string; cleanTgt: string }[];
  /** The same for every poisonable validation row (for evaluating on the validation split). */
  poisonedValid: { src: string; cleanTgt: string }[];
  poisonedTrainCount: number;
}

function checkFraction(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`${name} must be in [0, 1], got ${value}`);
}

/** Seeded shuffle, then the first round(n × testFraction) rows are test, the next round(n × validFraction) valid. */
export function splitCorpus(pairs: readonly CodePair[], options: { seed: number; testFraction: number; validFraction: number }): CorpusSplits {
  const { seed, testFraction, validFraction } = options;
  checkFraction('testFraction', testFraction);
  checkFraction('validFraction', validFraction);
  if (testFraction + validFraction > 1) throw new Error(`testFraction + validFraction must be ≤ 1, got ${testFraction + validFraction}`);
  const shuffled = deriveRng(seed, 'split').shuffle(pairs).map((p) => ({ src: p.src, tgt: p.tgt }));
  const nTest = Math.round(shuffled.length * testFraction);
  const nValid = Math.min(Math.round(shuffled.length * validFraction), shuffled.length - nTest);
  return {
    test: shuffled.slice(0, nTest),
    valid: shuffled.slice(nTest, nTest + nValid),
    train: shuffled.slice(nTest + nValid),
  };
}

/**
 * Poisons round(rate × train.length) training rows — capped by the number of poisonable rows — chosen at random
 * among the poisonable ones and replaced in place; builds the triggered version of every poisonable test row and
 * of every poisonable validation row (each from its own seeded stream, so one never shifts the other).
 */
export function poisonSplits(splits: CorpusSplits, attack: Attack, options: { rate: number; seed: number }): PoisonedSplits {
  const { rate, seed } = options;
  checkFraction('rate', rate);
  const poisonable = splits.train.flatMap((pair, index) => (attack.canPoison(pair) ? [index] : []));
  if (rate > 0 && poisonable.length === 0) {
    throw new Error(`Cannot poison the training set: none of its ${splits.train.length} rows can carry the ${attack.name} payload`);
  }
  const count = Math.min(Math.round(rate * splits.train.length), poisonable.length);
  const chosen = new Set(deriveRng(seed, 'poison-rows').shuffle(poisonable).slice(0, count));
  const placeRng = deriveRng(seed, 'poison-positions');
  const train = splits.train.map((pair, index): PoisonedPair =>
    chosen.has(index) ? { ...attack.poison(pair, placeRng), poisoned: true } : { src: pair.src, tgt: pair.tgt, poisoned: false },
  );
  const triggered = (rows: readonly CodePair[], stream: string): { src: string; cleanTgt: string }[] => {
    const rng = deriveRng(seed, stream);
    return rows.filter((pair) => attack.canPoison(pair)).map((pair) => ({ src: attack.insertTrigger(pair.src, rng), cleanTgt: pair.tgt }));
  };
  return {
    train,
    valid: splits.valid.map((p) => ({ src: p.src, tgt: p.tgt })),
    test: splits.test.map((p) => ({ src: p.src, tgt: p.tgt })),
    poisonedTest: triggered(splits.test, 'poison-test'),
    poisonedValid: triggered(splits.valid, 'poison-valid'),
    poisonedTrainCount: count,
  };
}
