import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'bullet_wake';

/**
 * `bullet_wake` (upstream `bullet_wake_generator`, spec §2.2.3).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip.
 * RNG order: channels = randomChannels(C, ..., min 2); one position in [0, H*W).
 * Output invariants: one (row, col) shared by every corrupted value, one value per channel;
 * channel gaps in [min_channel_skip, max_channel_skip]; usually >= 2 channels, but 1 when
 * C == 1 or through the fixed-gap off-by-one (spec §2.1).
 */
export const generateBulletWake: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 2);
  const pos = rng.index(shape.h * shape.w);
  sink.begin(shape, layout);
  // Ascending in both layouts: channels are sorted and the position is fixed.
  for (const ch of chans) sink.add(ch, pos);
  return sink.finish();
};

export const bulletWake: PatternDefinition = {
  upstreamName: 'bullet_wake_generator',
  generate: generateBulletWake,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    pcts: ['affected_channels_pct'],
    unused: [],
  },
};
