import type { Rng } from '../rng.js';
import type { ValueRange } from '../types.js';

/** `zero` (class 1): +0.0 everywhere. No random draws. */
export function zeroValues(count: number, _range: ValueRange, _rng: Rng): Float32Array {
  return new Float32Array(count);
}
