import type { Rng } from '../rng.js';
import type { ValueRange } from '../types.js';
import { toFloat32Range } from './range.js';

/**
 * `in_range` (class 2): uniform in the operating range, drawn in float64 as upstream
 * (`uniform(a, b)`, here from 32 random bits: the result is a float32) and rounded to float32. The bounds are the float32-rounded range, both
 * inclusive: a draw just below `hi` can round to `hi`, never beyond. A single-point range
 * (min == max) always gives that point. One draw per value.
 */
export function inRangeValues(count: number, range: ValueRange, rng: Rng): Float32Array {
  const { lo, hi } = toFloat32Range(range);
  const span = hi - lo;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const x = lo + span * rng.next32();
    // float64 rounding of lo + span*u can overshoot hi when the bounds' exponents differ widely.
    out[i] = x > hi ? hi : x;
  }
  return out;
}
