/**
 * Spatial classification of one corrupted tensor: which of the 13 CLASSES patterns it is, and
 * the parameters that pattern's generator reads.
 *
 * The rules are written as the inverse of our pattern generators (upstream spec §2.2), which
 * follow the reference generators. Where the reference classifier (error-classifier spec §2–§3)
 * and those generators disagree (spec §8.2), the builder follows the generators, so that a
 * tensor our generator made comes back with the pattern that made it. Every such choice is
 * listed in docs/compatibility.md ("Error-model builder"). In short, the order is:
 *
 *   n = 1                                         single
 *   every channel holds the same positions (k ≥ 2, 2 % slack for values a fault left equal):
 *     one position                                bullet_wake
 *     a stride-4 run                              skip_4
 *     a contiguous run of ≥ 4, or a full 2-D box  rectangles (not a whole channel)
 *   one channel:
 *     a stride-4 run on multiples of 4            skip_4
 *     whole 32-blocks, gaps ≥ 2 blocks            single_channel_alternated_blocks
 *     one row, evenly spaced or reaching its end  same_row
 *     every position of the channel               full_channels
 *     a full 2-D box, or a run our rectangles
 *       generator can write (both sides ≥ 2)      rectangles
 *     evenly spaced                               single_channel_random
 *     dense (≥ 30 %) from the channel start       full_channels
 *     ending on the channel's last position       single_channel_random
 *     a dense span plus one distant position      shattered_channel
 *     inside a 64-window                          single_block
 *     one row                                     same_row
 *     anything else (a random scatter)            multiple_channels_uncategorized
 *   several channels:
 *     inside a 64-window of tensor positions      single_block
 *     one aligned 16/32/64 block in every channel multi_channel_block
 *     every channel ≥ 30 % corrupted              full_channels
 *     a position common to all channels, beyond chance or with packed spans  shattered_channel
 *     a position shared by several channels, beyond chance                  quasi_shattered_channel
 *     anything else                               multiple_channels_uncategorized
 */
import { drawsFractionForDistinct, q10 } from './buckets.js';
import { channelCount, channelPositions, type SparseFault } from './sparse.js';
import { fullRectangle, isArithmetic, isContiguous, isOneRow, isStrideRun, rectangleOfRun } from './shapes.js';
import type { KeyValue, PatternName, SpatialResult, StatValue } from './types.js';

/** Share of (channel, position) slots of an aligned pattern that may be missing. */
const ALIGN_SLACK = 0.02;
/** Every channel of a full_channels pattern is at least this dense (our generator: ≥ 39 %). */
const FULL_DENSITY = 0.3;
/** A one-channel full_channels pattern starts this close to the channel start. */
const FULL_FIRST_MAX = 16;
/** Block size of single_channel_alternated_blocks (the only one in the published data). */
const ALT_BLOCK = 32;
/** Minimum fill of each block of an alternated-blocks pattern (our generator fills 100 %). */
const ALT_FILL = 0.9;
const BLOCK_SIZES = [16, 32, 64] as const;
/** Each channel of a multi_channel_block holds at least this share of the block. */
const MCB_MIN_FILL = 0.22;
/** The corrupted positions of a multi_channel_block stretch over at least this share of the block. */
const MCB_MIN_COVER = 0.7;
const SKIP = 4;
/** Shattered: at most this many positions common to all channels are expected by chance. */
const CHANCE_ALL = 0.05;
/** Quasi-shattered: at most this many positions shared by maxMult channels are expected by chance. */
const CHANCE_SOME = 0.1;
/** Shattered: channels packed into spans beyond this level of chance (Fisher-combined p). */
const CONCENTRATED = 1e-3;

type Keys = Record<string, KeyValue>;
type Stats = Record<string, StatValue>;

function result(pattern: PatternName, keys: Keys = {}, stats: Stats = {}): SpatialResult {
  return { pattern, keys, stats };
}

