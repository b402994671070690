import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../../src/errors.js';
import { Rng } from '../../../src/faults/rng.js';
import { ValueClassId, type ValueRange } from '../../../src/faults/types.js';
import {
  VALUE_GENERATORS,
  bitsOf,
  flipValues,
  fromBits,
  inRangeValues,
  makeOutOfRangeValues,
  nanValues,
  outOfRangeRegions,
  outOfRangeValues,
  valueGenerator,
  zeroValues,
} from '../../../src/faults/values/index.js';
import { sha256Hex } from '../../../src/util/hash.js';

const FLT_MAX = 3.4028234663852886e38;
const N = 20000;

/** Mixed, all positive, all negative, zero-touching, single-point and not-float32-exact ranges. */
const RANGES: ValueRange[] = [
  { min: -30, max: 30 },
  { min: -5, max: 12 },
  { min: 0, max: 6 },
  { min: 0.5, max: 1 },
  { min: -3, max: -1 },
  { min: -1, max: -0 },
  { min: -0, max: 0 },
  { min: 2, max: 2 },
  { min: -4, max: -4 },
  { min: 0, max: 0 },
  { min: 1e-45, max: 1e-45 },
  { min: 0.1, max: 0.2 },
  { min: -FLT_MAX, max: 5 },
  { min: -7, max: FLT_MAX },
];

function f32(r: ValueRange): { lo: number; hi: number } {
  return { lo: Math.fround(r.min), hi: Math.fround(r.max) };
}

test('out_of_range values are finite and never inside the float32 range', () => {
  for (const r of RANGES) {
    const { lo, hi } = f32(r);
    for (const upstreamNegativeZero of [false, true]) {
      const v = makeOutOfRangeValues({ upstreamNegativeZero })(N, r, new Rng(`oor/${r.min}/${r.max}`));
      assert.equal(v.length, N);
      for (const x of v) {
        assert.ok(Number.isFinite(x), `finite, range [${r.min}, ${r.max}]`);
        assert.ok(x < lo || x > hi, `${x} outside [${lo}, ${hi}]`);
      }
    }
  }
});

test('out_of_range is uniform over the outside bit patterns: side shares match the region sizes', () => {
  const cases: Array<[ValueRange, number | null]> = [
    [{ min: -30, max: 30 }, 0.494], // spec Appendix B (empirical, 20 000 upstream values: sd 0.0035)
    [{ min: 0, max: 6 }, 0.326],
    [{ min: -3, max: -1 }, null], // upstream crashes; intended regions
    [{ min: 2, max: 2 }, null],
  ];
  for (const [r, published] of cases) {
    const { lo, hi } = f32(r);
    const regions = outOfRangeRegions(lo, hi);
    const total = regions.reduce((a, g) => a + g.size, 0);
    let aboveSize = 0;
    for (const g of regions) if (fromBits(g.start) > hi) aboveSize += g.size; // a region lies wholly on one side
    const p = aboveSize / total;
    if (published !== null) assert.ok(Math.abs(p - published) < 0.0175, `expected share ${p} vs published ${published}`);
    const v = outOfRangeValues(N, r, new Rng(`share/${r.min}`));
    const above = v.filter((x) => x > hi).length;
    const z = (above - N * p) / Math.sqrt(N * p * (1 - p));
    assert.ok(Math.abs(z) < 4.5, `range [${r.min}, ${r.max}]: ${above}/${N} above, expected ${p}, z=${z}`);
  }
});

test('out_of_range magnitudes are log-uniform like upstream (median |v| for [-30, 30] about 7.8e19)', () => {
  const v = Array.from(outOfRangeValues(N, { min: -30, max: 30 }, new Rng('median')), Math.abs).sort((a, b) => a - b);
  const median = v[N / 2];
  assert.ok(median > 1e19 && median < 1e21, `median ${median}`);
});

test('the (0, min) region: intended values by default, upstream -0.0 with the flag', () => {
  const r = { min: 0.5, max: 1 };
  const intended = outOfRangeValues(N, r, new Rng('negzero'));
  const upstream = makeOutOfRangeValues({ upstreamNegativeZero: true })(N, r, new Rng('negzero'));
  const positivesBelow = intended.filter((x) => x >= 0 && x < 0.5 && !Object.is(x, -0)).length;
  const negZeros = upstream.filter((x) => Object.is(x, -0)).length;
  // spec Appendix B: about 24% of upstream's values are -0.0 for [0.5, 1]
  assert.ok(Math.abs(negZeros / N - 0.24) < 0.02, `upstream -0.0 share ${negZeros / N}`);
  assert.ok(Math.abs(positivesBelow / N - 0.24) < 0.02, `intended [0, 0.5) share ${positivesBelow / N}`);
  assert.ok(intended.filter((x) => Object.is(x, -0)).length < 5, 'default mode gives -0.0 only as an ordinary negative');
  // Same draws, same regions: only the values of the (0, min) region differ.
  for (let i = 0; i < N; i++) {
    if (!Object.is(upstream[i], -0)) assert.equal(bitsOf(upstream[i]), bitsOf(intended[i]));
  }
});

