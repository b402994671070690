import { Rng } from '../../src/faults/rng.js';

/** `count` seeded inputs of one sample shape, values in [-1, 1], one after another. */
export function seededInputs(seed: string, sampleDims: readonly number[], count: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: count * sampleDims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
}
