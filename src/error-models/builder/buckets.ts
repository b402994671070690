/**
 * Percentage buckets of the reference classifier (error-classifier spec §2.1): a proportion x
 * becomes the pair [lo, hi] of the L-level bucket "(lo %, hi %]". x is divided first and only
 * then multiplied by L, which gives the same results as the Python original.
 */
export function percentBucket(x: number, levels: number): [number, number] {
  const step = 100 / levels;
  const hi = Math.min(Math.ceil(x * levels) * step, 100);
  const lo = Math.max(0, hi - step);
  return [lo, hi];
}

/** The 10-level bucket used by every spatial parameter. */
export function q10(x: number): [number, number] {
  return percentBucket(x, 10);
}

/** The 8-level bucket used by Double value-class distributions. */
export function q8(x: number): [number, number] {
  return percentBucket(x, 8);
}

/**
 * How many draws *with replacement* from `size` slots give `distinct` different slots on
 * average: the inverse of E[distinct] = size·(1 − (1 − 1/size)^k). Our generators for
 * single_block, full_channels and multi_channel_block draw with replacement (upstream §2.2.5,
 * §2.2.7, §2.2.8), so the percentage they read is draws/size, not distinct/size. Returned as
 * a fraction of `size`; a fully covered window gives Infinity (which buckets to [90, 100]).
 */
export function drawsFractionForDistinct(distinct: number, size: number): number {
  if (size <= 1) return distinct >= size ? 1 : 0;
  if (distinct >= size) return Infinity;
  const draws = Math.log(1 - distinct / size) / Math.log(1 - 1 / size);
  return draws / size;
}