test('out_of_range with 0 in the range never yields a zero of either sign', () => {
  for (const r of [{ min: 0, max: 0 }, { min: -1, max: 0 }, { min: 0, max: 3 }, { min: -0, max: -0 }]) {
    const v = outOfRangeValues(N, r, new Rng(`zero/${r.min}/${r.max}`));
    assert.equal(v.filter((x) => x === 0).length, 0);
  }
});

test('out_of_range refuses a range covering every finite float32', () => {
  assert.throws(() => outOfRangeValues(3, { min: -FLT_MAX, max: FLT_MAX }, new Rng('x')), ClassesError);
  assert.equal(outOfRangeValues(0, { min: -FLT_MAX, max: FLT_MAX }, new Rng('x')).length, 0);
});

test('in_range values are inside the float32 range; a single point gives that point', () => {
  for (const r of RANGES) {
    const { lo, hi } = f32(r);
    const v = inRangeValues(N, r, new Rng(`in/${r.min}/${r.max}`));
    let sum = 0;
    for (const x of v) {
      assert.ok(x >= lo && x <= hi, `${x} inside [${lo}, ${hi}]`);
      sum += x;
    }
    if (lo === hi) assert.ok(v.every((x) => x === lo));
    else if (Math.abs(hi - lo) < 1e6) {
      const mean = sum / N;
      const sd = (hi - lo) / Math.sqrt(12);
      assert.ok(Math.abs(mean - (lo + hi) / 2) < (4.5 * sd) / Math.sqrt(N), `mean ${mean} for [${lo}, ${hi}]`);
    }
  }
  const huge = inRangeValues(N, { min: -FLT_MAX, max: FLT_MAX }, new Rng('huge'));
  assert.ok(huge.every((x) => Number.isFinite(x)));
});

test('flip values have exactly one bit set, every bit position reachable', () => {
  const v = flipValues(32 * 400, { min: -1, max: 1 }, new Rng('flip'));
  const seen = new Array<number>(32).fill(0);
  for (const x of v) {
    const b = bitsOf(x);
    assert.ok(b !== 0 && (b & (b - 1)) === 0, `one bit set: ${b.toString(16)}`);
    seen[31 - Math.clz32(b)]++;
  }
  for (let k = 0; k < 32; k++) assert.ok(seen[k] > 300 && seen[k] < 500, `bit ${k}: ${seen[k]}`);
  assert.ok(v.some((x) => Object.is(x, -0)), 'bit 31 gives -0.0');
});

test('zero and nan: +0.0 and the canonical quiet NaN, never Inf, no draws', () => {
  const rng = new Rng('const');
  const z = zeroValues(5, { min: -1, max: 1 }, rng);
  assert.ok(z.every((x) => Object.is(x, 0)));
  const n = nanValues(5, { min: -1, max: 1 }, rng);
  assert.ok(n.every((x) => Number.isNaN(x) && bitsOf(x) === 0x7fc00000));
  assert.equal(rng.next(), new Rng('const').next(), 'zero and nan consume no random draws');
});

test('the id table follows spec §3.1 and bad ranges are refused', () => {
  assert.equal(valueGenerator(ValueClassId.zero), zeroValues);
  assert.equal(valueGenerator(ValueClassId.in_range), inRangeValues);
  assert.equal(valueGenerator(ValueClassId.out_of_range), outOfRangeValues);
  assert.equal(valueGenerator(ValueClassId.nan), nanValues);
  assert.equal(valueGenerator(ValueClassId.flip), flipValues);
  assert.equal(VALUE_GENERATORS.in_range, inRangeValues);
  for (const r of [{ min: 2, max: 1 }, { min: Number.NaN, max: 1 }, { min: 0, max: Number.POSITIVE_INFINITY }]) {
    assert.throws(() => inRangeValues(1, r, new Rng('x')), ClassesError);
    assert.throws(() => outOfRangeValues(1, r, new Rng('x')), ClassesError);
  }
});

test('same seed, same bytes (pinned, so a change of RNG or algorithm shows up)', () => {
  const rng = new Rng('pinned/values');
  const parts = [
    inRangeValues(64, { min: -5, max: 12 }, rng),
    outOfRangeValues(64, { min: -5, max: 12 }, rng),
    outOfRangeValues(64, { min: -3, max: -1 }, rng),
    outOfRangeValues(64, { min: 0.5, max: 1 }, rng),
    flipValues(64, { min: 0, max: 1 }, rng),
  ];
  const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  assert.equal(sha256Hex(bytes), PINNED_VALUES_SHA256);
});

const PINNED_VALUES_SHA256 = 'e0e050029a075e326f48bc35a14b772f94d8afe7802c02bd4ce90b3c2176a7f9';
