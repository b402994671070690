import assert from 'node:assert/strict';
import type { Layout, ResolvedParams, Shape3, ParamValue } from '../../../src/faults/types.js';
import { Rng } from '../../../src/faults/rng.js';
import { roundHalfEven } from '../../../src/faults/patterns/helpers.js';

/** Logical position of one corrupted value: channel c and p = row*W + col. */
export interface Pos {
  c: number;
  p: number;
}

export function shapeStr(s: Shape3): string {
  return `${s.c}x${s.h}x${s.w}`;
}

/** Flat index → logical (c, p) for the layout (inverse of the generators' mapping). */
export function decode(indices: Uint32Array, shape: Shape3, layout: Layout): Pos[] {
  const hw = shape.h * shape.w;
  const out: Pos[] = [];
  for (const f of indices) {
    if (layout === 'CHW') out.push({ c: Math.floor(f / hw), p: f % hw });
    else out.push({ c: f % shape.c, p: Math.floor(f / shape.c) });
  }
  return out;
}

/** Channel → sorted positions. */
export function byChannel(pos: Pos[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const { c, p } of pos) {
    let l = m.get(c);
    if (!l) m.set(c, (l = []));
    l.push(p);
  }
  for (const l of m.values()) l.sort((a, b) => a - b);
  return new Map([...m.entries()].sort((a, b) => a[0] - b[0]));
}

/** A stable key of the logical set, to compare layouts. */
export function logicalKey(pos: Pos[]): string {
  return pos
    .map(({ c, p }) => c * 1e9 + p)
    .sort((a, b) => a - b)
    .join(',');
}

/** Sorted, unique, in bounds: the contract of every generator. */
export function assertWellFormed(idx: Uint32Array, shape: Shape3, what: string): void {
  assert.ok(idx instanceof Uint32Array, `${what}: not a Uint32Array`);
  const n = shape.c * shape.h * shape.w;
  // Messages are built only on failure: this runs on every index of every test fault.
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i] < n)) assert.fail(`${what}: index ${idx[i]} out of bounds (${n})`);
    if (i > 0 && !(idx[i] > idx[i - 1])) assert.fail(`${what}: not strictly ascending at ${i}: ${idx[i - 1]}, ${idx[i]}`);
  }
}

export function num(params: ResolvedParams, name: string): number {
  const v = params[name];
  assert.equal(typeof v, 'number', `param ${name}`);
  return v as number;
}

export function pair(params: ResolvedParams, name: string): [number, number] {
  const v = params[name];
  assert.ok(Array.isArray(v), `param ${name}`);
  return v as [number, number];
}

/**
 * The spec §2.5 "any pattern using random_channels" invariant for a sorted index list over
 * [0, count): gaps in [min_skip, max_skip] (below min_skip only when count <= min_skip*(n-1),
 * the decrement / small-count cases), and n <= max(min(n_pct_max, floor(count/min_skip)+1,
 * max_count), min(count, min_channels)).
 */
export function assertRandomChannels(
  list: number[],
  count: number,
  minSkipRaw: number,
  maxSkipRaw: number,
  maxCount: number,
  hiPct: number,
  minChannels: number,
  what: string,
): void {
  const minSkip = Math.max(1, minSkipRaw);
  const maxSkip = Math.max(minSkip, maxSkipRaw);
  const n = list.length;
  assert.ok(n >= 1, `${what}: no element chosen`);
  const nPctMax = roundHalfEven((count * Math.min(hiPct, 100)) / 100);
  const bound = Math.max(Math.min(nPctMax, Math.floor(count / minSkip) + 1, maxCount), Math.min(count, minChannels));
  assert.ok(n <= bound, `${what}: ${n} elements > bound ${bound}`);
  for (let i = 1; i < n; i++) {
    const g = list[i] - list[i - 1];
    if (g > maxSkip) assert.fail(`${what}: gap ${g} > max_skip ${maxSkip} in [${list.join(',')}]`);
    if (g < minSkip) {
      assert.ok(count <= minSkip * (n - 1), `${what}: gap ${g} < min_skip ${minSkip} outside the decrement case in [${list.join(',')}]`);
    }
  }
}

