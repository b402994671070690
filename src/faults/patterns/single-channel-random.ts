import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'single_channel_random';

/**
 * `single_channel_random` (upstream `single_channel_random_generator`, spec §2.2.11).
 *
 * Params read: channel_corruption_pct [lo, hi], max_cardinality, min_value_skip,
 * max_value_skip.
 * RNG order: positions = randomChannels(HW, min_value_skip, max_value_skip, max_cardinality,
 * channel_corruption_pct, min 1) over the row-major positions of one channel; then the channel.
 * Output invariants: 1 channel; 1..max(1, max_cardinality) positions (and <= HW) whose
 * consecutive gaps in p = row*W + col lie in [min_value_skip, max_value_skip].
 */
export const generateSingleChannelRandom: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'channel_corruption_pct', NAME);
  const maxCard = intParam(params, 'max_cardinality', NAME);
  const minSkip = intParam(params, 'min_value_skip', NAME);
  const maxSkip = intParam(params, 'max_value_skip', NAME);
  const pos = randomChannels(rng, shape.h * shape.w, minSkip, maxSkip, maxCard, lo, hi, 1);
  const ch = rng.index(shape.c);
  sink.begin(shape, layout);
  for (const p of pos) sink.add(ch, p);
  return sink.finish();
};

export const singleChannelRandom: PatternDefinition = {
  upstreamName: 'single_channel_random_generator',
  generate: generateSingleChannelRandom,
  params: { ints: ['max_cardinality', 'min_value_skip', 'max_value_skip'], pcts: ['channel_corruption_pct'], unused: [] },
};
