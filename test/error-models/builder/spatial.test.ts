import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTensor, isRejection, type ClassifiedTensor, type PatternName } from '../../../src/error-models/builder/index.js';
import type { Layout, Shape3 } from '../../../src/faults/types.js';
import { makePair, range, type Corruption } from './tensors.js';

const S: Shape3 = { c: 8, h: 16, w: 16 };

function classify(corruption: Corruption, layout: Layout = 'CHW', shape = S): ClassifiedTensor {
  const { golden, faulty } = makePair(shape, corruption, 50, layout);
  const r = classifyTensor(golden, faulty, shape, layout);
  if (isRejection(r)) throw new Error(`rejected: ${r.rejected} (${r.detail})`);
  return r;
}

/** Keys and stats flattened to plain values, for compact assertions. */
function params(r: ClassifiedTensor): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r.keys };
  for (const [k, v] of Object.entries(r.stats)) out[k] = v.value;
  return out;
}

interface Case {
  name: string;
  corruption: Corruption;
  pattern: PatternName;
  expect?: Record<string, unknown>;
}

// Positions spread over a whole channel: `count` of the 256 positions, picked by a stride.
function spread(count: number, mult: number): number[] {
  return range(0, 255).filter((p) => (p * mult) % 256 < count);
}

const CASES: Case[] = [
  { name: 'one value', corruption: { 1: [19] }, pattern: 'single', expect: {} },
  {
    name: 'three adjacent columns of one row',
    corruption: { 1: [33, 34, 35] },
    pattern: 'same_row',
    expect: { row_corruption_pct: [10, 20], max_cardinality: 3, min_value_skip: 1, max_value_skip: 1 },
  },
  {
    name: 'uneven columns ending on the last column (random_channels in its random-gap mode)',
    corruption: { 1: [83, 85, 86, 89, 95] },
    pattern: 'same_row',
    expect: { row_corruption_pct: [30, 40], max_cardinality: 5, min_value_skip: 1, max_value_skip: 6 },
  },
  {
    name: 'one position in three channels',
    corruption: { 0: [51], 2: [51], 6: [51] },
    pattern: 'bullet_wake',
    expect: { affected_channels_pct: [30, 40], max_corrupted_channels: 3, min_channel_skip: 2, max_channel_skip: 4 },
  },
  {
    name: 'the same stride-4 run in two channels',
    corruption: { 1: [8, 12, 16, 20], 2: [8, 12, 16, 20] },
    pattern: 'skip_4',
    expect: {
      skip_amount: 4,
      unique_channel_indexes: 4,
      indexes_corruption_pct: [90, 100],
      affected_channels_pct: [20, 30],
      max_corrupted_channels: 2,
      min_channel_skip: 1,
      max_channel_skip: 1,
    },
  },
  { name: 'a stride-4 run on multiples of 4 in one channel', corruption: { 3: [40, 44, 48] }, pattern: 'skip_4', expect: { unique_channel_indexes: 3 } },
  {
    name: 'a random subset of a 16-window',
    corruption: { 2: [20, 21, 23, 24, 27, 28, 29, 31, 33, 35] },
    // 10 distinct of 16 is what about 15 draws with replacement leave: [90, 100] % of B
    pattern: 'single_block',
    expect: { block_size: 16, block_corruption_pct: [90, 100] },
  },
  {
    name: 'a window across a channel border',
    corruption: { 2: [250, 252, 253, 255], 3: [0, 1, 3, 5] },
    pattern: 'single_block',
    expect: { block_size: 16 },
  },
  {
    name: 'whole 32-blocks 0, 2 and 4 of one channel',
    corruption: { 0: [...range(0, 31), ...range(64, 95), ...range(128, 159)] },
    pattern: 'single_channel_alternated_blocks',
    expect: { block_size: 32, min_block_skip: 2, max_block_skip: 2, max_feature_map_size: 16 },
  },
  {
    name: 'only block 0 (the first skip jumped past the channel end)',
    corruption: { 0: range(0, 31) },
    pattern: 'single_channel_alternated_blocks',
    expect: { min_block_skip: 8, max_block_skip: 8 },
  },
  {
    name: '100 of 256 positions in two channels',
    corruption: { 1: spread(100, 37), 5: spread(100, 53) },
    // 100 distinct positions are what 127 draws with replacement leave: [40, 50] % of HW
    pattern: 'full_channels',
    expect: { avg_channel_corruption_pct: [40, 50], affected_channels_pct: [20, 30], max_corrupted_channels: 2, min_channel_skip: 4, max_channel_skip: 4 },
  },
  {
    name: 'three channels inside the aligned block [32, 64)',
    corruption: {
      1: [32, 34, 35, 37, 40, 42, 45, 47, 50, 53, 58, 63],
      2: [33, 36, 38, 41, 44, 46, 49, 52, 55, 57, 60, 62],
      3: [32, 34, 35, 39, 43, 48, 51, 54, 56, 59, 61, 63],
    },
    pattern: 'multi_channel_block',
    expect: { block_size: 32, affected_channels_pct: [30, 40], max_corrupted_channels: 3 },
  },
  {
    name: 'a common position plus one packed span per channel',
    corruption: { 0: [...range(10, 15), 100], 2: [100, ...range(200, 205)], 4: [100, ...range(150, 155)], 6: [...range(30, 35), 100] },
    pattern: 'shattered_channel',
    expect: {
      avg_span_corruption_pct: [90, 100],
      affected_channels_pct: [40, 50],
      max_corrupted_channels: 4,
      min_channel_skip: 2,
      max_channel_skip: 2,
      min_span_width: 6,
      max_span_width: 6,
    },
  },
  {
    name: 'a position shared by 5 of 8 channels, far beyond chance',
    corruption: Object.fromEntries(range(0, 7).map((j) => [j, [j * 30 + 1, j * 30 + 7, j * 30 + 13, ...(j < 5 ? [50] : [])].sort((a, b) => a - b)])),
    pattern: 'quasi_shattered_channel',
    expect: { affected_channels_pct: [90, 100], max_corrupted_channels: 8 },
  },
  {
    name: 'one whole channel (not a rectangle of this map\'s size, which would be a strip on a larger map)',
    corruption: { 3: range(0, 255) },
    pattern: 'full_channels',
    expect: { avg_channel_corruption_pct: [90, 100], affected_channels_pct: [10, 20], max_corrupted_channels: 1 },
  },
  {
    name: 'two whole channels',
    corruption: { 2: range(0, 255), 6: range(0, 255) },
    pattern: 'full_channels',
    expect: { avg_channel_corruption_pct: [90, 100], affected_channels_pct: [20, 30], max_corrupted_channels: 2 },
  },
  {
    name: 'a 4×3 box in two channels',
    corruption: { 0: [35, 36, 37, 38, 51, 52, 53, 54, 67, 68, 69, 70], 1: [35, 36, 37, 38, 51, 52, 53, 54, 67, 68, 69, 70] },
    pattern: 'rectangles',
    expect: { rectangle_width: 4, rectangle_height: 3, affected_channels_pct: [20, 30] },
  },
  {
    name: 'the linear run our rectangles generator writes, in three channels',
    corruption: { 0: range(37, 48), 1: range(37, 48), 2: range(37, 48) },
    pattern: 'rectangles',
    expect: { rectangle_width: 4, rectangle_height: 3, max_corrupted_channels: 3 },
  },
  {
    name: 'a run of 48 in three channels with one value the fault left equal (2 % slack)',
    corruption: { 0: range(37, 84), 1: range(37, 84).filter((p) => p !== 50), 2: range(37, 84) },
    pattern: 'rectangles',
    expect: { rectangle_width: 8, rectangle_height: 6 },
  },
  {
    name: 'a run of prime length in one channel (no rectangle can write it)',
    corruption: { 4: range(40, 52) },
    pattern: 'single_channel_random',
    expect: { max_cardinality: 13, min_value_skip: 1, max_value_skip: 1 },
  },
  {
    name: 'evenly spaced positions in one channel',
    corruption: { 2: [5, 35, 65, 95] },
    pattern: 'single_channel_random',
    expect: { channel_corruption_pct: [0, 10], max_cardinality: 4, min_value_skip: 30, max_value_skip: 30 },
  },
  {
    name: 'uneven positions ending on the last position of the channel',
    corruption: { 2: [100, 130, 170, 200, 255] },
    pattern: 'single_channel_random',
    expect: { max_cardinality: 5, min_value_skip: 30, max_value_skip: 55 },
  },
  {
    name: 'a few scattered values in two channels',
    corruption: { 1: [3, 77, 140], 4: [12, 200] },
    pattern: 'multiple_channels_uncategorized',
    expect: {
      avg_channel_corruption_pct: [0, 10],
      affected_channels_pct: [20, 30],
      max_corrupted_channels: 2,
      min_errors_per_channel: 2,
      max_errors_per_channel: 3,
      min_channel_skip: 3,
      max_channel_skip: 3,
    },
  },
  {
    name: 'a random scatter in one channel (a multi-channel fault left with one channel)',
    corruption: { 1: [3, 77, 140, 201] },
    pattern: 'multiple_channels_uncategorized',
    expect: { max_corrupted_channels: 1, min_errors_per_channel: 4 },
  },
  {
    name: 'a packed span plus a distant position in one channel',
    corruption: { 1: [10, ...range(100, 105)] },
    pattern: 'shattered_channel',
    expect: { min_span_width: 6, max_span_width: 6 },
  },
];

