import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'same_row';

/**
 * `same_row` (upstream `same_row_generator`, spec §2.2.2).
 *
 * Params read: row_corruption_pct [lo, hi], max_cardinality, min_value_skip, max_value_skip.
 * RNG order: columns = randomChannels(W, min_value_skip, max_value_skip, max_cardinality,
 * row_corruption_pct, min 1); channel; row.
 * Output invariants: 1 channel, 1 row; 1..max(1, max_cardinality) columns (and <= W), with
 * consecutive column gaps in [min_value_skip, max_value_skip] (usually exactly
 * max_value_skip, spec §2.1).
 */
export const generateSameRow: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'row_corruption_pct', NAME);
  const maxCard = intParam(params, 'max_cardinality', NAME);
  const minSkip = intParam(params, 'min_value_skip', NAME);
  const maxSkip = intParam(params, 'max_value_skip', NAME);
  const { w } = shape;
  const cols = randomChannels(rng, w, minSkip, maxSkip, maxCard, lo, hi, 1);
  const ch = rng.index(shape.c);
  const row = rng.index(shape.h);
  sink.begin(shape, layout);
  for (const col of cols) sink.add(ch, row * w + col);
  return sink.finish();
};

export const sameRow: PatternDefinition = {
  upstreamName: 'same_row_generator',
  generate: generateSameRow,
  params: { ints: ['max_cardinality', 'min_value_skip', 'max_value_skip'], pcts: ['row_corruption_pct'], unused: [] },
};
