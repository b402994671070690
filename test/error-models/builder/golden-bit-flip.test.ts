import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyValue } from '../../../src/error-models/builder/index.js';
import { ValueClassId } from '../../../src/faults/types.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function flipBit(x: number, bit: number): number {
  f32[0] = x;
  u32[0] ^= 1 << bit;
  return f32[0];
}

test('a value one bit away from golden is flip by default (the reference rule)', () => {
  const golden = 0.75;
  assert.equal(classifyValue(flipBit(golden, 20), golden, 0, 1), ValueClassId.flip);
});

test('with goldenBitFlip off, a one-bit change is classed by where the value lands', () => {
  const golden = 0.75;
  const small = flipBit(golden, 20); // still inside [0, 1]
  const huge = flipBit(golden, 30); // exponent bit: far outside
  assert.equal(classifyValue(small, golden, 0, 1, false), ValueClassId.in_range);
  assert.equal(classifyValue(huge, golden, 0, 1, false), ValueClassId.out_of_range);
});
