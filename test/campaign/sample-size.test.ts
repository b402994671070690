import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confidenceQuantile, leveugleSampleSize, normalQuantile, smallestMargin } from '../../src/campaign/sample-size.js';

test('normal quantiles', () => {
  assert.ok(Math.abs(confidenceQuantile(0.95) - 1.959963985) < 1e-8);
  assert.ok(Math.abs(confidenceQuantile(0.99) - 2.575829304) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306) < 1e-8);
});

test('Leveugle sample size: unbounded population, worst case p = 0.5', () => {
  // t^2 p(1-p) / e^2 = 1.96^2 * 0.25 / e^2
  assert.equal(leveugleSampleSize({ margin: 0.05, confidence: 0.95 }), 385);
  assert.equal(leveugleSampleSize({ margin: 0.01, confidence: 0.95 }), 9604);
  assert.equal(leveugleSampleSize({ margin: 0.01, confidence: 0.99 }), 16588);
});

test('Leveugle sample size: finite-population correction', () => {
  // N = 1000, e = 5 %, 95 %: 1000 / (1 + 0.0025 * 999 / 0.9604) = 277.7 -> 278
  assert.equal(leveugleSampleSize({ margin: 0.05, confidence: 0.95, population: 1000 }), 278);
  // a tiny population is taken whole at most
  assert.equal(leveugleSampleSize({ margin: 0.001, confidence: 0.95, population: 20 }), 20);
  assert.equal(leveugleSampleSize({ margin: 0.5, confidence: 0.95, population: 1 }), 1);
});

test('the smallest margin a capped sample allows: rounded up to two digits, and its sample fits under the cap', () => {
  for (const [confidence, max, want] of [[0.95, 1_000_000, 0.00098], [0.99, 1_000_000, 0.0013], [0.95, 385, 0.05]] as const) {
    const m = smallestMargin(confidence, max);
    assert.equal(m, want);
    assert.ok(leveugleSampleSize({ margin: m, confidence }) <= max);
  }
});
