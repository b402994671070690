import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'rectangles';

/**
 * `rectangles` (upstream `rectangles_generator`, spec §2.2.10).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, rectangle_width (rw), rectangle_height (rh).
 * RNG order: channels = randomChannels(C, ..., min 1); top in [0, max(H - rh, 1)); left in
 * [0, max(W - rw, 1)), with rw = min(rw, W) and rh = min(rh, H).
 * Quirk kept: the positions are top*W + left + i*rw + j (i < rh, j < rw), i.e. the row stride
 * is rw, not W: a contiguous run of rh*rw positions starting at (top, left) that wraps across
 * rows (a true rectangle only when rw == W). It always stays inside the channel.
 * Output invariants: every chosen channel has the identical set of exactly
 * min(rh, H) * min(rw, W) positions, contiguous in p = row*W + col; channel gaps in
 * [min_channel_skip, max_channel_skip].
 * Deviation (robustness): rw, rh < 1 are read as 1.
 */
export const generateRectangles: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const { h, w } = shape;
  const rw = Math.min(Math.max(1, intParam(params, 'rectangle_width', NAME)), w);
  const rh = Math.min(Math.max(1, intParam(params, 'rectangle_height', NAME)), h);

  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 1);
  const top = rng.index(Math.max(h - rh, 1));
  const left = rng.index(Math.max(w - rw, 1));
  const first = top * w + left;
  const end = first + rh * rw;

  sink.begin(shape, layout);
  if (layout === 'CHW') {
    for (const ch of chans) for (let p = first; p < end; p++) sink.add(ch, p);
  } else {
    // Position-major so that HWC indices come out ascending.
    for (let p = first; p < end; p++) for (const ch of chans) sink.add(ch, p);
  }
  return sink.finish();
};

export const rectangles: PatternDefinition = {
  upstreamName: 'rectangles_generator',
  generate: generateRectangles,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'rectangle_width', 'rectangle_height'],
    pcts: ['affected_channels_pct'],
    unused: [],
  },
};
