import seedrandom from 'seedrandom';
import { usageError } from '../errors.js';

/** How many random inputs a profile uses when neither data nor a count is given. */
export const DEFAULT_RANDOM_INPUTS = 16;

/**
 * `count` inputs of `sampleShape`, uniform in [0, 1] (the range of images scaled by 1/255),
 * a pure function of `seed`: the same seed gives the same bytes on every machine.
 */
export function randomInputs(count: number, sampleShape: readonly number[], seed: number | string): Float32Array {
  if (!(Number.isInteger(count) && count > 0)) throw usageError(`the number of random inputs must be a positive integer, got ${count}`);
  if (sampleShape.some((d) => !(Number.isInteger(d) && d > 0))) {
    throw usageError(`cannot make random inputs for the model input shape [${sampleShape.join(',')}] (it has symbolic or zero dimensions); give real data with --data`);
  }
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const rng = seedrandom.alea(`${seed}/inputs`);
  const out = new Float32Array(count * size);
  for (let i = 0; i < out.length; i++) out[i] = rng();
  return out;
}
