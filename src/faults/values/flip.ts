import type { Rng } from '../rng.js';
import type { ValueRange } from '../types.js';

/**
 * `flip` (class 5), as upstream (spec §3.2): the float32 whose bit pattern has exactly one bit
 * set, the bit drawn uniformly from 0..31. It is not a flip of the golden value: 23/32 of the
 * values are subnormals, 7/32 normals up to 2.0, and 1/32 is −0.0 (bit 31). One draw per value.
 */
export function flipValues(count: number, _range: ValueRange, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) bits[i] = (1 << rng.int(0, 32)) >>> 0;
  return out;
}
