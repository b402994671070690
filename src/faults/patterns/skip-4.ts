import type { PatternDefinition, PatternGenerator } from './types.js';
import { sink } from './index-sink.js';
import { intParam, pctParam } from './params.js';
import { randomChannels } from './helpers.js';

const NAME = 'skip_4';

/**
 * `skip_4` (upstream `skip_4_generator`, spec §2.2.4).
 *
 * Params read: affected_channels_pct [lo, hi], max_corrupted_channels, min_channel_skip,
 * max_channel_skip, skip_amount (s), unique_channel_indexes (u), indexes_corruption_pct [lo, hi].
 * RNG order: channels = randomChannels(C, ..., min 1); r in [0, s) (only shifts the start
 * range, never the positions); start in [0, 1 + max(floor((HW - r - s*u)/s), 0)); then per
 * channel pct = uniform(lo, hi) and one draw per candidate, kept if draw < pct.
 * Quirk kept: pct is a percentage (90..100 in all models) compared with [0, 1) draws, so every
 * candidate is corrupted; the per-candidate draws are skipped when pct >= 1 since they cannot
 * change the outcome. A pct below 1 (no model has one) keeps each candidate with that
 * probability, as upstream, and may leave the fault empty.
 * Output invariants: every channel has the same positions, all multiples of s, the run
 * start*s, (start+1)*s, ... below min((start+u)*s, HW), so 1..u per channel; channel gaps in
 * [min_channel_skip, max_channel_skip].
 * Deviation (robustness): s < 1 and u < 1 are read as 1 (upstream raises or returns nothing).
 */
export const generateSkip4: PatternGenerator = (shape, params, rng, layout) => {
  const [lo, hi] = pctParam(params, 'affected_channels_pct', NAME);
  const maxCount = intParam(params, 'max_corrupted_channels', NAME);
  const minSkip = intParam(params, 'min_channel_skip', NAME);
  const maxSkip = intParam(params, 'max_channel_skip', NAME);
  const s = Math.max(1, intParam(params, 'skip_amount', NAME));
  const u = Math.max(1, intParam(params, 'unique_channel_indexes', NAME));
  const [idxLo, idxHi] = pctParam(params, 'indexes_corruption_pct', NAME);
  const hw = shape.h * shape.w;

  const chans = randomChannels(rng, shape.c, minSkip, maxSkip, maxCount, lo, hi, 1);
  const r = rng.index(s);
  const start = rng.int(0, 1 + Math.max(Math.floor((hw - r - s * u) / s), 0));
  const end = Math.min((u + start) * s, hw);

  sink.begin(shape, layout);
  for (const ch of chans) {
    const pct = rng.uniform(idxLo, idxHi);
    for (let p = start * s; p < end; p += s) {
      if (pct >= 1 || rng.next() < pct) sink.add(ch, p);
    }
  }
  return sink.finish();
};

export const skip4: PatternDefinition = {
  upstreamName: 'skip_4_generator',
  generate: generateSkip4,
  params: {
    ints: ['max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'skip_amount', 'unique_channel_indexes'],
    pcts: ['affected_channels_pct', 'indexes_corruption_pct'],
    unused: [],
  },
};