/** Shapes every generator must handle, degenerate ones included. */
export const SHAPES: Shape3[] = [
  { c: 1, h: 1, w: 1 },
  { c: 1, h: 1, w: 7 },
  { c: 1, h: 7, w: 1 },
  { c: 1, h: 5, w: 5 },
  { c: 2, h: 2, w: 2 },
  { c: 3, h: 5, w: 7 },
  { c: 4, h: 4, w: 4 },
  { c: 12, h: 1, w: 100 },
  { c: 7, h: 100, w: 1 },
  { c: 16, h: 8, w: 8 },
  { c: 64, h: 26, w: 26 },
  { c: 256, h: 4, w: 4 },
];

export const LAYOUTS: Layout[] = ['CHW', 'HWC'];

/**
 * Parameter sets per JSON pattern name, hand-written from the spec and the published models,
 * so that the tests run without the reference files.
 */
export const PARAM_SETS: Record<string, ResolvedParams[]> = {
  single: [{}],
  same_row: [
    { row_corruption_pct: [20, 30], max_cardinality: 8, min_value_skip: 1, max_value_skip: 29 },
    { row_corruption_pct: [90, 100], max_cardinality: 4, min_value_skip: 1, max_value_skip: 1 },
    { row_corruption_pct: [0, 10], max_cardinality: 2048, min_value_skip: 2, max_value_skip: 1025 },
  ],
  same_column: [{ col_corruption_pct: [90, 100], max_cardinality: 8, min_value_skip: 1, max_value_skip: 3 }],
  bullet_wake: [
    { affected_channels_pct: [90, 100], max_corrupted_channels: 16, min_channel_skip: 1, max_channel_skip: 2 },
    { affected_channels_pct: [20, 30], max_corrupted_channels: 32, min_channel_skip: 1, max_channel_skip: 4 },
    { affected_channels_pct: [0, 10], max_corrupted_channels: 4, min_channel_skip: 2, max_channel_skip: 2 },
    { affected_channels_pct: [40, 50], max_corrupted_channels: 128, min_channel_skip: 8, max_channel_skip: 104 },
  ],
  skip_4: [
    skip4(8, [10, 20], 4, 1, 4),
    skip4(8, [20, 30], 4, 4, 4),
    skip4(2, [90, 100], 16, 1, 1),
    skip4(1024, [50, 60], 32, 1, 2),
  ],
  single_block: [
    { block_size: 64, block_corruption_pct: [90, 100] },
    { block_size: 32, block_corruption_pct: [50, 60] },
    { block_size: 16, block_corruption_pct: [0, 10] },
  ],
  single_channel_alternated_blocks: [
    { block_size: 16, min_block_skip: 2, max_block_skip: 4, max_feature_map_size: 1024 },
    { block_size: 32, min_block_skip: 2, max_block_skip: 2, max_feature_map_size: 4096 },
    { block_size: 64, min_block_skip: 3, max_block_skip: 16, max_feature_map_size: 4096 },
  ],
  full_channels: [
    fullCh([90, 100], [0, 10], 8, 1, 70),
    fullCh([80, 90], [0, 10], 2, 1, 1),
    fullCh([50, 60], [40, 50], 16, 1, 3),
  ],
  multi_channel_block: [
    mcb(32, [90, 100], [90, 100], 32, 1, 2),
    mcb(16, [20, 30], [10, 20], 8, 1, 12),
    mcb(64, [40, 50], [50, 60], 128, 4, 7),
  ],
  shattered_channel: [
    shat([90, 100], [0, 10], 6, 1, 8, 7, 9),
    shat([90, 100], [90, 100], 64, 1, 2, 2, 96),
    shat([20, 30], [20, 30], 32, 2, 5, 2, 4096),
  ],
  rectangles: [
    { rectangle_width: 2, rectangle_height: 2, affected_channels_pct: [90, 100], max_corrupted_channels: 128, min_channel_skip: 1, max_channel_skip: 1 },
    { rectangle_width: 29, rectangle_height: 63, affected_channels_pct: [10, 20], max_corrupted_channels: 8, min_channel_skip: 1, max_channel_skip: 4 },
  ],
  single_channel_random: [
    { channel_corruption_pct: [0, 10], max_cardinality: 8, min_value_skip: 1, max_value_skip: 30 },
    { channel_corruption_pct: [90, 100], max_cardinality: 2048, min_value_skip: 1, max_value_skip: 1 },
    { channel_corruption_pct: [20, 30], max_cardinality: 64, min_value_skip: 15, max_value_skip: 15 },
  ],
  multiple_channels_uncategorized: [
    { avg_channel_corruption_pct: [0, 10], affected_channels_pct: [20, 30], max_corrupted_channels: 8, min_channel_skip: 1, max_channel_skip: 4, min_errors_per_channel: 1, max_errors_per_channel: 6 },
    { avg_channel_corruption_pct: [90, 100], affected_channels_pct: [90, 100], max_corrupted_channels: 128, min_channel_skip: 1, max_channel_skip: 1, min_errors_per_channel: 1, max_errors_per_channel: 96 },
  ],
};
PARAM_SETS.quasi_shattered_channel = PARAM_SETS.shattered_channel;

