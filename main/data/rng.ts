import seedrandom from 'seedrandom';

/** A seeded source of randomness: the same seed gives the same sequence on every machine. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** A 32-bit integer, for seeding a derived generator. */
  int32(): number;
}

export function createRng(seed: number | string): Rng {
  const prng = seedrandom(String(seed));
  const next = (): number => prng.quick();
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty array');
      return items[int(items.length)] as T;
    },
    shuffle<T>(items: readonly T[]): T[] {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
    int32: () => prng.int32(),
  };
}

/** A generator for a named sub-stream, so that adding draws in one place does not shift another. */
export function deriveRng(seed: number | string, stream: string): Rng {
  return createRng(`${String(seed)}/${stream}`);
}
