import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/faults/rng.js';
import { getPatternGenerator } from '../../../src/faults/patterns/index.js';
import type { ResolvedParams, Shape3 } from '../../../src/faults/types.js';

/**
 * Distribution checks on fixed (non-RANDOM) configurations of the published models, against
 * values derived by hand from the reference algorithm (spec §2.1, §2.2). They need no
 * reference files.
 */

const SHAPE: Shape3 = { c: 64, h: 26, w: 26 };
const HW = SHAPE.h * SHAPE.w;

function draw(name: string, params: ResolvedParams, n: number, tag: string): Array<{ card: number; perChannel: Map<number, number> }> {
  const gen = getPatternGenerator(name);
  const out = [];
  for (let i = 0; i < n; i++) {
    const idx = gen(SHAPE, params, new Rng(`${tag}/${i}`), 'CHW');
    const perChannel = new Map<number, number>();
    for (const f of idx) {
      const c = Math.floor(f / HW);
      perChannel.set(c, (perChannel.get(c) ?? 0) + 1);
    }
    out.push({ card: idx.length, perChannel });
  }
  return out;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** E[distinct values of k uniform draws from m], averaged over k uniform on [kLo, kHi]. */
function expectedDistinct(m: number, kLo: number, kHi: number): number {
  let s = 0;
  for (let k = kLo; k <= kHi; k++) s += m * (1 - Math.pow(1 - 1 / m, k));
  return s / (kHi - kLo + 1);
}

test('full_channels (warp/conv_gemm config 1): 22/7 channels on average, with-replacement density per channel', () => {
  const params = { avg_channel_corruption_pct: [90, 100] as [number, number], affected_channels_pct: [0, 10] as [number, number], max_corrupted_channels: 8, min_channel_skip: 1, max_channel_skip: 70 };
  // n_pct uniform on [0, round(6.4) = 6], n = max(n_pct, 1): {1, 1, 2, 3, 4, 5, 6}; variable gaps keep n.
  const rows = draw('full_channels', params, 700, 'fc');
  const chans = mean(rows.map((r) => r.perChannel.size));
  assert.ok(Math.abs(chans - 22 / 7) < 0.25, `mean channels ${chans}`);
  // k uniform on [round(608.4) = 608, 676], drawn with replacement: about 63 % distinct, not 95 %.
  const per = mean(rows.flatMap((r) => [...r.perChannel.values()]));
  const want = expectedDistinct(HW, 608, 676);
  assert.ok(Math.abs(per - want) < 2, `per channel ${per} vs ${want}`);
});

test('single_block (B = 64, [90, 100]): distinct count follows sampling with replacement', () => {
  const rows = draw('single_block', { block_size: 64, block_corruption_pct: [90, 100] }, 2000, 'sb');
  const want = expectedDistinct(64, 58, 64); // round(57.6) = 58
  const got = mean(rows.map((r) => r.card));
  assert.ok(Math.abs(got - want) < 0.3, `${got} vs ${want}`);
});

test('same_row with equal skips: the fixed-gap off-by-one gives max_cardinality - 1 columns', () => {
  const rows = draw('same_row', { row_corruption_pct: [90, 100], max_cardinality: 4, min_value_skip: 1, max_value_skip: 1 }, 200, 'sr');
  for (const r of rows) assert.equal(r.card, 3);
});

test('rectangles (warp/conv_gemm): 57..63 channels (mean 60) of exactly 4 values', () => {
  const params = { rectangle_width: 2, rectangle_height: 2, affected_channels_pct: [90, 100] as [number, number], max_corrupted_channels: 128, min_channel_skip: 1, max_channel_skip: 1 };
  const rows = draw('rectangles', params, 1500, 'rect');
  const chans = rows.map((r) => r.perChannel.size);
  assert.equal(Math.min(...chans), 57);
  assert.equal(Math.max(...chans), 63);
  assert.ok(Math.abs(mean(chans) - 60) < 0.2, `mean ${mean(chans)}`);
  for (const r of rows) assert.equal(r.card, 4 * r.perChannel.size);
});

test('skip_4 corrupts every candidate: 8 positions per channel when HW allows', () => {
  const params = { skip_amount: 4, unique_channel_indexes: 8, indexes_corruption_pct: [90, 100] as [number, number], affected_channels_pct: [10, 20] as [number, number], max_corrupted_channels: 4, min_channel_skip: 1, max_channel_skip: 4 };
  for (const r of draw('skip_4', params, 300, 'sk')) for (const n of r.perChannel.values()) assert.equal(n, 8);
});

test('multi_channel_block (B = 32, [90, 100]): >= 16 values per channel in one block', () => {
  const params = { block_size: 32, avg_block_corruption_pct: [90, 100] as [number, number], affected_channels_pct: [90, 100] as [number, number], max_corrupted_channels: 32, min_channel_skip: 1, max_channel_skip: 2 };
  const rows = draw('multi_channel_block', params, 400, 'mcb');
  // HW = 676 = 21*32 + 4; the remainder 4 < 16 adds no block, so every block has 32 slots.
  const per = mean(rows.flatMap((r) => [...r.perChannel.values()]));
  const want = expectedDistinct(32, 29, 32); // k = max(16, round(28.8) = 29 .. 32)
  assert.ok(Math.abs(per - want) < 0.3, `${per} vs ${want}`);
});
