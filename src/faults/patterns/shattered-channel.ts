import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { clamp, randomChannels, randomIntFromPctRange } from './helpers.js';
import { sampleDistinct } from './sampling.js';

const NAME = 'shattered_channel';

/**
 * `shattered_channel` and `quasi_shattered_channel` (upstream `shattered_channel_generator`,
 * spec §2.2.9; upstream maps both JSON names to this function).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, min_span_width, max_span_width, avg_span_corruption_pct [lo, hi].
 * RNG order: channels = randomChannels(C, ..., min 2); common position in [0, HW); then per
 * channel: span width sw = clamp(uniform int in [min_span_width, max_span_width], 1, HW);
 * begin in [max(0, common - sw), max(min(HW - 1, HW - sw), 1)); k = pct-of-sw; k distinct
 * offsets in [0, sw) WITHOUT replacement, plus the common position.
 * Output invariants: every chosen channel contains the common position; the other positions
 * of a channel lie in one span [begin, begin + sw) inside the channel; channel gaps in
 * [min_channel_skip, max_channel_skip].
 * Deviation (robustness): max_span_width < min_span_width is read as min_span_width, and k is
 * capped at sw (upstream raises for percentages above 100).
 */
export const generateShatteredChannel: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const minSpan = intParam(params, 'min_span_width', NAME);
  const maxSpan = Math.max(minSpan, intParam(params, 'max_span_width', NAME));
  const [sLo, sHi] = pctParam(params, 'avg_span_corruption_pct', NAME);
  const hw = shape.h * shape.w;

  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 2);
  const common = rng.index(hw);
  sink.begin(shape, layout);
  for (const ch of chans) {
    const sw = clamp(rng.int(minSpan, maxSpan + 1), 1, hw);
    const begin = rng.int(Math.max(0, common - sw), Math.max(Math.min(hw - 1, hw - sw), 1));
    const k = Math.min(randomIntFromPctRange(rng, sw, sLo, sHi), sw);
    const offs = sampleDistinct(rng, sw, k, true);
    // Merge the common position into the ascending span positions.
    let commonDone = false;
    for (let i = 0; i < offs.length; i++) {
      const p = begin + offs[i];
      if (!commonDone && common <= p) {
        if (common < p) sink.add(ch, common);
        commonDone = true;
      }
      sink.add(ch, p);
    }
    if (!commonDone) sink.add(ch, common);
  }
  return sink.finish();
};

export const shatteredChannel: PatternDefinition = {
  upstreamName: 'shattered_channel_generator',
  generate: generateShatteredChannel,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'min_span_width', 'max_span_width'],
    pcts: ['affected_channels_pct', 'avg_span_corruption_pct'],
    unused: [],
  },
};
