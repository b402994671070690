import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toShape3 } from '../../src/faults/shape3.js';

test('layer shapes as {c, h, w}: channels stay channels, rows stay rows, and every reading keeps the sample size', () => {
  const cases: [number[], [number, number, number]][] = [
    [[], [1, 1, 1]],
    [[120], [120, 1, 1]], // a flat vector: channels of 1x1, like the global pooling before its Flatten
    [[8, 60], [8, 1, 60]], // Conv1d: 8 channels of one row
    [[16, 5, 7], [16, 5, 7]],
    [[1, 16, 5, 7], [16, 5, 7]], // a leading 1 dropped
    [[1, 1, 120], [1, 1, 120]], // rank 3 is taken as it is
    [[4, 3, 5, 7], [4, 15, 7]], // Conv3d: depth and height make the rows; a row is a row of the map
    [[1, 4, 3, 5, 7], [4, 15, 7]],
  ];
  for (const [dims, [c, h, w]] of cases) {
    assert.deepEqual(toShape3(dims), { c, h, w }, `[${dims.join(',')}]`);
    assert.equal(c * h * w, dims.reduce((a, b) => a * b, 1));
  }
});
