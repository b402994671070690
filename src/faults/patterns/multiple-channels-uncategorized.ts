import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { clamp, randomChannels, randomIntFromPctRange } from './helpers.js';
import { sampleDistinct } from './sampling.js';

const NAME = 'multiple_channels_uncategorized';

/**
 * `multiple_channels_uncategorized` (upstream `multiple_channels_uncategorized_generator`,
 * spec §2.2.12).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, avg_channel_corruption_pct [lo, hi], min_errors_per_channel,
 * max_errors_per_channel.
 * RNG order: channels = randomChannels(C, ..., min 2); then per channel k = pct-of-HW clamped
 * to [min(min_errors, HW), min(max_errors, HW)] (upstream `clamp`: the lower bound wins), and
 * k distinct positions in [0, HW) WITHOUT replacement.
 * Output invariants: per chosen channel exactly k positions, with
 * min(min_errors, HW) <= k <= max(min(min_errors, HW), min(max_errors, HW)); channel gaps in
 * [min_channel_skip, max_channel_skip].
 * Deviation (robustness): min_errors_per_channel < 1 is read as 1, so no channel is empty.
 */
export const generateMultipleChannelsUncategorized: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const [cLo, cHi] = pctParam(params, 'avg_channel_corruption_pct', NAME);
  const minErr = Math.max(1, intParam(params, 'min_errors_per_channel', NAME));
  const maxErr = intParam(params, 'max_errors_per_channel', NAME);
  const hw = shape.h * shape.w;

  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 2);
  sink.begin(shape, layout);
  for (const ch of chans) {
    const raw = randomIntFromPctRange(rng, hw, cLo, cHi);
    const k = clamp(raw, Math.min(minErr, hw), Math.min(maxErr, hw));
    const pos = sampleDistinct(rng, hw, k, true);
    sink.addChannelRun(ch, 0, pos);
  }
  return sink.finish();
};

export const multipleChannelsUncategorized: PatternDefinition = {
  upstreamName: 'multiple_channels_uncategorized_generator',
  generate: generateMultipleChannelsUncategorized,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'min_errors_per_channel', 'max_errors_per_channel'],
    pcts: ['affected_channels_pct', 'avg_channel_corruption_pct'],
    unused: [],
  },
};
