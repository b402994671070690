import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ModelAggregator,
  buildErrorModelFromTensors,
  domainOf,
  type ClassifiedTensor,
  type EntryJson,
  type KeyValue,
  type PatternName,
  type StatValue,
} from '../../../src/error-models/builder/index.js';
import { parseErrorModel } from '../../../src/error-models/index.js';
import { assertReferenceLoadable } from './reference-rules.js';
import { makePair, range, type Corruption } from './tensors.js';

function tensor(
  pattern: PatternName,
  keys: Record<string, KeyValue>,
  stats: Record<string, StatValue>,
  counts: number[] = [0, 0, 1, 0, 0],
): ClassifiedTensor {
  return { pattern, keys, stats, valueClassCounts: counts, domain: domainOf(counts), corruptedCount: 1, channelCount: 1 };
}

const max = (value: number): StatValue => ({ value, agg: 'max' });
const min = (value: number): StatValue => ({ value, agg: 'min' });

function bullet(affected: [number, number], channels: number): ClassifiedTensor {
  return tensor(
    'bullet_wake',
    { affected_channels_pct: affected },
    { max_corrupted_channels: max(channels), min_channel_skip: min(1), max_channel_skip: max(2) },
  );
}

function scRandom(pct: [number, number], card: number, lo: number, hi: number): ClassifiedTensor {
  return tensor('single_channel_random', { channel_corruption_pct: pct }, { max_cardinality: max(card), min_value_skip: min(lo), max_value_skip: max(hi) });
}

/** 273 tensors: a big pattern, a rare pattern, rare configurations merged and dropped. */
function scenario(): ClassifiedTensor[] {
  const out: ClassifiedTensor[] = [];
  for (let i = 0; i < 120; i++) out.push(tensor('single', {}, {}, [0, 0, 1, 0, 0]));
  for (let i = 0; i < 80; i++) out.push(tensor('single', {}, {}, [1, 0, 0, 0, 0]));
  for (let i = 0; i < 4; i++) out.push(tensor('same_row', { row_corruption_pct: [90, 100] }, { max_cardinality: max(3), min_value_skip: min(1), max_value_skip: max(1) }));
  for (let i = 0; i < 50; i++) out.push(scRandom([0, 10], 3 + (i % 6), 1 + (i % 3), 10 + i));
  out.push(scRandom([10, 20], 40, 1, 3), scRandom([20, 30], 60, 1, 3), scRandom([30, 40], 90, 1, 2));
  for (let i = 0; i < 10; i++) out.push(bullet([20, 30], 2 + (i % 3)));
  out.push(bullet([30, 40], 3), bullet([30, 40], 3), bullet([40, 50], 4), bullet([40, 50], 4), bullet([0, 10], 8), bullet([0, 10], 8));
  return out;
}

function aggregate(tensors: ClassifiedTensor[]): ReturnType<ModelAggregator['finish']> {
  const agg = new ModelAggregator();
  for (const t of tensors) agg.add(t);
  return agg.finish();
}

test('configurations, pruning and merged RANDOM lists follow the reference rules', () => {
  const { model, pruned, kept } = aggregate(scenario());
  assert.equal(kept, 266);
  assert.deepEqual(Object.keys(model), [
    '_rejected_tensors_proportion',
    '_tensor_count',
    '_rejected_tensor_count',
    '_masked_tensor_count',
    '_categories_count',
    'single',
    'single_channel_random',
    'bullet_wake',
  ]);
  assert.equal(model._tensor_count, 266);
  assert.equal(model._rejected_tensor_count, 7);
  assert.equal(model._rejected_tensors_proportion, 7 / 273);
  assert.equal(model._categories_count, 1);
  assert.deepEqual(pruned, [
    { pattern: 'same_row', reason: 'rare-pattern', count: 4 },
    { pattern: 'single_channel_random', reason: 'rare-configuration', count: 3 },
  ]);

  const single = model.single as EntryJson;
  assert.equal(single.count, 200);
  assert.equal(single.frequency, 200 / 266);
  assert.deepEqual(single.domain_classes, [
    { out_of_range: [100, 100], count: 120, frequency: 0.6 },
    { zero: [100, 100], count: 80, frequency: 0.4 },
  ]);
  assert.deepEqual(single.parameters, [{ keys: {}, stats: {}, conditional_frequency: 1, overall_frequency: 200 / 266, count: 200 }]);

  const sc = model.single_channel_random as EntryJson;
  assert.equal(sc.count, 50);
  assert.equal(sc.categories_count, 1);
  // stats folded with their aggregator over the configuration
  assert.deepEqual(sc.parameters[0].stats, { max_cardinality: 8, min_value_skip: 1, max_value_skip: 59 });

  const bw = model.bullet_wake as EntryJson;
  assert.equal(bw.count, 16);
  assert.deepEqual(
    bw.parameters.map((p) => p.count),
    [10, 6],
  );
  assert.deepEqual(bw.parameters[1].keys, {
    affected_channels_pct: {
      RANDOM: [
        [0, 10],
        [30, 40],
        [40, 50],
      ],
    },
  });
  assert.deepEqual(bw.parameters[1].stats, { max_corrupted_channels: { RANDOM: [3, 4, 8] }, min_channel_skip: 1, max_channel_skip: 2 });
  assert.equal(bw.parameters[1].conditional_frequency, 6 / 16);
  assert.equal(bw.parameters[1].overall_frequency, 6 / 266);
  assertReferenceLoadable(model);
});

