import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { Rng } from '../../src/faults/rng.js';

test('Rng steps Alea exactly as seedrandom does (same stream for the same key)', () => {
  for (const key of ['1/conv1/0', '42/layer.with.dots/999', '']) {
    const ref = seedrandom.alea(key);
    const rng = new Rng(key);
    for (let i = 0; i < 500; i++) assert.equal(rng.next(), ref.double());
    const refQuick = seedrandom.alea(key);
    const rngQuick = new Rng(key);
    for (let i = 0; i < 500; i++) assert.equal(rngQuick.quickIndex(1000), Math.floor(refQuick.quick() * 1000));
  }
});

test('Rng.forFault depends only on (seed, layer, index)', () => {
  const a = Rng.forFault(7, 'conv1', 3);
  const b = Rng.forFault(7, 'conv1', 3);
  const c = Rng.forFault(7, 'conv1', 4);
  const xa = [a.next(), a.next()];
  assert.deepEqual(xa, [b.next(), b.next()]);
  assert.notDeepEqual(xa, [c.next(), c.next()]);
});

test('Rng draws stay in their ranges', () => {
  const rng = new Rng('ranges');
  for (let i = 0; i < 2000; i++) {
    const v = rng.int(-3, 4);
    assert.ok(Number.isInteger(v) && v >= -3 && v < 4);
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
  }
  const picks = rng.sampleWithoutReplacement(50, 40);
  assert.equal(new Set(picks).size, 40);
  assert.equal(rng.weightedIndex([0, 0, 5]), 2);
});
