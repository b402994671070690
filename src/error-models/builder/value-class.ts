/**
 * Value class of one corrupted value against its golden value (error-classifier spec §4.1),
 * adapted so that it is the inverse of our value generators (upstream spec §3):
 *
 * 1. NaN or ±Inf → nan (our `nan` writes NaN; real faults also give ±Inf).
 * 2. +0.0 → zero (what our `zero` writes).
 * 3. a float32 bit pattern with exactly one bit set → flip. Our `flip` writes such one-hot
 *    patterns (subnormals, a few normals, 2.0 and −0.0), not a flipped golden value.
 *    −0.0 is one-hot (the sign bit), so it is a flip here, not a zero: the reference calls it
 *    zero, but our zero class never writes it and our flip class does, 1 time in 32.
 * 4. exactly one bit differs from the golden value → flip (the reference rule, for real faults;
 *    skipped when `goldenBitFlip` is false, see ClassifyOptions).
 * 5. inside [min, max] (inclusive) → in_range, else out_of_range.
 */
import { ValueClassId } from '../../faults/types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

function isSingleBit(x: number): boolean {
  return x !== 0 && (x & (x - 1)) === 0;
}

export function classifyValue(faulty: number, golden: number, min: number, max: number, goldenBitFlip = true): number {
  if (faulty !== faulty || faulty === Infinity || faulty === -Infinity) return ValueClassId.nan;
  const fb = bitsOf(faulty);
  if (fb === 0) return ValueClassId.zero;
  if (isSingleBit(fb)) return ValueClassId.flip;
  // `>>> 0` keeps the XOR unsigned when the sign bit is one of the differing bits.
  if (goldenBitFlip && isSingleBit((fb ^ bitsOf(golden)) >>> 0)) return ValueClassId.flip;
  if (faulty >= min && faulty <= max) return ValueClassId.in_range;
  return ValueClassId.out_of_range;
}