function skip4(u: number, aff: [number, number], maxC: number, minS: number, maxS: number): ResolvedParams {
  return {
    skip_amount: 4,
    unique_channel_indexes: u,
    indexes_corruption_pct: [90, 100],
    affected_channels_pct: aff,
    max_corrupted_channels: maxC,
    min_channel_skip: minS,
    max_channel_skip: maxS,
  };
}
function fullCh(avg: [number, number], aff: [number, number], maxC: number, minS: number, maxS: number): ResolvedParams {
  return { avg_channel_corruption_pct: avg, affected_channels_pct: aff, max_corrupted_channels: maxC, min_channel_skip: minS, max_channel_skip: maxS };
}
function mcb(b: number, avg: [number, number], aff: [number, number], maxC: number, minS: number, maxS: number): ResolvedParams {
  return { block_size: b, avg_block_corruption_pct: avg, affected_channels_pct: aff, max_corrupted_channels: maxC, min_channel_skip: minS, max_channel_skip: maxS };
}
function shat(avg: [number, number], aff: [number, number], maxC: number, minS: number, maxS: number, minW: number, maxW: number): ResolvedParams {
  return {
    avg_span_corruption_pct: avg,
    affected_channels_pct: aff,
    max_corrupted_channels: maxC,
    min_channel_skip: minS,
    max_channel_skip: maxS,
    min_span_width: minW,
    max_span_width: maxW,
  };
}

type RawValue = ParamValue | { RANDOM: ParamValue[] };

/**
 * Test-only RANDOM resolution (spec §4.2 step 4), enough to feed reference configurations to
 * the generators: non-random keys first, then random keys in order, a max_/min_ partner that
 * is already resolved restricts the choice. The real resolver lives in the fault generator.
 */
export function resolveForTest(keys: Record<string, RawValue>, stats: Record<string, RawValue>, rng: Rng): ResolvedParams {
  const flat: Record<string, RawValue> = { ...keys, ...stats };
  const out: ResolvedParams = {};
  const isRandom = (v: RawValue): v is { RANDOM: ParamValue[] } => typeof v === 'object' && !Array.isArray(v);
  for (const [k, v] of Object.entries(flat)) if (!isRandom(v)) out[k] = v;
  for (const [k, v] of Object.entries(flat)) {
    if (!isRandom(v)) continue;
    let eligible = v.RANDOM;
    const partner = k.startsWith('min_') ? `max_${k.slice(4)}` : k.startsWith('max_') ? `min_${k.slice(4)}` : null;
    if (partner !== null && partner in out && typeof out[partner] === 'number') {
      const pv = out[partner] as number;
      eligible = eligible.filter((x) => (k.startsWith('max_') ? (x as number) >= pv : (x as number) <= pv));
      if (eligible.length === 0) eligible = [pv];
    }
    out[k] = eligible[rng.index(eligible.length)];
  }
  return out;
}
