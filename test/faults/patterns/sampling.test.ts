import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/faults/rng.js';
import { sampleDistinct, sampleWithReplacementUnique } from '../../../src/faults/patterns/sampling.js';

function isStrictlyAscending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

test('sampleDistinct returns k distinct values in range, on both the sparse and the dense path', () => {
  const rng = new Rng('sd');
  for (const [n, k] of [[1, 1], [10, 0], [10, 3], [10, 7], [10, 10], [1000, 5], [1000, 900], [7, 12]]) {
    for (let i = 0; i < 50; i++) {
      const s = Array.from(sampleDistinct(rng, n, k, true));
      assert.equal(s.length, Math.min(k, n), `n=${n} k=${k}`);
      assert.ok(isStrictlyAscending(s));
      for (const v of s) assert.ok(v >= 0 && v < n);
      const u = Array.from(sampleDistinct(rng, n, k, false));
      assert.equal(new Set(u).size, Math.min(k, n));
    }
  }
});

test('sampleDistinct is uniform over positions (each value chosen with probability k/n)', () => {
  const rng = new Rng('sdu');
  for (const k of [3, 8]) {
    const n = 10;
    const hits = new Array<number>(n).fill(0);
    const draws = 6000;
    for (let i = 0; i < draws; i++) for (const v of sampleDistinct(rng, n, k, false)) hits[v]++;
    const expect = (draws * k) / n;
    for (const h of hits) assert.ok(Math.abs(h - expect) < 5 * Math.sqrt(expect), `k=${k} hits ${hits}`);
  }
});

test('sampleWithReplacementUnique: distinct count averages n(1 - (1 - 1/n)^k), sorted, in range', () => {
  const rng = new Rng('swr');
  for (const [n, k] of [[64, 60], [1024, 20], [16, 40]]) {
    let sum = 0;
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      const s = sampleWithReplacementUnique(rng, n, k);
      assert.ok(isStrictlyAscending(s));
      assert.ok(s.length >= 1 && s.length <= Math.min(n, k));
      for (const v of s) assert.ok(v < n);
      sum += s.length;
    }
    const want = n * (1 - Math.pow(1 - 1 / n, k));
    assert.ok(Math.abs(sum / draws - want) < 0.02 * want + 0.1, `n=${n} k=${k}: ${sum / draws} vs ${want}`);
  }
  assert.equal(sampleWithReplacementUnique(rng, 10, 0).length, 0);
});
