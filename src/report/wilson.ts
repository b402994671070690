/**
 * Wilson score interval for a binomial proportion. Used for every rate in summary.csv: unlike
 * the normal ("Wald") interval it stays inside [0, 1] and is sensible for rates near 0 or 1,
 * which is where fault-injection outcome rates usually are (e.g. 0 critical out of 500).
 */

/** Two-sided 95 % standard-normal quantile, z such that P(|Z| <= z) = 0.95. */
export const Z95 = 1.959963984540054;

export interface Interval {
  /** The point estimate k / n (0 when n = 0). */
  rate: number;
  lo: number;
  hi: number;
}

/** Wilson interval of k successes in n trials at quantile z (default 95 %). n = 0 gives [0, 1]. */
export function wilsonInterval(k: number, n: number, z: number = Z95): Interval {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) {
    throw new RangeError(`wilsonInterval: need integers 0 <= k <= n, got k=${k} n=${n}`);
  }
  if (n === 0) return { rate: 0, lo: 0, hi: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // Clamp the rounding noise at the ends: k = 0 must give lo = 0 exactly, k = n hi = 1.
  const lo = k === 0 ? 0 : Math.max(0, centre - half);
  const hi = k === n ? 1 : Math.min(1, centre + half);
  return { rate: p, lo, hi };
}
