import { runtimeError } from '../../errors.js';
import type { ValueRange } from '../types.js';

/** An operating range rounded to float32, the precision of the tensors it describes. */
export interface Float32Range {
  lo: number;
  hi: number;
}

/**
 * Round `range` to float32 and check it: both bounds finite numbers and min <= max. Value
 * classes compare against these rounded bounds, so "inside" means inside in float32.
 */
export function toFloat32Range(range: ValueRange): Float32Range {
  const lo = Math.fround(range.min);
  const hi = Math.fround(range.max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw runtimeError(
      `operating range [${range.min}, ${range.max}] is not usable: it needs finite float32 bounds with min <= max (re-run the profile or fix the range)`,
    );
  }
  return { lo, hi };
}
