import type { Rng } from '../rng.js';
import { sampleDistinct } from './sampling.js';

/**
 * The shared helpers of upstream `generator_utils.py` (spec §2.1), with the reference's
 * distribution-shaping quirks kept on purpose and its crash cases made total (each listed in
 * docs/compatibility.md, "Patterns").
 */

/**
 * Python's built-in `round()` for floats: round half to EVEN (round(0.5)=0, round(2.5)=2,
 * round(1.5)=2). Products such as 25*10/100 = 2.5 are common in the models, so Math.round
 * (half up) would shift counts.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** `max(lo, min(v, hi))`, as upstream's `clamp` (lo wins when lo > hi). */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

/**
 * Upstream `random_int_from_pct_range(n, lo, hi)`: uniform integer in
 * [round(n*lo/100), round(n*hi/100)] (inclusive), with round-half-even. May return 0.
 * Deviation (robustness): percentages are clamped to [0, 100] and a reversed pair is swapped;
 * upstream would raise on lo > hi and could exceed n above 100 %.
 */
export function randomIntFromPctRange(rng: Rng, n: number, loPct: number, hiPct: number): number {
  let lo = clamp(loPct, 0, 100);
  let hi = clamp(hiPct, 0, 100);
  if (lo > hi) [lo, hi] = [hi, lo];
  // Same operation order as upstream (n*pct first, then /100) so that ties like 2.5 match.
  const mn = roundHalfEven((n * lo) / 100);
  const mx = roundHalfEven((n * hi) / 100);
  return rng.int(mn, mx + 1);
}

/**
 * Upstream `random_list_with_gap_constraints(length, max_number, min_gap, max_gap)`
 * (non-strict mode). Returns a sorted list that starts at 0. Requires 1 <= minGap <= maxGap
 * (`randomChannels` normalises).
 *
 * - Fixed gap (minGap == maxGap): the multiples of the gap STRICTLY below maxNumber, at most
 *   `length` of them. Callers pass maxNumber <= gap*(length-1), so this yields length-1
 *   elements: the reference's off-by-one, kept because it shapes the channel counts.
 * - Variable gap: start from length-1 gaps of minGap; spread d = maxNumber - minGap*(length-1)
 *   unit increments over d distinct slots, maxGap-minGap slots per gap (or, if d <= 0,
 *   remove |d| units over minGap-1 slots per gap). The last element equals maxNumber.
 *   Deviation: upstream raises when there are too few slots; here d is capped at the slot
 *   count. The callers in this module never reach that case.
 */
export function randomListWithGapConstraints(rng: Rng, length: number, maxNumber: number, minGap: number, maxGap: number): number[] {
  if (length <= 0) return [];
  if (length === 1) return [0];
  if (minGap === maxGap) {
    const out: number[] = [];
    for (let v = 0; v < maxNumber && out.length < length; v += minGap) out.push(v);
    return out;
  }
  const nGaps = length - 1;
  const gaps = new Array<number>(nGaps).fill(minGap);
  const tail = minGap * nGaps;
  let d = maxNumber - tail;
  if (d > 0) {
    const perGap = maxGap - minGap;
    const slots = perGap * nGaps;
    if (d >= slots) {
      // Every slot is picked (the usual case, spec §2.1): all gaps become maxGap, no draw needed.
      gaps.fill(maxGap);
    } else {
      const chosen = sampleDistinct(rng, slots, d, false);
      for (let i = 0; i < chosen.length; i++) gaps[Math.floor(chosen[i] / perGap)] += 1;
    }
  } else {
    d = tail - maxNumber;
    const perGap = minGap - 1;
    const slots = perGap * nGaps;
    if (d > 0 && slots > 0) {
      if (d >= slots) {
        gaps.fill(1);
      } else {
        const chosen = sampleDistinct(rng, slots, d, false);
        for (let i = 0; i < chosen.length; i++) gaps[Math.floor(chosen[i] / perGap)] -= 1;
      }
    }
  }
  const out = new Array<number>(length);
  out[0] = 0;
  for (let i = 0; i < nGaps; i++) out[i + 1] = out[i] + gaps[i];
  return out;
}

/**
 * Upstream `random_channels(C, min_skip, max_skip, max_count, lo_pct, hi_pct, min_channels)`:
 * a sorted set of indices in [0, C) (channels, or positions in a row/channel). In RNG order:
 * n = max(min(pct-of-C, floor(C/min_skip)+1, max_count), min(C, min_channels)); an offset in
 * [0, C - min_skip*(n-1)); then the gap-constrained list capped at C - offset - 1. The result
 * is evenly spaced by max_skip unless the run would pass the end (spec §2.1).
 * Deviation (robustness): min_skip < 1 is read as 1 (upstream divides by zero) and
 * max_skip < min_skip as min_skip.
 */
export function randomChannels(
  rng: Rng,
  count: number,
  minSkip: number,
  maxSkip: number,
  maxCount: number,
  loPct: number,
  hiPct: number,
  minChannels: number,
): number[] {
  const minS = Math.max(1, minSkip);
  const maxS = Math.max(minS, maxSkip);
  const nPct = randomIntFromPctRange(rng, count, loPct, hiPct);
  const nGap = Math.floor(count / minS) + 1;
  const n = Math.max(Math.min(nPct, nGap, maxCount), Math.min(count, minChannels));
  const minSpan = minS * (n - 1);
  const maxSpan = maxS * (n - 1);
  const maxStart = Math.max(count - minSpan, 0);
  const offset = maxStart > 0 ? rng.index(maxStart) : 0;
  const idx = randomListWithGapConstraints(rng, n, Math.min(maxSpan, count - offset - 1), minS, maxS);
  const out: number[] = [];
  for (const i of idx) if (offset + i < count) out.push(offset + i);
  return out;
}
