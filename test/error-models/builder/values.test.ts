import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyTensor,
  classifyValue,
  domainOf,
  goldenRange,
  isRejection,
  percentBucket,
  q10,
  q8,
} from '../../../src/error-models/builder/index.js';
import { drawsFractionForDistinct } from '../../../src/error-models/builder/buckets.js';
import { ValueClassId } from '../../../src/faults/types.js';
import { goldenTensor, toHwc } from './tensors.js';

const S = { c: 4, h: 8, w: 8 };

function bitsToFloat(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0];
}

test('percentage buckets are (lo, hi] as the reference classifier makes them', () => {
  assert.deepEqual(q10(0.25), [20, 30]);
  assert.deepEqual(q10(0.3), [20, 30]);
  assert.deepEqual(q10(0.31), [30, 40]);
  assert.deepEqual(q10(1), [90, 100]);
  assert.deepEqual(q10(3.5), [90, 100]);
  assert.deepEqual(q10(1e-9), [0, 10]);
  assert.deepEqual(q8(15 / 16), [87.5, 100]);
  assert.deepEqual(q8(1 / 16), [0, 12.5]);
  assert.deepEqual(percentBucket(0.5, 8), [37.5, 50]);
});

test('draw counts are recovered from distinct counts (the inverse of sampling with replacement)', () => {
  // 16 draws over 16 slots leave 16·(1 − (15/16)^16) ≈ 10.3 distinct slots
  const expected = 16 * (1 - (15 / 16) ** 16);
  assert.ok(Math.abs(drawsFractionForDistinct(expected, 16) - 1) < 1e-9);
  assert.equal(drawsFractionForDistinct(16, 16), Infinity);
  assert.deepEqual(q10(drawsFractionForDistinct(16, 16)), [90, 100]);
});

test('value classes: nan, zero, flip (one-hot or one bit of the golden), in_range, out_of_range', () => {
  const [lo, hi] = [-1, 1];
  assert.equal(classifyValue(NaN, 0.5, lo, hi), ValueClassId.nan);
  assert.equal(classifyValue(Infinity, 0.5, lo, hi), ValueClassId.nan);
  assert.equal(classifyValue(-Infinity, 0.5, lo, hi), ValueClassId.nan);
  assert.equal(classifyValue(0, 0.5, lo, hi), ValueClassId.zero);
  // −0.0 is the one-hot sign bit our flip class writes, not what our zero class writes
  assert.equal(classifyValue(-0, 0.5, lo, hi), ValueClassId.flip);
  assert.equal(classifyValue(bitsToFloat(1 << 5), 0.5, lo, hi), ValueClassId.flip); // a subnormal
  assert.equal(classifyValue(2, 0.3, lo, hi), ValueClassId.flip); // 0x40000000
  assert.equal(classifyValue(1.0, 0.5, lo, hi), ValueClassId.flip); // one exponent bit differs (reference D4)
  assert.equal(classifyValue(-0.5, 0.5, lo, hi), ValueClassId.flip); // the sign bit (reference D8)
  assert.equal(classifyValue(-0.25, 0.5, lo, hi), ValueClassId.in_range);
  assert.equal(classifyValue(1, 0.3, lo, hi), ValueClassId.in_range); // bounds are inclusive
  assert.equal(classifyValue(1.5, 0.5, lo, hi), ValueClassId.out_of_range);
  assert.equal(classifyValue(-7.25, 0.5, NaN, NaN), ValueClassId.out_of_range);
});

test('the golden range skips NaN and infinities', () => {
  assert.deepEqual(goldenRange(new Float32Array([3, NaN, -2, Infinity, 7, -Infinity])), { min: -2, max: 7 });
  const none = goldenRange(new Float32Array([NaN, Infinity]));
  assert.ok(Number.isNaN(none.min) && Number.isNaN(none.max));
});

function pair(changes: [number, number][]): { golden: Float32Array; faulty: Float32Array } {
  const golden = goldenTensor(S);
  const faulty = golden.slice();
  for (const [i, v] of changes) faulty[i] = v;
  return { golden, faulty };
}

