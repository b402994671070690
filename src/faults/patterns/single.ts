import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';

/**
 * `single` (upstream `single_generator`, spec §2.2.1).
 *
 * Params read: none.
 * Output: exactly 1 index, uniform over the whole per-sample tensor. Upstream draws a C-order
 * flat index of the array in its own layout, so the index is uniform in any layout.
 */
export const generateSingle: PatternGenerator = (shape, _params, rng, layout) => {
  sink.begin(shape, layout);
  sink.addFlat(rng.index(shape.c * shape.h * shape.w));
  return sink.finish();
};

export const single: PatternDefinition = {
  upstreamName: 'single_generator',
  generate: generateSingle,
  params: { ints: [], pcts: [], unused: [] },
};