const max = (value: number): StatValue => ({ value, agg: 'max' });
const min = (value: number): StatValue => ({ value, agg: 'min' });

export function classifySpatial(s: SparseFault): SpatialResult {
  const { n, k, union } = s;
  if (n === 1) return result('single');
  if (k === 1) return classifySingleChannel(s);

  const u = union.length;
  const aligned = k * u - n <= Math.floor(ALIGN_SLACK * k * u);
  if (aligned) {
    if (u === 1) return result('bullet_wake', { affected_channels_pct: affected(s) }, channelSkips(s));
    if (isStrideRun(union, SKIP)) return skip4(s);
    const rect = rectangleOf(union, s);
    if (rect) return rectangles(s, rect);
  }
  return classifyMultiChannel(s);
}

function classifySingleChannel(s: SparseFault): SpatialResult {
  const { geo, n } = s;
  const a = s.pos.subarray(0, n);
  const last = a[n - 1];
  if (isStrideRun(a, SKIP) && a[0] % SKIP === 0) return skip4(s);
  const alt = alternatedBlocks(a, geo);
  if (alt) return alt;
  const oneRow = isOneRow(a, geo.w);
  // Our same_row and single_channel_random draw their positions with random_channels, which
  // gives an evenly spaced list, or one that ends on the last column / position (§2.1).
  if (oneRow && (isArithmetic(a) || last % geo.w === geo.w - 1)) return sameRow(s, a);
  if (n === geo.hw) return fullChannels(s); // every position: evenly spaced too, but a full channel
  const rect = rectangleOf(a, s, true);
  if (rect) return rectangles(s, rect);
  if (isArithmetic(a)) return singleChannelRandom(s, a);
  if (n >= FULL_DENSITY * geo.hw && a[0] <= FULL_FIRST_MAX) return fullChannels(s);
  if (last === geo.hw - 1) return singleChannelRandom(s, a);
  // Multi-channel generators leave one channel when random_channels' fixed-gap off-by-one
  // strikes (§2.1): a dense span plus a distant common position is a one-channel
  // shattered_channel, a random scatter a one-channel multiple_channels_uncategorized. Our
  // single_channel_random cannot make either shape.
  if (isClusterPlusOne(a)) return shattered(s, 'shattered_channel');
  if (last - a[0] < 64) return singleBlock(s);
  if (oneRow) return sameRow(s, a);
  return multipleChannelsUncategorized(s);
}

function classifyMultiChannel(s: SparseFault): SpatialResult {
  const { geo, n, k, t } = s;
  if (t[n - 1] - t[0] < 64) return singleBlock(s);
  const mcb = multiChannelBlock(s);
  if (mcb) return mcb;
  let everyChannelDense = true;
  for (let j = 0; j < k && everyChannelDense; j++) everyChannelDense = channelCount(s, j) >= FULL_DENSITY * geo.hw;
  if (everyChannelDense) return fullChannels(s);
  // A position shared by many channels is a shattered pattern only when chance does not
  // explain it: random values in a few channels share positions all the time.
  if (s.maxMult === k && (expectedShared(s, k) < CHANCE_ALL || concentration(s, s.maxMultPos) < CONCENTRATED)) {
    return shattered(s, 'shattered_channel');
  }
  if (s.maxMult < k && s.maxMult >= 2 && expectedShared(s, s.maxMult) < CHANCE_SOME) return shattered(s, 'quasi_shattered_channel');
  return multipleChannelsUncategorized(s);
}

/**
 * Expected number of in-channel positions that at least `t` channels would share if every
 * channel's values were placed at random: HW · P(Poisson-binomial(m_c / HW) ≥ t).
 */
function expectedShared(s: SparseFault, t: number): number {
  const hw = s.geo.hw;
  // dist[j] = P(j of the channels seen so far hold a given position), j capped at t
  const dist = new Float64Array(t + 1);
  dist[0] = 1;
  for (let j = 0; j < s.k; j++) {
    const p = channelCount(s, j) / hw;
    dist[t] += dist[t - 1] * p; // reaching the cap stays there
    for (let i = t - 1; i >= 1; i--) dist[i] = dist[i] * (1 - p) + dist[i - 1] * p;
    dist[0] *= 1 - p;
  }
  return hw * dist[t];
}

