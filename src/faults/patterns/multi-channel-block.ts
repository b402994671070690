import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels, randomIntFromPctRange } from './helpers.js';
import { sampleWithReplacementUnique } from './sampling.js';

const NAME = 'multi_channel_block';

/**
 * `multi_channel_block` (upstream `multiple_channels_multi_block_generator`, spec §2.2.8).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, block_size (B), avg_block_corruption_pct [lo, hi].
 * RNG order: channels = randomChannels(C, ..., min 2); one block id shared by all channels;
 * then per channel k = max(floor(B/2), pct-of-size) offsets in [0, size) WITH replacement.
 * Blocks: floor(HW/B) full blocks, plus a remainder block of HW mod B when that is >= floor(B/2)
 * or when there is no full block (then the remainder is all of HW).
 * Output invariants: every position lies in one block [blk*B, blk*B + B) (cut at HW), the
 * same block in every channel; >= 1 position per channel; channel gaps in
 * [min_channel_skip, max_channel_skip].
 * Deviation (robustness): B < 1 is read as 1; a remainder block of size 0 (possible upstream
 * only for B = 1) is never chosen, and k is at least 1, so no channel comes out empty.
 */
export const generateMultiChannelBlock: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const b = Math.max(1, intParam(params, 'block_size', NAME));
  const [bLo, bHi] = pctParam(params, 'avg_block_corruption_pct', NAME);
  const hw = shape.h * shape.w;
  const half = Math.floor(b / 2);

  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 2);
  const rem = hw % b;
  let nblk = Math.floor(hw / b);
  let hasRemainder = false;
  if ((rem >= half && rem > 0) || nblk === 0) {
    nblk += 1;
    hasRemainder = true;
  }
  const blk = rng.index(nblk);
  const size = hasRemainder && blk === nblk - 1 ? rem : b;
  const base = blk * b;

  sink.begin(shape, layout);
  for (const ch of chans) {
    const k = Math.max(half, randomIntFromPctRange(rng, size, bLo, bHi), 1);
    const offs = sampleWithReplacementUnique(rng, size, k);
    sink.addChannelRun(ch, base, offs);
  }
  return sink.finish();
};

export const multiChannelBlock: PatternDefinition = {
  upstreamName: 'multiple_channels_multi_block_generator',
  generate: generateMultiChannelBlock,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'block_size'],
    pcts: ['affected_channels_pct', 'avg_block_corruption_pct'],
    unused: [],
  },
};
