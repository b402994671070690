import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmax, classify, rankOf, type ClassifyOptions } from '../../src/campaign/outcome.js';

const DEF: ClassifyOptions = { criteria: 'default', topK: 1, tolerance: 0 };
const f32 = (...v: number[]): Float32Array => Float32Array.from(v);
const run = (g: Float32Array, f: Float32Array, o: ClassifyOptions = DEF) => classify(g, 0, argmax(g, 0, g.length), f, 0, g.length, o);

test('masked only when bit-identical by default', () => {
  const g = f32(0.1, 0.9, 0.3);
  assert.deepEqual(run(g, f32(0.1, 0.9, 0.3)), { outcome: 'masked', faultyTop1: 1, maxAbsDiff: 0 });
  const r = run(g, f32(0.1, 0.9, 0.30001));
  assert.equal(r.outcome, 'sdc-safe');
  assert.ok(r.maxAbsDiff > 0);
});

test('sdc-critical when the top-1 changes, with first-max ties', () => {
  const g = f32(0.1, 0.9, 0.3);
  const r = run(g, f32(0.1, 0.9, 2));
  assert.equal(r.outcome, 'sdc-critical');
  assert.equal(r.faultyTop1, 2);
  // a tie keeps the lower index, so the top-1 stays 1
  assert.equal(run(g, f32(0.1, 0.9, 0.9)).outcome, 'sdc-safe');
});

test('non-finite is checked before any argmax', () => {
  const g = f32(0.1, 0.9, 0.3);
  const nan = run(g, f32(NaN, 0.9, 0.3));
  assert.equal(nan.outcome, 'non-finite');
  assert.equal(nan.faultyTop1, -1);
  assert.ok(Number.isNaN(nan.maxAbsDiff));
  const inf = run(g, f32(0.1, Infinity, 0.3));
  assert.equal(inf.outcome, 'non-finite');
  assert.equal(inf.maxAbsDiff, Infinity);
  assert.equal(run(g, f32(0.1, 0.9, -Infinity)).outcome, 'non-finite');
});

test('--tolerance and --top-k', () => {
  const g = f32(0.1, 0.9, 0.3);
  assert.equal(run(g, f32(0.1, 0.9, 0.3004), { ...DEF, tolerance: 1e-3 }).outcome, 'masked');
  assert.equal(run(g, f32(0.1, 0.9, 0.302), { ...DEF, tolerance: 1e-3 }).outcome, 'sdc-safe');
  // golden top-1 (class 1) falls to rank 2 of 3: critical at K=1 and K=2, safe at K=3
  const f = f32(1.5, 0.9, 1.2);
  assert.equal(rankOf(f, 0, 3, 1), 2);
  assert.equal(run(g, f, { ...DEF, topK: 2 }).outcome, 'sdc-critical');
  assert.equal(run(g, f, { ...DEF, topK: 3 }).outcome, 'sdc-safe');
});

test('offsets select one sample of a batch', () => {
  const g = f32(0, 1, 0, 2, 0, 1);
  const f = f32(9, 9, 9, 0, 3, 1, 9, 9, 9);
  const v = classify(g, 3, 0, f, 3, 3, DEF);
  assert.equal(v.outcome, 'sdc-critical');
  assert.equal(v.faultyTop1, 1);
  assert.equal(v.maxAbsDiff, 3);
});

test('--criteria classes reproduces the reference rule and its quirks', () => {
  const C: ClassifyOptions = { criteria: 'classes', topK: 1, tolerance: 1e-3 };
  const g = f32(0.1, 0.9, 0.3);
  // below the tolerance: masked
  assert.equal(run(g, f32(0.1, 0.9005, 0.3), C).outcome, 'masked');
  // an all-NaN output compares false everywhere: masked (reference behaviour)
  assert.equal(run(g, f32(NaN, NaN, NaN), C).outcome, 'masked');
  // same top-1, small change of the top score: safe
  assert.equal(run(g, f32(0.1, 0.92, 0.3), C).outcome, 'sdc-safe');
  // same top-1 but the top score moved by more than 0.05 (absolute): critical
  assert.equal(run(g, f32(0.1, 0.96, 0.3), C).outcome, 'sdc-critical');
  // Inf counts as an SDC; top-1 moves to it
  const inf = run(g, f32(Infinity, 0.9, 0.3), C);
  assert.equal(inf.outcome, 'sdc-critical');
  assert.equal(inf.faultyTop1, 0);
  // a NaN ranks first (PyTorch's ordering), so one NaN plus a real change is critical
  const nan = run(g, f32(0.5, 0.9, NaN), C);
  assert.equal(nan.outcome, 'sdc-critical');
  assert.equal(nan.faultyTop1, 2);
  // thresholds compare in float32, as PyTorch casts them: a difference of float32(1e-3), a hair
  // above 1e-3 in double, is not above the tolerance; float32(0.05) on the top score is not critical
  assert.equal(run(f32(0, 2, 3), f32(Math.fround(1e-3), 2, 3), C).outcome, 'masked');
  assert.equal(run(f32(0, -1, -1), f32(0.05, -1, -1), C).outcome, 'sdc-safe');
});
