import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels, randomIntFromPctRange } from './helpers.js';
import { sampleWithReplacementUnique } from './sampling.js';

const NAME = 'full_channels';

/**
 * `full_channels` (upstream `full_channels_generator`, spec §2.2.7).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, avg_channel_corruption_pct [lo, hi].
 * RNG order: channels = randomChannels(C, ..., min 1); then per channel
 * k = max(pct-of-HW, 1) and k positions in [0, HW) WITH replacement (kept: the distinct count
 * per channel averages HW*(1 - e^(-k/HW)), well below k).
 * Output invariants: every chosen channel has 1..min(k, HW) positions; channel gaps in
 * [min_channel_skip, max_channel_skip].
 */
export const generateFullChannels: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const [cLo, cHi] = pctParam(params, 'avg_channel_corruption_pct', NAME);
  const hw = shape.h * shape.w;
  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 1);
  sink.begin(shape, layout);
  for (const ch of chans) {
    const k = Math.max(randomIntFromPctRange(rng, hw, cLo, cHi), 1);
    const pos = sampleWithReplacementUnique(rng, hw, k);
    sink.addChannelRun(ch, 0, pos);
  }
  return sink.finish();
};

export const fullChannels: PatternDefinition = {
  upstreamName: 'full_channels_generator',
  generate: generateFullChannels,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    pcts: ['affected_channels_pct', 'avg_channel_corruption_pct'],
    unused: [],
  },
};
