import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam } from './params.js';

const NAME = 'single_channel_alternated_blocks';

/**
 * `single_channel_alternated_blocks` (upstream `single_channel_alternated_block_generator`,
 * spec §2.2.6).
 *
 * Params read: block_size (B), min_block_skip, max_block_skip. `max_feature_map_size` is
 * present in the models but unused (as upstream).
 * RNG order: channel; then block ids 0, 0+s1, 0+s1+s2, ... while < ceil(HW/B), each skip drawn
 * uniformly in [min_block_skip, max_block_skip].
 * Output invariants: 1 channel; position 0 always set; the set positions are whole blocks
 * [id*B, id*B + B) (the last one cut at HW), the block ids starting at 0 with gaps in
 * [min_block_skip, max_block_skip].
 * Deviation (robustness): B < 1 is read as 1, skips < 1 as 1 (upstream loops forever on a
 * skip of 0), and max < min as min.
 */
export const generateSingleChannelAlternatedBlocks: PatternGenerator = (shape, params, rng, layout) => {
  const b = Math.max(1, intParam(params, 'block_size', NAME));
  const minSkip = Math.max(1, intParam(params, 'min_block_skip', NAME));
  const maxSkip = Math.max(minSkip, intParam(params, 'max_block_skip', NAME));
  const hw = shape.h * shape.w;
  const ch = rng.index(shape.c);
  const nb = Math.ceil(hw / b);
  sink.begin(shape, layout);
  for (let id = 0; id < nb; id += rng.int(minSkip, maxSkip + 1)) {
    // Upstream maps positions >= HW to position 0, which is already set: dropping them is equal.
    const end = Math.min(id * b + b, hw);
    for (let p = id * b; p < end; p++) sink.add(ch, p);
  }
  return sink.finish();
};

export const singleChannelAlternatedBlocks: PatternDefinition = {
  upstreamName: 'single_channel_alternated_block_generator',
  generate: generateSingleChannelAlternatedBlocks,
  params: { ints: ['block_size', 'min_block_skip', 'max_block_skip'], pcts: [], unused: ['max_feature_map_size'] },
};
