/**
 * The one dense pass of the builder: find the corrupted values of a tensor and count their
 * value classes. Everything after this works on the sparse set it returns, which is what
 * makes the builder fast (most faults touch a few hundred values of tens of thousands).
 */
import type { ValueRange } from '../../faults/types.js';
import { classifyValue } from './value-class.js';

/** Finite min and max of the golden tensor (NaNs and infinities are skipped). */
export function goldenRange(golden: Float32Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < golden.length; i++) {
    const g = golden[i];
    if (g < min && g !== -Infinity) min = g;
    if (g > max && g !== Infinity) max = g;
  }
  if (min > max) return { min: NaN, max: NaN }; // no finite value: nothing is ever in range
  return { min, max };
}

export interface ScanResult {
  /** Native flat indices of the corrupted values, ascending. Valid until the next scan. */
  indices: Uint32Array;
  /** Corrupted values per class, indexed by class id − 1. */
  classCounts: number[];
}

let scratch: Uint32Array = new Uint32Array(1024);

/**
 * A value is corrupted when |faulty − golden| ≥ tolerance, the difference taken in float32 as
 * the reference does, or when exactly one of the two is NaN (the reference misses faulty NaNs).
 */
export function scanCorrupted(
  golden: Float32Array,
  faulty: Float32Array,
  tolerance: number,
  range: ValueRange,
  goldenBitFlip = true,
): ScanResult {
  const tol = Math.fround(tolerance);
  const counts = [0, 0, 0, 0, 0];
  const { min, max } = range;
  let n = 0;
  const len = golden.length;
  for (let i = 0; i < len; i++) {
    const f = faulty[i];
    const g = golden[i];
    if (f === g) continue; // the common case; NaN never takes it
    if (f !== f) {
      if (g !== g) continue; // NaN in both: unchanged
    } else if (g === g && !(Math.abs(Math.fround(f - g)) >= tol)) {
      continue;
    }
    if (n === scratch.length) {
      const grown = new Uint32Array(scratch.length * 2);
      grown.set(scratch);
      scratch = grown;
    }
    scratch[n++] = i;
    counts[classifyValue(f, g, min, max, goldenBitFlip) - 1]++;
  }
  return { indices: scratch.subarray(0, n), classCounts: counts };
}
