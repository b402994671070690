import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeChunks, shardFaults, shardUnitCount, totalUnits, type Plan } from '../../src/campaign/plan.js';

const plan: Plan = {
  layers: [
    { name: 'a', output: 'ta', faults: 5 },
    { name: 'b', output: 'tb', faults: 3 },
    { name: 'c', output: 'tc', faults: 4 },
  ],
  inputs: 2,
};

test('shards partition the units round robin', () => {
  const n = 3;
  const seen = new Map<string, number>();
  let total = 0;
  for (let i = 1; i <= n; i++) {
    const shard = { index: i, count: n };
    total += shardUnitCount(plan, shard);
    plan.layers.forEach((l, li) => {
      for (const f of shardFaults(plan, li, shard)) {
        const key = `${l.name}/${f}`;
        assert.ok(!seen.has(key), `unit ${key} in two shards`);
        seen.set(key, i);
      }
    });
  }
  assert.equal(total, totalUnits(plan));
  assert.equal(seen.size, 12);
  // global unit u goes to shard u mod n + 1: b/0 is unit 5 -> shard 3
  assert.equal(seen.get('a/0'), 1);
  assert.equal(seen.get('b/0'), 3);
  assert.equal(seen.get('c/0'), 3);
  assert.equal(seen.get('c/1'), 1);
});

test('chunks never cross layers and count units before them', () => {
  const chunks = makeChunks(plan, null, 2);
  assert.deepEqual(
    chunks.map((c) => [c.layer, c.faults, c.unitsBefore]),
    [
      [0, [0, 1], 0],
      [0, [2, 3], 2],
      [0, [4], 4],
      [1, [0, 1], 5],
      [1, [2], 7],
      [2, [0, 1], 8],
      [2, [2, 3], 10],
    ],
  );
  const s2 = makeChunks(plan, { index: 2, count: 2 }, 10);
  assert.deepEqual(s2.map((c) => c.faults), [[1, 3], [0, 2], [1, 3]]);
});
