/** Mean and sample standard deviation (n − 1) of one metric over runs; sd is null for a single run. */
export interface Stat {
  mean: number;
  sd: number | null;
  n: number;
}

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

/**
 * A mean with its sample standard deviation and a two-sided confidence interval of the mean
 * (Student's t, n − 1 degrees of freedom). sd and the interval are null below two values.
 */
export interface Interval extends Stat {
  ciLow: number | null;
  ciHigh: number | null;
}

/**
 * P(|T| ≤ t) for Student's t with a positive integer number of degrees of freedom, by the closed-form
 * series of Abramowitz & Stegun 26.7.3 (odd df) and 26.7.4 (even df), with θ = atan(|t|/√df):
 *   odd:  (2/π)·(θ + sin θ·cos θ·(1 + 2/3·cos²θ + 2·4/(3·5)·cos⁴θ + … )), (df − 3)/2 terms after the 1;
 *   even: sin θ·(1 + 1/2·cos²θ + 1·3/(2·4)·cos⁴θ + … ), (df − 2)/2 terms after the 1.
 */
function tCentralProbability(t: number, df: number): number {
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const c2 = Math.cos(theta) ** 2;
  const odd = df % 2 === 1;
  let term = 1;
  let sum = 1;
  for (let j = 1; j <= Math.floor((df - 2) / 2); j++) {
    term *= odd ? (c2 * 2 * j) / (2 * j + 1) : (c2 * (2 * j - 1)) / (2 * j);
    sum += term;
  }
  if (!odd) return Math.sin(theta) * sum;
  return (2 / Math.PI) * (theta + (df > 1 ? Math.sin(theta) * Math.cos(theta) * sum : 0));
}

/**
 * The p-quantile of Student's t distribution with `df` degrees of freedom (a positive integer), e.g.
 * tQuantile(0.975, 2) ≈ 4.302653. Found by bisection on the exact distribution function (|error| < 1e-10).
 */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`tQuantile: df must be a positive integer, got ${df}`);
  if (p === 0.5) return 0;
  // P(|T| ≤ t) = 2p − 1 for the upper quantile; the lower one is its mirror image.
  const target = Math.abs(2 * p - 1);
  let lo = 0;
  let hi = 1;
  // The cap stops the doubling for p so close to 1 that rounding keeps the probability below target.
  while (tCentralProbability(hi, df) < target && hi < 1e300) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCentralProbability(mid, df) < target) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  return p > 0.5 ? t : -t;
}

/**
 * Mean, sample standard deviation and the two-sided `level` confidence interval of the mean,
 * mean ± t(1 − (1 − level)/2, n − 1)·sd/√n. Null for no values; sd and interval null for one value.
 * NaN (a diverged run) propagates, as in stat().
 */
export function meanInterval(values: readonly number[], level = 0.95): Interval | null {
  if (!(level > 0 && level < 1)) throw new RangeError(`meanInterval: level must be in (0, 1), got ${level}`);
  const s = stat(values);
  if (s === null) return null;
  if (s.sd === null) return { ...s, ciLow: null, ciHigh: null };
  const half = (tQuantile(1 - (1 - level) / 2, s.n - 1) * s.sd) / Math.sqrt(s.n);
  return { ...s, ciLow: s.mean - half, ciHigh: s.mean + half };
}
