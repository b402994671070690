import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'same_column';

/**
 * `same_column` (upstream `same_column_generator`, spec §2.2.13). Upstream always raises (it
 * converts positions with ravel instead of unravel) and no published model uses the name. This
 * implements its evident intent, the transpose of `same_row` (a documented deviation).
 *
 * Params read: col_corruption_pct [lo, hi], max_cardinality, min_value_skip, max_value_skip.
 * RNG order: rows = randomChannels(H, min_value_skip, max_value_skip, max_cardinality,
 * col_corruption_pct, min 1); channel; column.
 * Output invariants: 1 channel, 1 column; 1..max(1, max_cardinality) rows (and <= H), with
 * consecutive row gaps in [min_value_skip, max_value_skip].
 */
export const generateSameColumn: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'col_corruption_pct', NAME);
  const maxCard = intParam(params, 'max_cardinality', NAME);
  const minSkip = intParam(params, 'min_value_skip', NAME);
  const maxSkip = intParam(params, 'max_value_skip', NAME);
  const { w } = shape;
  const rows = randomChannels(rng, shape.h, minSkip, maxSkip, maxCard, lo, hi, 1);
  const ch = rng.index(shape.c);
  const col = rng.index(w);
  sink.begin(shape, layout);
  for (const row of rows) sink.add(ch, row * w + col);
  return sink.finish();
};

export const sameColumn: PatternDefinition = {
  upstreamName: 'same_column_generator',
  generate: generateSameColumn,
  params: { ints: ['max_cardinality', 'min_value_skip', 'max_value_skip'], pcts: ['col_corruption_pct'], unused: [] },
};
