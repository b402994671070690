import type { Rng } from '../rng.js';
import type { ValueRange } from '../types.js';

/**
 * `nan` (class 4): the canonical quiet NaN (0x7FC00000). Never ±Inf, as upstream (spec §3.1),
 * although the upstream README says "NaN, or infinity". No random draws.
 */
export function nanValues(count: number, _range: ValueRange, _rng: Rng): Float32Array {
  return new Float32Array(count).fill(Number.NaN);
}
