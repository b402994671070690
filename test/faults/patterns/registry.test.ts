import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError, EXIT_USAGE } from '../../../src/errors.js';
import {
  PATTERN_DEFINITIONS,
  PATTERN_GENERATORS,
  PATTERN_NAMES,
  PATTERN_PARAMETERS,
  getPatternGenerator,
  isPatternName,
} from '../../../src/faults/patterns/index.js';

const PUBLISHED = [
  'single',
  'same_row',
  'bullet_wake',
  'skip_4',
  'single_block',
  'single_channel_alternated_blocks',
  'full_channels',
  'multi_channel_block',
  'shattered_channel',
  'quasi_shattered_channel',
  'rectangles',
  'single_channel_random',
  'multiple_channels_uncategorized',
];

test('every pattern of the published models has a generator', () => {
  for (const n of PUBLISHED) {
    assert.ok(isPatternName(n), n);
    assert.equal(typeof getPatternGenerator(n), 'function');
    assert.equal(PATTERN_GENERATORS[n], getPatternGenerator(n));
  }
});

test('quasi_shattered_channel uses the shattered generator, as upstream', () => {
  assert.equal(PATTERN_GENERATORS.quasi_shattered_channel, PATTERN_GENERATORS.shattered_channel);
  assert.equal(PATTERN_DEFINITIONS.quasi_shattered_channel.upstreamName, 'shattered_channel_generator');
});

test('same_column is implemented (upstream crashes); it is the only name beyond the published ones', () => {
  assert.deepEqual(
    PATTERN_NAMES.filter((n) => !PUBLISHED.includes(n)),
    ['same_column'],
  );
});

test('an unknown name is a usage error that lists the known names', () => {
  for (const bad of ['same', 'toString', '__proto__', 'Single', '']) {
    assert.throws(
      () => getPatternGenerator(bad),
      (e: unknown) => e instanceof ClassesError && e.exitCode === EXIT_USAGE && /unknown spatial pattern/.test(e.message) && /bullet_wake/.test(e.message),
      bad,
    );
    assert.equal(isPatternName(bad), false);
  }
});

test('the parameter table lists every parameter name of spec §1.3 for each pattern', () => {
  const expected: Record<string, string[]> = {
    single: [],
    same_row: ['row_corruption_pct', 'max_cardinality', 'min_value_skip', 'max_value_skip'],
    bullet_wake: ['affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    skip_4: ['skip_amount', 'unique_channel_indexes', 'indexes_corruption_pct', 'affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    single_block: ['block_size', 'block_corruption_pct'],
    single_channel_alternated_blocks: ['block_size', 'min_block_skip', 'max_block_skip', 'max_feature_map_size'],
    full_channels: ['avg_channel_corruption_pct', 'affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    multi_channel_block: ['block_size', 'avg_block_corruption_pct', 'affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    shattered_channel: ['avg_span_corruption_pct', 'affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip', 'min_span_width', 'max_span_width'],
    rectangles: ['rectangle_width', 'rectangle_height', 'affected_channels_pct', 'max_corrupted_channels', 'min_channel_skip', 'max_channel_skip'],
    single_channel_random: ['channel_corruption_pct', 'max_cardinality', 'min_value_skip', 'max_value_skip'],
    multiple_channels_uncategorized: ['avg_channel_corruption_pct', 'affected_channels_pct', 'max_corrupted_channels', 'min_errors_per_channel', 'max_errors_per_channel', 'min_channel_skip', 'max_channel_skip'],
  };
  for (const [name, names] of Object.entries(expected)) {
    const spec = PATTERN_PARAMETERS[name];
    assert.deepEqual([...spec.ints, ...spec.pcts, ...spec.unused].sort(), [...names].sort(), name);
  }
});

test('the loader requires exactly the parameters each generator reads (src/error-models/pattern-params.ts)', async () => {
  const { PATTERN_REQUIRED_PARAMS } = await import('../../../src/error-models/pattern-params.js');
  for (const name of PATTERN_NAMES) {
    const spec = PATTERN_PARAMETERS[name];
    assert.deepEqual([...(PATTERN_REQUIRED_PARAMS[name] ?? [])].sort(), [...spec.ints, ...spec.pcts].sort(), name);
  }
});