for (const layout of ['CHW', 'HWC'] as const) {
  for (const c of CASES) {
    test(`${layout}: ${c.name} → ${c.pattern}`, () => {
      const r = classify(c.corruption, layout);
      assert.equal(r.pattern, c.pattern);
      const got = params(r);
      for (const [k, v] of Object.entries(c.expect ?? {})) assert.deepEqual(got[k], v, `parameter ${k}`);
      if (c.pattern === 'single') assert.deepEqual(got, {});
    });
  }
}

test('the parameter names of every pattern are the ones its generator reads', () => {
  const want: Record<string, string[]> = {
    same_row: ['row_corruption_pct', 'max_cardinality', 'min_value_skip', 'max_value_skip'],
    bullet_wake: ['affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    single_block: ['block_size', 'block_corruption_pct'],
    single_channel_alternated_blocks: ['block_size', 'min_block_skip', 'max_block_skip', 'max_feature_map_size'],
    multiple_channels_uncategorized: [
      'avg_channel_corruption_pct',
      'affected_channels_pct',
      'max_corrupted_channels',
      'min_errors_per_channel',
      'max_errors_per_channel',
      'min_channel_skip',
      'max_channel_skip',
    ],
  };
  for (const c of CASES) {
    const names = want[c.pattern];
    if (!names) continue;
    assert.deepEqual(Object.keys(params(classify(c.corruption))), names, c.name);
  }
});

test('a corrupted tensor counts its values and channels', () => {
  const r = classify({ 1: [3, 77, 140], 4: [12, 200] });
  assert.equal(r.corruptedCount, 5);
  assert.equal(r.channelCount, 2);
  assert.deepEqual(r.valueClassCounts, [0, 0, 5, 0, 0]);
});