test('the model depends on the set of tensors, not on their order', () => {
  const tensors = scenario();
  const shuffled = [...tensors];
  // a fixed permutation (no Math.random in tests)
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  assert.equal(JSON.stringify(aggregate(shuffled).model), JSON.stringify(aggregate(tensors).model));
});

test('rare domain distributions are pooled into one Random element over the pooled tensors only', () => {
  const tensors: ClassifiedTensor[] = [];
  for (let i = 0; i < 12; i++) tensors.push(tensor('single', {}, {}, [0, 3, 0, 0, 0]));
  for (let i = 0; i < 4; i++) tensors.push(tensor('single', {}, {}, [0, 15, 1, 0, 0])); // Double, too rare
  for (let i = 0; i < 4; i++) tensors.push(tensor('single', {}, {}, [1, 1, 2, 0, 0])); // Random
  const { model } = aggregate(tensors);
  const domains = (model.single as EntryJson).domain_classes;
  assert.deepEqual(domains[0], { in_range: [100, 100], count: 12, frequency: 0.6 });
  assert.deepEqual(domains[1], { random: [100, 100], count: 8, values: { zero: 4 / 80, in_range: 64 / 80, out_of_range: 12 / 80 }, frequency: 0.4 });
  assert.equal(
    domains.reduce((a, d) => a + (d.count as number), 0),
    20,
    'domain counts add up to the entry count',
  );
});

test('pruning thresholds are options', () => {
  const agg = new ModelAggregator();
  for (const t of scenario()) agg.add(t);
  const { model, pruned } = agg.finish({ minClassCount: 1, minConfigFrequency: 0 });
  assert.deepEqual(pruned, []);
  assert.equal(model._tensor_count, 273);
  assert.equal((model.same_row as EntryJson).count, 4);
  assert.equal((model.single_channel_random as EntryJson).categories_count, 4);
});

test('a model built from tensors in memory loads with our loader and follows the reference rules', () => {
  const shape = { c: 8, h: 16, w: 16 };
  const cases: Corruption[] = [
    { 1: [19] },
    { 0: [51], 2: [51], 6: [51] },
    { 1: [8, 12, 16, 20], 2: [8, 12, 16, 20] },
    { 0: range(37, 48), 1: range(37, 48), 2: range(37, 48) },
    { 2: [5, 35, 65, 95] },
  ];
  const pairs = [];
  for (const [i, c] of cases.entries()) {
    for (let r = 0; r < 10; r++) {
      const { golden, faulty } = makePair(shape, c, r % 2 === 0 ? 50 : 0);
      pairs.push({ golden, faulty, shape, source: `case ${i} #${r}` });
    }
  }
  const { golden } = makePair(shape, {});
  pairs.push({ golden, faulty: golden.slice(), shape, source: 'masked' });
  pairs.push({ golden, faulty: golden.subarray(3), shape, source: 'short' });
  const { model, report } = buildErrorModelFromTensors(pairs);
  assert.equal(report.tensors, 52);
  assert.equal(report.kept, 50);
  assert.equal(report.masked, 1);
  assert.equal(report.rejected, 1);
  assert.deepEqual(report.rejectedByReason, { 'shape-mismatch': 1 });
  assert.deepEqual(report.rejections.map((r) => r.source), ['short']);
  assert.equal(model._masked_tensor_count, 1);
  assert.equal(model._rejected_tensor_count, 1);
  assert.equal(model._rejected_tensors_proportion, 1 / 51);
  assertReferenceLoadable(model);
  const parsed = parseErrorModel(JSON.parse(JSON.stringify(model)), 'built');
  assert.deepEqual(
    parsed.patterns.map((p) => [p.name, p.count]),
    [
      ['single', 10],
      ['bullet_wake', 10],
      ['skip_4', 10],
      ['rectangles', 10],
      ['single_channel_random', 10],
    ],
  );
  // 5 tensors at 50 (out_of_range) and 5 at 0 (zero) in every pattern
  for (const p of parsed.patterns) {
    assert.deepEqual(
      p.domainClasses.map((d) => [d.kind, d.count]),
      [
        ['single', 5],
        ['single', 5],
      ],
    );
  }
});
