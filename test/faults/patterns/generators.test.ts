import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/faults/rng.js';
import { PATTERN_NAMES, getPatternGenerator } from '../../../src/faults/patterns/index.js';
import { checkFault } from './invariants.js';
import { LAYOUTS, PARAM_SETS, SHAPES, decode, logicalKey, shapeStr } from './util.js';

const DRAWS = 6;

for (const name of PATTERN_NAMES) {
  test(`${name}: sorted, unique, in-bounds faults that satisfy the §2.5 invariants on every shape and layout`, () => {
    const gen = getPatternGenerator(name);
    const sets = PARAM_SETS[name];
    assert.ok(sets && sets.length > 0, `no parameter sets for ${name}`);
    let checked = 0;
    for (const [si, params] of sets.entries()) {
      for (const shape of SHAPES) {
        for (let d = 0; d < DRAWS; d++) {
          const key = `${name}/${si}/${shapeStr(shape)}/${d}`;
          const byLayout = LAYOUTS.map((layout) => {
            const idx = gen(shape, params, new Rng(key), layout);
            checkFault(name, params, shape, layout, idx);
            checked++;
            return decode(idx, shape, layout);
          });
          // `single` draws a flat index in the layout's own order (as upstream); every other
          // generator works in logical (c, h, w) space, so the same draws give the same set.
          if (name !== 'single') assert.equal(logicalKey(byLayout[0]), logicalKey(byLayout[1]), `${key}: CHW and HWC differ`);
        }
      }
    }
    assert.ok(checked > 0);
  });
}

test('a fault is a pure function of its RNG key', () => {
  for (const name of PATTERN_NAMES) {
    const params = PARAM_SETS[name][0];
    const shape = { c: 16, h: 8, w: 8 };
    const a = getPatternGenerator(name)(shape, params, new Rng('k/1'), 'CHW');
    const b = getPatternGenerator(name)(shape, params, new Rng('k/1'), 'CHW');
    assert.deepEqual(a, b, name);
  }
});

test('the returned array is a fresh copy, not a view of shared scratch', () => {
  const gen = getPatternGenerator('full_channels');
  const shape = { c: 8, h: 8, w: 8 };
  const first = gen(shape, PARAM_SETS.full_channels[0], new Rng('a'), 'CHW');
  const snapshot = Array.from(first);
  gen(shape, PARAM_SETS.full_channels[2], new Rng('b'), 'CHW');
  assert.deepEqual(Array.from(first), snapshot);
  assert.equal(first.byteOffset, 0);
  assert.equal(first.buffer.byteLength, first.length * 4);
});

test('single_block is the only generator that may return an empty fault, and it does when k = 0', () => {
  const gen = getPatternGenerator('single_block');
  let empty = 0;
  for (let i = 0; i < 200; i++) {
    if (gen({ c: 4, h: 8, w: 8 }, { block_size: 16, block_corruption_pct: [0, 10] }, new Rng(`e${i}`), 'CHW').length === 0) empty++;
  }
  // k is uniform on [round(0), round(1.6)] = {0, 1, 2}: about a third are empty.
  assert.ok(empty > 30 && empty < 110, `empty ${empty}/200`);
});

