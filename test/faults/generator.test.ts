import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../src/errors.js';
import { parseErrorModel, type ErrorModel } from '../../src/error-models/index.js';
import { generateFault, generateFaults, iterateFaults, type LayerTarget } from '../../src/faults/generator.js';
import { ValueClassId, type Fault } from '../../src/faults/types.js';
import { bitsOf } from '../../src/faults/values/index.js';

const TARGET: LayerTarget = { layer: 'conv1', output: 'conv1_out', shape: { c: 8, h: 6, w: 10 }, range: { min: -2, max: 3 } };

const SAME_ROW_CONFIG = {
  keys: { row_corruption_pct: { RANDOM: [[20.0, 30.0], [90.0, 100.0]] } },
  stats: { max_cardinality: { RANDOM: [8, 4] }, min_value_skip: 1, max_value_skip: { RANDOM: [1, 2] } },
  count: 3,
};

function model(extra: Record<string, unknown> = {}): ErrorModel {
  return parseErrorModel(
    {
      _tensor_count: 4,
      single: {
        count: 1,
        domain_classes: [{ zero: [100, 100], count: 1 }],
        parameters: [{ keys: {}, stats: {}, count: 1 }],
      },
      same_row: {
        count: 3,
        domain_classes: [
          { in_range: [60.0, 80.0], out_of_range: [20.0, 40.0], count: 2 },
          { random: [100, 100], values: { nan: 0.5, flip: 0.5, zero: 0 }, count: 1 },
        ],
        parameters: [SAME_ROW_CONFIG],
      },
      ...extra,
    },
    'synthetic.json',
  );
}

/** Every byte of a fault, so equality means "same bytes". */
function faultBytes(f: Fault): string {
  return JSON.stringify([
    f.layer,
    f.output,
    f.index,
    f.pattern,
    f.params,
    Buffer.from(f.indices.buffer, f.indices.byteOffset, f.indices.byteLength).toString('hex'),
    Buffer.from(f.valueClasses).toString('hex'),
    Buffer.from(f.values.buffer, f.values.byteOffset, f.values.byteLength).toString('hex'),
  ]);
}

test('same seed, same bytes; fault i regenerated alone equals fault i of the list', () => {
  const m = model();
  const a = generateFaults(m, TARGET, 7, 300);
  const b = generateFaults(model(), TARGET, 7, 300);
  assert.deepEqual(a.map(faultBytes), b.map(faultBytes));
  for (const i of [0, 1, 57, 299]) assert.equal(faultBytes(generateFault(m, TARGET, 7, i)), faultBytes(a[i]));
  const tail = generateFaults(m, TARGET, 7, 50, { start: 250 });
  assert.deepEqual(tail.map(faultBytes), a.slice(250).map(faultBytes));
  assert.deepEqual([...iterateFaults(m, TARGET, 7, 5)].map(faultBytes), a.slice(0, 5).map(faultBytes));
  assert.ok(a.every((f, i) => f.index === i && f.layer === 'conv1' && f.output === 'conv1_out'));
  // The key is (seed, layer, index): another seed or layer gives other faults.
  const otherSeed = generateFaults(m, TARGET, 8, 300).map(faultBytes);
  const otherLayer = generateFaults(m, { ...TARGET, layer: 'conv2' }, 7, 300).map((f) => faultBytes({ ...f, layer: 'conv1' }));
  assert.ok(otherSeed.filter((s, i) => s === faultBytes(a[i])).length < 150);
  assert.ok(otherLayer.filter((s, i) => s === faultBytes(a[i])).length < 150);
  assert.equal(faultBytes(generateFault(m, TARGET, '7', 3)), faultBytes(a[3]), 'seed 7 and "7" are the same key');
});

test('patterns are drawn by count; values align with indices and classes', () => {
  const faults = generateFaults(model(), TARGET, 'weights', 4000);
  const n = faults.filter((f) => f.pattern === 'same_row').length;
  const z = (n - 4000 * 0.75) / Math.sqrt(4000 * 0.75 * 0.25);
  assert.ok(Math.abs(z) < 4.5, `same_row ${n}/4000, z=${z}`);
  for (const f of faults) {
    assert.equal(f.values.length, f.indices.length);
    assert.equal(f.valueClasses.length, f.indices.length);
    for (let i = 1; i < f.indices.length; i++) assert.ok(f.indices[i] > f.indices[i - 1], 'sorted, unique');
    for (let i = 0; i < f.values.length; i++) {
      const v = f.values[i];
      switch (f.valueClasses[i]) {
        case ValueClassId.zero:
          assert.ok(Object.is(v, 0));
          break;
        case ValueClassId.in_range:
          assert.ok(v >= -2 && v <= 3);
          break;
        case ValueClassId.out_of_range:
          assert.ok(Number.isFinite(v) && (v < -2 || v > 3));
          break;
        case ValueClassId.nan:
          assert.ok(Number.isNaN(v));
          break;
        case ValueClassId.flip:
          {
            const b = bitsOf(v);
            assert.ok(b !== 0 && (b & (b - 1)) === 0, 'one bit set');
          }
          break;
        default:
          assert.fail(`class id ${f.valueClasses[i]}`);
      }
    }
    if (f.pattern === 'single') assert.deepEqual([...f.valueClasses], [ValueClassId.zero]);
  }
});

