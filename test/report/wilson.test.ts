import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilsonInterval } from '../../src/report/wilson.js';

test('Wilson interval matches known values', () => {
  // 10/100 at 95 %: [0.0552, 0.1744] (textbook value)
  const a = wilsonInterval(10, 100);
  assert.equal(a.rate, 0.1);
  assert.ok(Math.abs(a.lo - 0.05522914) < 1e-6, String(a.lo));
  assert.ok(Math.abs(a.hi - 0.17436566) < 1e-6, String(a.hi));
});

test('Wilson interval is exact at the ends and symmetric', () => {
  const z = wilsonInterval(0, 50);
  assert.equal(z.lo, 0);
  assert.ok(z.hi > 0 && z.hi < 0.1);
  const o = wilsonInterval(50, 50);
  assert.equal(o.hi, 1);
  assert.ok(Math.abs(o.lo - (1 - z.hi)) < 1e-12);
  assert.deepEqual(wilsonInterval(0, 0), { rate: 0, lo: 0, hi: 1 });
  assert.throws(() => wilsonInterval(3, 2), RangeError);
});