/**
 * n − 1 ≥ 4 positions in a dense (≥ 50 %) window of < 64, plus one position more than 16 away
 * (a single_block window leaves no such hole: ≤ 1e-4 for the published block sizes).
 */
function isClusterPlusOne(a: Uint32Array): boolean {
  const n = a.length;
  if (n < 5) return false;
  const dense = (from: number, to: number): boolean => a[to] - a[from] < 64 && (to - from + 1) / (a[to] - a[from] + 1) >= 0.5;
  return (dense(0, n - 2) && a[n - 1] - a[n - 2] > 16) || (dense(1, n - 1) && a[1] - a[0] > 16);
}

// ---------------------------------------------------------------------------------------------
// Shared parameters

function affected(s: SparseFault): [number, number] {
  return q10(s.k / s.geo.c);
}

/** max_corrupted_channels, min/max_channel_skip (1 and 1 for one channel), as upstream. */
function channelSkips(s: SparseFault): Stats {
  let lo = Infinity;
  let hi = 0;
  for (let j = 1; j < s.k; j++) {
    const d = s.chans[j] - s.chans[j - 1];
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  if (s.k === 1) lo = hi = 1;
  return { max_corrupted_channels: max(s.k), min_channel_skip: min(lo), max_channel_skip: max(hi) };
}

function gaps(a: ArrayLike<number>): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = 0;
  for (let i = 1; i < a.length; i++) {
    const d = a[i] - a[i - 1];
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  if (a.length < 2) lo = hi = 1;
  return { lo, hi };
}

// ---------------------------------------------------------------------------------------------
// One function per pattern: the keys and stats its generator reads

function sameRow(s: SparseFault, a: Uint32Array): SpatialResult {
  const g = gaps(a);
  // The generator draws the column count as a share of the row width W (upstream §2.2.2);
  // the reference divides by the column span instead (spec §8.2).
  return result(
    'same_row',
    { row_corruption_pct: q10(a.length / s.geo.w) },
    { max_cardinality: max(a.length), min_value_skip: min(g.lo), max_value_skip: max(g.hi) },
  );
}

function skip4(s: SparseFault): SpatialResult {
  return result(
    'skip_4',
    {
      skip_amount: SKIP,
      unique_channel_indexes: s.union.length,
      // Constant upstream: every candidate position is corrupted (spec §3.1).
      indexes_corruption_pct: [90, 100],
      affected_channels_pct: affected(s),
    },
    channelSkips(s),
  );
}

function singleBlock(s: SparseFault): SpatialResult {
  const span = s.t[s.n - 1] - s.t[0] + 1;
  const block = BLOCK_SIZES.find((b) => b >= span) ?? 64;
  // The generator draws pct·B offsets with replacement; report the draw count that gives the
  // observed number of distinct positions, not distinct/B (which would shrink on every round).
  return result('single_block', { block_size: block, block_corruption_pct: q10(drawsFractionForDistinct(s.n, block)) });
}

function alternatedBlocks(a: Uint32Array, geo: SparseFault['geo']): SpatialResult | null {
  const { hw } = geo;
  if (hw <= ALT_BLOCK) return null;
  const ids: number[] = [];
  let i = 0;
  while (i < a.length) {
    const id = Math.floor(a[i] / ALT_BLOCK);
    let j = i;
    while (j < a.length && Math.floor(a[j] / ALT_BLOCK) === id) j++;
    const size = Math.min(ALT_BLOCK, hw - id * ALT_BLOCK);
    if (j - i < ALT_FILL * size) return null;
    if (ids.length > 0 && id - ids[ids.length - 1] < 2) return null;
    ids.push(id);
    i = j;
  }
  const blocks = Math.ceil(hw / ALT_BLOCK);
  let lo: number;
  let hi: number;
  if (ids.length === 1) {
    // One whole block at the start: the generator's first skip jumped past the channel end.
    if (ids[0] !== 0 || a.length !== Math.min(ALT_BLOCK, hw)) return null;
    lo = hi = blocks;
  } else {
    const g = gaps(ids);
    lo = g.lo;
    hi = g.hi;
  }
  return result(
    'single_channel_alternated_blocks',
    { block_size: ALT_BLOCK, min_block_skip: lo, max_block_skip: hi },
    // Not read by the generator (upstream §2.2.6); kept for the format (error-classifier §3.1).
    { max_feature_map_size: max(Math.max(geo.h, geo.w)) },
  );
}

function fullChannels(s: SparseFault): SpatialResult {
  // Our generator draws pct·HW positions per channel with replacement (upstream §2.2.7).
  const frac = drawsFractionForDistinct(s.n / s.k, s.geo.hw);
  return result('full_channels', { avg_channel_corruption_pct: q10(frac), affected_channels_pct: affected(s) }, channelSkips(s));
}

/**
 * Our multi_channel_block generator writes into one block [b·B, b·B + B) aligned to B, the
 * same in every channel, drawing at least B/2 offsets per channel (upstream §2.2.8). Match the
 * smallest aligned block that holds every corrupted position, with at least 22 % of B in each
 * channel (B/2 draws with replacement leave 39 % on average) so that a few values that happen
 * to sit in one block are not taken for one.
 */
function multiChannelBlock(s: SparseFault): SpatialResult | null {
  const { union, geo, k } = s;
  const lo = union[0];
  const hi = union[union.length - 1];
  const block = BLOCK_SIZES.find((b) => Math.floor(lo / b) === Math.floor(hi / b));
  if (block === undefined) return null;
  for (let j = 0; j < k; j++) if (channelCount(s, j) < MCB_MIN_FILL * block) return null;
  const id = Math.floor(lo / block);
  const size = Math.min(block, geo.hw - id * block);
  // Draws over the whole block in every channel cover most of it; a shattered span that
  // happens to sit in one block (common position near the channel end) does not.
  if (hi - lo + 1 < MCB_MIN_COVER * size) return null;
  const frac = drawsFractionForDistinct(s.n / k, size);
  return result(
    'multi_channel_block',
    { block_size: block, avg_block_corruption_pct: q10(frac), affected_channels_pct: affected(s) },
    channelSkips(s),
  );
}

/**
 * How plausible it is that each channel's values (other than `common`) were scattered over the
 * whole channel, as multiple_channels_uncategorized does, rather than packed into one span, as
 * our shattered generator does: per channel, the probability that m uniform positions fall
 * within their observed range, combined over channels with Fisher's method. Small = packed.
 */
function concentration(s: SparseFault, common: number): number {
  let x = 0;
  let dof = 0;
  for (let j = 0; j < s.k; j++) {
    const a = channelPositions(s, j);
    const { first, last } = spanWithout(a, common);
    if (first < 0) continue;
    const m = a.length - (a.indexOf(common) >= 0 ? 1 : 0);
    if (m < 2) continue;
    const r = (last - first + 1) / s.geo.hw;
    const p = Math.min(1, m * r ** (m - 1) - (m - 1) * r ** m);
    x += -2 * Math.log(Math.max(p, 1e-300));
    dof++;
  }
  if (dof === 0) return 1;
  // chi-square survival function with 2·dof degrees of freedom
  let term = 1;
  let sum = 1;
  for (let i = 1; i < dof; i++) {
    term *= x / 2 / i;
    sum += term;
  }
  return Math.exp(-x / 2) * sum;
}

/** First and last position other than `skip` (−1, −1 when there is none). */
function spanWithout(a: Uint32Array, skip: number): { first: number; last: number } {
  let i = 0;
  let j = a.length - 1;
  if (a[i] === skip) i++;
  if (j >= 0 && a[j] === skip) j--;
  if (i > j) return { first: -1, last: -1 };
  return { first: a[i], last: a[j] };
}

/**
 * Our shattered generator (used for both names, upstream §2.3) sets one common position in
 * every channel plus a random subset of a span of width sw per channel (§2.2.9). Measure each
 * channel's span without the common position when it lies outside the span, so that the
 * widths and the percentage are those the generator reads. The reference measures spans with
 * the common position and overwrites the lowest channel's set (spec §3.1, §8.1).
 */
function shattered(s: SparseFault, pattern: 'shattered_channel' | 'quasi_shattered_channel'): SpatialResult {
  const common = s.maxMultPos;
  let spanSum = 0;
  let countSum = 0;
  let lo = Infinity;
  let hi = 0;
  for (let j = 0; j < s.k; j++) {
    const a = channelPositions(s, j);
    const { first, last } = spanWithout(a, common);
    let span = 1;
    let count = 0;
    if (first >= 0) {
      span = last - first + 1;
      count = a.length;
      const hasCommon = a.indexOf(common) >= 0;
      if (hasCommon && (common < first || common > last)) count--;
    }
    spanSum += span;
    countSum += count;
    if (span < lo) lo = span;
    if (span > hi) hi = span;
  }
  return result(
    pattern,
    { avg_span_corruption_pct: q10(countSum / spanSum), affected_channels_pct: affected(s) },
    { ...channelSkips(s), min_span_width: min(lo), max_span_width: max(hi) },
  );
}

/**
 * A full 2-D box (real rectangles), or a contiguous run of ≥ 4 (what our generator writes). Never
 * a whole channel: that is a full channel, whose share carries over to maps of other sizes, where
 * a rectangle of this map's width and height would cover a strip (the reference classifier, too,
 * tries full_channels first and refuses boxes that touch both sides).
 */
function rectangleOf(a: Uint32Array, s: SparseFault, strict = false): { width: number; height: number } | null {
  if (a.length >= s.geo.hw) return null;
  const box = fullRectangle(a, s.geo.w);
  if (box) return box;
  if (a.length < 4 || !isContiguous(a)) return null;
  const rect = rectangleOfRun(a[0], a.length, s.geo.w, s.geo.h);
  // In one channel a run is also what single_channel_random with a gap of 1 writes: only take
  // it for a rectangle when our generator could have written exactly this run.
  if (strict && !rect.reachable) return null;
  return rect;
}

function rectangles(s: SparseFault, rect: { width: number; height: number }): SpatialResult {
  // Full width and height; the reference writes extent − 1 (spec §8.1 item 4).
  return result(
    'rectangles',
    { rectangle_width: rect.width, rectangle_height: rect.height, affected_channels_pct: affected(s) },
    channelSkips(s),
  );
}

function singleChannelRandom(s: SparseFault, a: Uint32Array): SpatialResult {
  const g = gaps(a);
  return result(
    'single_channel_random',
    { channel_corruption_pct: q10(a.length / s.geo.hw) },
    { max_cardinality: max(a.length), min_value_skip: min(g.lo), max_value_skip: max(g.hi) },
  );
}

function multipleChannelsUncategorized(s: SparseFault): SpatialResult {
  let lo = Infinity;
  let hi = 0;
  for (let j = 0; j < s.k; j++) {
    const c = channelCount(s, j);
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  const cs = channelSkips(s);
  return result(
    'multiple_channels_uncategorized',
    { avg_channel_corruption_pct: q10(s.n / (s.k * s.geo.hw)), affected_channels_pct: affected(s) },
    {
      max_corrupted_channels: cs.max_corrupted_channels,
      min_errors_per_channel: min(lo),
      max_errors_per_channel: max(hi),
      min_channel_skip: cs.min_channel_skip,
      max_channel_skip: cs.max_channel_skip,
    },
  );
}
