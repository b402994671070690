import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/faults/rng.js';
import {
  clamp,
  randomChannels,
  randomIntFromPctRange,
  randomListWithGapConstraints,
  roundHalfEven,
} from '../../../src/faults/patterns/helpers.js';
import { assertRandomChannels } from './util.js';

test('roundHalfEven is Python round(): ties go to the even neighbour', () => {
  const cases: Array<[number, number]> = [
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [3.5, 4],
    [2.4999, 2],
    [2.5001, 3],
    [-0.5, 0],
    [-1.5, -2],
    [7, 7],
    [(25 * 10) / 100, 2],
    [(64 * 90) / 100, 58],
  ];
  for (const [x, want] of cases) assert.equal(roundHalfEven(x) + 0, want, `round(${x})`);
});

test('clamp follows upstream: the lower bound wins when lo > hi', () => {
  assert.equal(clamp(5, 1, 3), 3);
  assert.equal(clamp(0, 1, 3), 1);
  assert.equal(clamp(2, 4, 3), 4);
});

test('randomIntFromPctRange is uniform on [round(n*lo/100), round(n*hi/100)] with half-even rounding', () => {
  const rng = new Rng('pct');
  const seen = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const v = randomIntFromPctRange(rng, 25, 10, 30); // [round(2.5)=2, round(7.5)=8]
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [2, 3, 4, 5, 6, 7, 8]);
  for (const c of seen.values()) assert.ok(c > 300 && c < 560, `count ${c}`);
  for (let i = 0; i < 50; i++) assert.equal(randomIntFromPctRange(rng, 25, 10, 10), 2); // round(2.5) = 2, not 3
  // Out-of-range and reversed percentages are clamped and swapped rather than raising.
  for (let i = 0; i < 50; i++) {
    const v = randomIntFromPctRange(rng, 10, 200, -5);
    assert.ok(v >= 0 && v <= 10);
  }
});

test('gap list, fixed gap: multiples strictly below max_number, hence the off-by-one', () => {
  const rng = new Rng('gap');
  assert.deepEqual(randomListWithGapConstraints(rng, 0, 5, 1, 1), []);
  assert.deepEqual(randomListWithGapConstraints(rng, 1, 5, 1, 3), [0]);
  // 4 channels with gap 1: max_number = 3 → [0, 1, 2] (3, not 4, as upstream).
  assert.deepEqual(randomListWithGapConstraints(rng, 4, 3, 1, 1), [0, 1, 2]);
  assert.deepEqual(randomListWithGapConstraints(rng, 2, 4, 4, 4), [0]);
  assert.deepEqual(randomListWithGapConstraints(rng, 3, 100, 4, 4), [0, 4, 8]);
});

test('gap list, variable gap: all gaps are max when there is room, otherwise the last element is max_number', () => {
  const rng = new Rng('gapv');
  assert.deepEqual(randomListWithGapConstraints(rng, 4, 12, 1, 4), [0, 4, 8, 12]);
  for (let i = 0; i < 200; i++) {
    const l = randomListWithGapConstraints(rng, 5, 10, 1, 4);
    assert.equal(l.length, 5);
    assert.equal(l[0], 0);
    assert.equal(l[4], 10);
    for (let j = 1; j < 5; j++) assert.ok(l[j] - l[j - 1] >= 1 && l[j] - l[j - 1] <= 4);
  }
  // Decrement mode: tail 3*3 = 9 > max_number 7 removes 2 units from the gaps (each stays >= 1).
  for (let i = 0; i < 200; i++) {
    const l = randomListWithGapConstraints(rng, 4, 7, 3, 5);
    assert.equal(l[3], 7);
    for (let j = 1; j < 4; j++) assert.ok(l[j] - l[j - 1] >= 1 && l[j] - l[j - 1] <= 3);
  }
});

test('randomChannels: evenly spaced by max_skip unless the run would pass the end', () => {
  // bullet_wake, thread/conv_gemm config 1 on C = 64: 16 channels, skips 1..2, offset in [0, 49).
  // Evenly spaced by 2 exactly when offset + 30 <= 63, i.e. 34 of 49 offsets.
  const rng = new Rng('rc');
  let even = 0;
  const n = 4000;
  for (let i = 0; i < n; i++) {
    const l = randomChannels(rng, 64, 1, 2, 16, 90, 100, 2);
    assert.equal(l.length, 16);
    assertRandomChannels(l, 64, 1, 2, 16, 100, 2, 'rc');
    if (l.every((v, j) => j === 0 || v - l[j - 1] === 2)) even++;
    else assert.equal(l[15], 63, 'a randomised run ends at C - 1');
  }
  const p = even / n;
  assert.ok(Math.abs(p - 34 / 49) < 0.03, `evenly spaced share ${p}`);
});

test('randomChannels: fixed gaps give one channel fewer, so min_channels = 2 can leave 1', () => {
  const rng = new Rng('rc1');
  for (let i = 0; i < 100; i++) {
    // n_pct in [round(0.8)=1, round(1.6)=2], n = max(min(n_pct, 4, 4), 2) = 2 → fixed gap 1 → 1 channel.
    assert.equal(randomChannels(rng, 16, 1, 1, 4, 5, 10, 2).length, 1);
    // C = 1: always exactly channel 0.
    assert.deepEqual(randomChannels(rng, 1, 1, 4, 8, 90, 100, 2), [0]);
  }
});

test('randomChannels: min_skip larger than C with min_channels = 2 yields channels 0 and C-1', () => {
  const rng = new Rng('rc2');
  for (let i = 0; i < 50; i++) assert.deepEqual(randomChannels(rng, 5, 8, 20, 4, 90, 100, 2), [0, 4]);
});

test('randomChannels never leaves [0, C) and respects the count bound on many random settings', () => {
  const rng = new Rng('rc3');
  for (let i = 0; i < 3000; i++) {
    const count = 1 + rng.index(300);
    const minS = 1 + rng.index(9);
    const maxS = minS + rng.index(40);
    const maxC = rng.index(130);
    const lo = 10 * rng.index(10);
    const minCh = 1 + rng.index(2);
    const l = randomChannels(rng, count, minS, maxS, maxC, lo, lo + 10, minCh);
    for (const v of l) assert.ok(v >= 0 && v < count);
    assertRandomChannels(l, count, minS, maxS, maxC, lo + 10, minCh, `C=${count} skip ${minS}..${maxS} max ${maxC}`);
  }
});
