import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexSink } from '../../../src/faults/patterns/index-sink.js';
import { Rng } from '../../../src/faults/rng.js';

function reference(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

test('IndexSink maps (c, p) to CHW and HWC flat indices', () => {
  const shape = { c: 3, h: 2, w: 5 };
  const s = new IndexSink();
  s.begin(shape, 'CHW');
  s.add(2, 7);
  assert.deepEqual(Array.from(s.finish()), [2 * 10 + 7]);
  s.begin(shape, 'HWC');
  s.add(2, 7); // h = 1, w = 2 → 1*5*3 + 2*3 + 2
  assert.deepEqual(Array.from(s.finish()), [23]);
});

test('IndexSink sorts and dedupes unordered input on both sort paths (small, radix with 1-4 passes)', () => {
  const rng = new Rng('sink');
  const s = new IndexSink();
  for (const [n, range] of [[10, 50], [300, 200], [5000, 1 << 12], [5000, 1 << 20], [3000, 2 ** 32 - 1]] as const) {
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(rng.index(range));
    s.begin({ c: 1, h: 1, w: 1 }, 'CHW');
    for (const v of values) s.addFlat(v);
    assert.deepEqual(Array.from(s.finish()), reference(values), `n=${n} range=${range}`);
  }
});

test('IndexSink handles ascending runs with repeats and a growing buffer', () => {
  const s = new IndexSink();
  s.begin({ c: 100, h: 100, w: 10 }, 'CHW');
  const run = new Uint32Array([0, 3, 9]);
  for (let c = 0; c < 100; c++) s.addChannelRun(c, 0, run);
  s.addChannelRun(99, 0, run); // a repeat at the end: ascending but not strict
  const out = s.finish();
  assert.equal(out.length, 300);
  assert.equal(out[299], 99 * 1000 + 9);
  s.begin({ c: 1, h: 1, w: 1 }, 'CHW');
  assert.equal(s.finish().length, 0);
});
