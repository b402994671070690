import { runtimeError } from '../../errors.js';
import type { Rng } from '../rng.js';
import type { ValueRange } from '../types.js';
import { NEG_MAX_BITS, NEG_ZERO_BITS, POS_MAX_BITS, POS_ZERO_BITS, SIGN_BIT, bitsOf } from './float-bits.js';
import { toFloat32Range } from './range.js';

/**
 * `out_of_range` (class 3): a finite float32 strictly outside the operating range [lo, hi],
 * uniform over bit patterns (spec §3.3), so magnitudes are roughly log-uniform.
 *
 * Upstream splits this into a weighted side choice (below/above), a weighted sign choice and a
 * uniform draw of bits in each region. Its weights are the region sizes in bit patterns, so
 * the result is uniform over the union of the regions; we draw one integer over that union
 * instead (one draw per value; same distribution, not the same draw sequence). Differences,
 * all deliberate (docs/compatibility.md):
 * - all-negative ranges (upstream crashes): the intended regions, (hi, −0] ∪ [+0, FLT_MAX]
 *   above and [−FLT_MAX, lo) below;
 * - the bounds are exclusive: a value never equals lo or hi (upstream includes them, p ≈ 2⁻³⁰);
 *   −0.0 and +0.0 are both excluded when 0 lies in the range;
 * - the positive part below a positive lo, [+0, lo): upstream always writes −0.0 there (an
 *   artefact of an empty-range "fix"); we draw the intended values unless
 *   `upstreamNegativeZero` is set, which reproduces the −0.0 artefact with the same weight.
 * ±FLT_MAX can be drawn (upstream stops one pattern short); the result is never NaN or ±Inf.
 */
export interface OutOfRangeOptions {
  upstreamNegativeZero?: boolean;
}

/** Half-open run of bit patterns [start, start + size); `constBits` replaces every draw when set. */
interface Region {
  start: number;
  size: number;
  constBits?: number;
}

const ONE_SIGN_COUNT = POS_MAX_BITS + 1; // finite patterns of one sign, zero included

/** The bit-pattern regions of finite float32 values strictly outside [lo, hi]. */
export function outOfRangeRegions(lo: number, hi: number, opts: OutOfRangeOptions = {}): Region[] {
  const regions: Region[] = [];
  const push = (start: number, size: number, constBits?: number): void => {
    if (size > 0) regions.push(constBits === undefined ? { start, size } : { start, size, constBits });
  };
  const loBits = bitsOf(lo);
  const hiBits = bitsOf(hi);

  // Below lo.
  if (lo > 0) {
    push(NEG_ZERO_BITS, ONE_SIGN_COUNT); // every negative float, −0 included (−0 < lo)
    push(POS_ZERO_BITS, loBits, opts.upstreamNegativeZero ? NEG_ZERO_BITS : undefined); // [+0, lo)
  } else if (lo === 0) {
    push(NEG_ZERO_BITS + 1, POS_MAX_BITS); // negatives except −0 (−0 == 0 is inside)
  } else {
    push(loBits + 1, NEG_MAX_BITS - loBits); // [−FLT_MAX, lo): larger patterns, larger magnitudes
  }

  // Above hi.
  if (hi < 0) {
    push(NEG_ZERO_BITS, hiBits - SIGN_BIT); // (hi, −0]
    push(POS_ZERO_BITS, ONE_SIGN_COUNT); // [+0, FLT_MAX]
  } else if (hi === 0) {
    push(POS_ZERO_BITS + 1, POS_MAX_BITS); // positives except +0
  } else {
    push(hiBits + 1, POS_MAX_BITS - hiBits); // (hi, FLT_MAX]
  }
  return regions;
}

export function makeOutOfRangeValues(opts: OutOfRangeOptions = {}) {
  // The regions of the last range seen: a layer's faults all share one range, so the setup
  // is done once per layer rather than once per fault.
  let lastLo = Number.NaN;
  let lastHi = Number.NaN;
  let starts = new Float64Array(0);
  let sizes = new Float64Array(0);
  let consts = new Float64Array(0);
  let total = 0;

  return function outOfRangeValues(count: number, range: ValueRange, rng: Rng): Float32Array {
    const { lo, hi } = toFloat32Range(range);
    if (!(Object.is(lo, lastLo) && Object.is(hi, lastHi))) {
      const regions = outOfRangeRegions(lo, hi, opts);
      // Flat typed arrays keep the per-value loop monomorphic (the hot path for big faults).
      starts = Float64Array.from(regions, (g) => g.start);
      sizes = Float64Array.from(regions, (g) => g.size);
      consts = Float64Array.from(regions, (g) => g.constBits ?? -1);
      total = regions.reduce((a, g) => a + g.size, 0);
      lastLo = lo;
      lastHi = hi;
    }
    if (total === 0 && count > 0) {
      throw runtimeError(
        `operating range [${range.min}, ${range.max}] covers every finite float32, so no out_of_range value exists; narrow the range`,
      );
    }
    const n = sizes.length;
    const out = new Float32Array(count);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) {
      // 32 random bits suffice: there are fewer than 2^32 finite float32 patterns to choose from
      let r = Math.floor(rng.next32() * total);
      if (r >= total) r = total - 1; // rounding guard for u just below 1
      let j = 0;
      while (j < n - 1 && r >= sizes[j]) {
        r -= sizes[j];
        j++;
      }
      bits[i] = consts[j] >= 0 ? consts[j] : starts[j] + r;
    }
    return out;
  };
}

/** The default (intended-behaviour) out_of_range generator. */
export const outOfRangeValues = makeOutOfRangeValues();