test('detection: |faulty − golden| ≥ tolerance, inclusive; NaN and ±Inf detected', () => {
  const { golden, faulty } = pair([]);
  const masked = classifyTensor(golden, faulty, S);
  assert.ok(isRejection(masked) && masked.rejected === 'masked');

  golden[70] = 0.5;
  faulty[70] = 0.5001;
  const small = classifyTensor(golden, faulty, S);
  assert.ok(isRejection(small) && small.rejected === 'masked', 'below the tolerance');

  faulty[70] = 0.75;
  const atTolerance = classifyTensor(golden, faulty, S, 'CHW', { tolerance: 0.25 });
  assert.ok(!isRejection(atTolerance) && atTolerance.corruptedCount === 1, 'the comparison is inclusive');

  faulty[70] = NaN;
  const nan = classifyTensor(golden, faulty, S);
  assert.ok(!isRejection(nan));
  assert.equal(nan.pattern, 'single');
  assert.deepEqual(nan.valueClassCounts, [0, 0, 0, 1, 0]);

  golden[71] = NaN;
  faulty[71] = NaN;
  const bothNan = classifyTensor(golden, faulty, S);
  assert.ok(!isRejection(bothNan) && bothNan.corruptedCount === 1, 'NaN where the golden is NaN is unchanged');
});

test('a range option replaces the golden range', () => {
  const { golden, faulty } = pair([[10, 5]]);
  const byGolden = classifyTensor(golden, faulty, S);
  const byRange = classifyTensor(golden, faulty, S, 'CHW', { range: { min: -10, max: 10 } });
  assert.ok(!isRejection(byGolden) && !isRejection(byRange));
  assert.deepEqual(byGolden.valueClassCounts, [0, 0, 1, 0, 0]);
  assert.deepEqual(byRange.valueClassCounts, [0, 1, 0, 0, 0]);
});

test('wrong sizes are rejected with a reason', () => {
  const golden = goldenTensor(S);
  const r = classifyTensor(golden, golden.subarray(1), S);
  assert.ok(isRejection(r));
  assert.equal(r.rejected, 'shape-mismatch');
  assert.match(r.detail, /256/);
});

test('domain: Single, Double with the majority first and complementary ranges, Random', () => {
  assert.deepEqual(domainOf([0, 0, 7, 0, 0]), { kind: 'single', classes: [['out_of_range', [100, 100]]] });
  // reference D11/D12: 15 in_range + 1 out_of_range, whichever comes first in the scan
  assert.deepEqual(domainOf([0, 15, 1, 0, 0]), {
    kind: 'double',
    classes: [
      ['in_range', [87.5, 100]],
      ['out_of_range', [0, 12.5]],
    ],
  });
  assert.deepEqual(domainOf([3, 0, 9, 0, 0]), {
    kind: 'double',
    classes: [
      ['out_of_range', [62.5, 75]],
      ['zero', [25, 37.5]],
    ],
  });
  // a tie goes to the lower class id
  const tie = domainOf([0, 4, 4, 0, 0]);
  assert.equal(tie.kind, 'double');
  assert.equal(tie.kind === 'double' && tie.classes[0][0], 'in_range');
  assert.deepEqual(domainOf([1, 1, 1, 0, 0]), { kind: 'random' });
});

test('a tensor and its HWC transpose give the same classification (reference D15 differs)', () => {
  const { golden, faulty } = pair([
    [0 * 64 + 45, 9], // c0 (5,5): out_of_range
    [3 * 64 + 0, 1.25], // c3 (0,0): in_range
    [3 * 64 + 9, 1.75], // above the golden maximum (1.255): out_of_range
  ]);
  const chw = classifyTensor(golden, faulty, S, 'CHW');
  const hwc = classifyTensor(toHwc(golden, S), toHwc(faulty, S), S, 'HWC');
  assert.ok(!isRejection(chw));
  assert.equal(chw.pattern, 'multiple_channels_uncategorized');
  assert.deepEqual(chw.domain, { kind: 'double', classes: [['out_of_range', [62.5, 75]], ['in_range', [25, 37.5]]] });
  assert.deepEqual(hwc, chw);
});
