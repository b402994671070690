/** Single-bit flips of float32 values: the fault model of `classes characterize`. */
import { bitsOf, fromBits } from '../faults/values/float-bits.js';

/** `x` (a float32) with bit `bit` (0 = least significant mantissa bit, 31 = sign) inverted. */
export function flipBit(x: number, bit: number): number {
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new RangeError(`flipBit: bit must be 0..31 (got ${bit})`);
  return fromBits((bitsOf(x) ^ (1 << bit)) >>> 0);
}

/** A copy of `values` with bit `bit` of element `index` inverted. */
export function withFlippedBit(values: Float32Array, index: number, bit: number): Float32Array {
  if (!Number.isInteger(index) || index < 0 || index >= values.length) {
    throw new RangeError(`withFlippedBit: index ${index} is outside 0..${values.length - 1}`);
  }
  const out = values.slice();
  out[index] = flipBit(out[index], bit);
  return out;
}