test('degenerate and malformed-but-numeric parameters neither crash nor hang', () => {
  const shape = { c: 3, h: 2, w: 5 };
  const cases: Array<[string, Record<string, number | [number, number]>]> = [
    ['bullet_wake', { affected_channels_pct: [90, 100], max_corrupted_channels: 0, min_channel_skip: 0, max_channel_skip: 0 }],
    ['bullet_wake', { affected_channels_pct: [100, 0], max_corrupted_channels: 8, min_channel_skip: 5, max_channel_skip: 2 }],
    ['full_channels', { avg_channel_corruption_pct: [150, 200], affected_channels_pct: [-10, 300], max_corrupted_channels: 99, min_channel_skip: 1, max_channel_skip: 1 }],
    ['single_channel_alternated_blocks', { block_size: 0, min_block_skip: 0, max_block_skip: 0, max_feature_map_size: 1 }],
    ['skip_4', { skip_amount: 0, unique_channel_indexes: 0, indexes_corruption_pct: [90, 100], affected_channels_pct: [0, 0], max_corrupted_channels: 1, min_channel_skip: 1, max_channel_skip: 1 }],
    ['multi_channel_block', { block_size: 1, avg_block_corruption_pct: [0, 0], affected_channels_pct: [0, 100], max_corrupted_channels: 3, min_channel_skip: 1, max_channel_skip: 9 }],
    ['shattered_channel', { avg_span_corruption_pct: [0, 250], affected_channels_pct: [50, 50], max_corrupted_channels: 3, min_channel_skip: 2, max_channel_skip: 1, min_span_width: 9, max_span_width: 1 }],
    ['rectangles', { rectangle_width: 0, rectangle_height: -3, affected_channels_pct: [0, 10], max_corrupted_channels: 1, min_channel_skip: 1, max_channel_skip: 1 }],
    ['multiple_channels_uncategorized', { avg_channel_corruption_pct: [0, 0], affected_channels_pct: [0, 0], max_corrupted_channels: 2, min_channel_skip: 1, max_channel_skip: 1, min_errors_per_channel: 0, max_errors_per_channel: 0 }],
    ['single_block', { block_size: 1000, block_corruption_pct: [100, 100] }],
  ];
  for (const [name, params] of cases) {
    for (let i = 0; i < 30; i++) {
      for (const layout of LAYOUTS) {
        const idx = getPatternGenerator(name)(shape, params, new Rng(`m${i}`), layout);
        const n = shape.c * shape.h * shape.w;
        for (let j = 0; j < idx.length; j++) assert.ok(idx[j] < n && (j === 0 || idx[j] > idx[j - 1]), `${name} ${JSON.stringify(params)}`);
        if (name !== 'single_block') assert.ok(idx.length > 0, `${name} ${JSON.stringify(params)}: empty`);
      }
    }
  }
});

test('skip_4 keeps each candidate with probability pct when indexes_corruption_pct < 1 (the literal upstream rule)', () => {
  const gen = getPatternGenerator('skip_4');
  const params = { skip_amount: 4, unique_channel_indexes: 8, indexes_corruption_pct: [0.25, 0.25] as [number, number], affected_channels_pct: [0, 0] as [number, number], max_corrupted_channels: 1, min_channel_skip: 1, max_channel_skip: 1 };
  let kept = 0;
  const n = 400;
  for (let i = 0; i < n; i++) kept += gen({ c: 1, h: 8, w: 8 }, params, new Rng(`q${i}`), 'CHW').length;
  // 8 candidates per fault (HW = 64 >= 8*4), each kept with p = 0.25: mean 2, sd of the mean ~0.06.
  assert.ok(Math.abs(kept / n - 2) < 0.3, `mean kept ${kept / n}`);
});

test('missing or mistyped parameters fail with a message naming the pattern and the parameter', () => {
  const shape = { c: 4, h: 4, w: 4 };
  assert.throws(() => getPatternGenerator('same_row')(shape, { row_corruption_pct: [1, 2], max_cardinality: 4, min_value_skip: 1 }, new Rng('x'), 'CHW'), /same_row.*max_value_skip.*missing/);
  assert.throws(() => getPatternGenerator('bullet_wake')(shape, { affected_channels_pct: 5, max_corrupted_channels: 4, min_channel_skip: 1, max_channel_skip: 1 }, new Rng('x'), 'CHW'), /bullet_wake.*affected_channels_pct.*pair/);
  assert.throws(() => getPatternGenerator('single_block')(shape, { block_size: 2.5, block_corruption_pct: [1, 2] }, new Rng('x'), 'CHW'), /single_block.*block_size.*integer/);
});

test('an invalid shape or layout is rejected', () => {
  const gen = getPatternGenerator('single');
  assert.throws(() => gen({ c: 0, h: 4, w: 4 }, {}, new Rng('x'), 'CHW'), /shape/);
  assert.throws(() => gen({ c: 2, h: 1.5, w: 4 }, {}, new Rng('x'), 'CHW'), /shape/);
  // @ts-expect-error: a layout the type does not allow, as a JS caller could pass
  assert.throws(() => gen({ c: 2, h: 2, w: 2 }, {}, new Rng('x'), 'WHC'), /layout/);
});
