import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomIntFromPctRange } from './helpers.js';
import { sampleWithReplacementUnique } from './sampling.js';

const NAME = 'single_block';

/**
 * `single_block` (upstream `single_block_generator`, spec §2.2.5).
 *
 * Params read: block_size (B), block_corruption_pct [lo, hi].
 * RNG order: start in [0, max(1, C*H*W - B)); k = pct-of-B (may be 0); k offsets in [0, B)
 * WITH replacement (kept: it makes the realised count smaller than k).
 * The window is linear over the logical (c, h, w) in C-major order, so it may cross channel
 * borders; positions past the tensor end are dropped.
 * Output invariants: 0..min(k, B) indices whose C-major logical positions c*H*W + h*W + w all
 * lie in [start, start + B). May be EMPTY (k = 0), the only generator that can be.
 * Deviation (robustness): B < 1 is read as 1.
 */
export const generateSingleBlock: PatternGenerator = (shape, params, rng, layout) => {
  const b = Math.max(1, intParam(params, 'block_size', NAME));
  const [lo, hi] = pctParam(params, 'block_corruption_pct', NAME);
  const hw = shape.h * shape.w;
  const total = shape.c * hw;
  const start = rng.index(Math.max(1, total - b));
  const k = randomIntFromPctRange(rng, b, lo, hi);
  const offs = sampleWithReplacementUnique(rng, b, k);
  sink.begin(shape, layout);
  for (let i = 0; i < offs.length; i++) {
    const q = start + offs[i];
    if (q >= total) break; // offsets are ascending
    const ch = Math.floor(q / hw);
    sink.add(ch, q - ch * hw);
  }
  return sink.finish();
};

export const singleBlock: PatternDefinition = {
  upstreamName: 'single_block_generator',
  generate: generateSingleBlock,
  params: { ints: ['block_size'], pcts: ['block_corruption_pct'], unused: [] },
};