test('Double distributions: the first JSON key gets a share drawn from its own range', () => {
  // Only the first class's range is used (spec §3.4): in_range ~ U[60, 80]% → mean 70%.
  const m = parseErrorModel(
    {
      single_channel_random: {
        count: 1,
        domain_classes: [{ in_range: [60.0, 80.0], out_of_range: [0.0, 100.0], count: 1 }],
        parameters: [
          { keys: { channel_corruption_pct: [100, 100] }, stats: { max_cardinality: 40, min_value_skip: 1, max_value_skip: 1 }, count: 1 },
        ],
      },
    },
    'double.json',
  );
  const shares = generateFaults(m, TARGET, 1, 2000).map((f) => f.valueClasses.filter((c) => c === ValueClassId.in_range).length / f.valueClasses.length);
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  assert.ok(Math.abs(mean - 0.7) < 0.01, `mean in_range share ${mean}`);
  assert.ok(Math.min(...shares) > 0.3 && Math.max(...shares) < 1, 'never below the first range by much');
});

test('RANDOM parameters: key order fixed-then-random and the min/max coupling', () => {
  const m = parseErrorModel(
    {
      same_row: {
        count: 1,
        domain_classes: [{ zero: [100, 100], count: 1 }],
        parameters: [
          {
            keys: { row_corruption_pct: [50, 50] },
            stats: { min_value_skip: { RANDOM: [1, 3, 9] }, max_cardinality: 6, max_value_skip: { RANDOM: [2, 4, 5] } },
            count: 1,
          },
        ],
      },
    },
    'coupling.json',
  );
  const seen = new Set<string>();
  for (const f of generateFaults(m, TARGET, 'coupling', 600)) {
    assert.deepEqual(Object.keys(f.params), ['row_corruption_pct', 'max_cardinality', 'min_value_skip', 'max_value_skip']);
    const mn = f.params.min_value_skip as number;
    const mx = f.params.max_value_skip as number;
    if (mn === 9) assert.equal(mx, 9, 'no eligible max: falls back to the partner');
    else assert.ok(mx >= mn && [2, 4, 5].includes(mx));
    seen.add(`${mn}-${mx}`);
  }
  // every eligible combination occurs: 1-{2,4,5}, 3-{4,5}, 9-9
  assert.deepEqual([...seen].sort(), ['1-2', '1-4', '1-5', '3-4', '3-5', '9-9']);
});

test('resolved params are fresh copies, and the pattern can be forced', () => {
  const m = model();
  const f1 = generateFault(m, TARGET, 1, 0, { pattern: 'same_row' });
  (f1.params.row_corruption_pct as [number, number])[0] = -1;
  const f2 = generateFault(m, TARGET, 1, 0, { pattern: 'same_row' });
  assert.notEqual((f2.params.row_corruption_pct as [number, number])[0], -1);
  assert.ok(generateFaults(m, TARGET, 2, 100, { pattern: 'single' }).every((f) => f.pattern === 'single'));
  assert.throws(
    () => generateFault(m, TARGET, 1, 0, { pattern: 'rectangles' }),
    (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /"rectangles" is not in error model synthetic\.json \(it has: single, same_row\)/.test(e.message),
  );
});

test('upstreamNegativeZero changes only values below a positive range minimum', () => {
  const m = parseErrorModel(
    { single: { count: 1, domain_classes: [{ out_of_range: [100, 100], count: 1 }], parameters: [{ count: 1 }] } },
    'oor.json',
  );
  const t = { ...TARGET, range: { min: 0.5, max: 1 } };
  const plain = generateFaults(m, t, 3, 2000);
  const upstream = generateFaults(m, t, 3, 2000, { upstreamNegativeZero: true });
  const negZero = upstream.filter((f) => Object.is(f.values[0], -0)).length;
  assert.ok(negZero > 350 && negZero < 600, `about 24% -0.0 (${negZero}/2000)`);
  assert.ok(plain.filter((f) => Object.is(f.values[0], -0)).length < 3);
  assert.deepEqual(plain.map((f) => f.indices[0]), upstream.map((f) => f.indices[0]));
});

test('bad models and targets fail with one-line errors naming the culprit', () => {
  const unknown = model({ hexagons: { count: 1, domain_classes: [{ zero: [100, 100], count: 1 }], parameters: [{ count: 1 }] } });
  assert.throws(
    () => generateFault(unknown, TARGET, 1, 0),
    (e: unknown) => e instanceof ClassesError && /^synthetic\.json: \$\.hexagons is not a known spatial pattern/.test(e.message),
  );
  const m = model();
  const bad: Array<[Partial<LayerTarget>, RegExp]> = [
    [{ shape: { c: 0, h: 2, w: 2 } }, /layer conv1: shape c must be a positive integer/],
    [{ range: { min: 3, max: 1 } }, /layer conv1: operating range \[3, 1\]/],
    [{ range: { min: Number.NaN, max: 1 } }, /layer conv1: operating range/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => generateFault(m, { ...TARGET, ...patch }, 1, 0), (e: unknown) => e instanceof ClassesError && re.test(e.message));
  }
  assert.throws(() => generateFault(m, TARGET, 1, -1), ClassesError);
  assert.throws(() => generateFaults(m, TARGET, 1, 1.5), ClassesError);
});

test('HWC layout: indices address the HWC tensor, values stay aligned', () => {
  const m = model();
  const hwc = generateFaults(m, { ...TARGET, layout: 'HWC' }, 9, 200);
  const size = TARGET.shape.c * TARGET.shape.h * TARGET.shape.w;
  for (const f of hwc) {
    assert.ok(f.indices.every((i) => i < size));
    assert.equal(f.values.length, f.indices.length);
  }
});
