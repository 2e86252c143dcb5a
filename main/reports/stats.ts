import type { Stat } from './types';

/** Mean and sample standard deviation (n − 1); sd is null below two values. NaN (a diverged run) propagates. */
export function stat(values: readonly number[]): Stat | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, sd: null, n };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(variance), n };
}

/** stat() for callers that have at least one value. */
export function statOf(values: readonly number[]): Stat {
  return stat(values) ?? { mean: Number.NaN, sd: null, n: 0 };
}

/** Distinct values in ascending order. */
export function distinct(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
