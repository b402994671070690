import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError, EXIT_RUNTIME } from '../../src/errors.js';
import { parseErrorModel, parseErrorModelText } from '../../src/error-models/index.js';

/** A small valid model exercising every domain-class shape and a RANDOM parameter. */
function sample(): Record<string, unknown> {
  return {
    _tensor_count: 30,
    _categories_count: 2,
    same_row: {
      count: 10,
      frequency: 0.33,
      categories_count: 1,
      domain_classes: [
        { random: [100.0, 100.0], count: 4, values: { IN_RANGE: 0.25, out_of_range: 0.75 }, frequency: 0.4 },
        { out_of_range: [0.0, 12.5], in_range: [87.5, 100.0], count: 6, frequency: 0.6 },
      ],
      parameters: [
        {
          keys: { row_corruption_pct: { RANDOM: [[20.0, 30.0], [90.0, 100.0]] } },
          stats: { max_cardinality: { RANDOM: [8, 4] }, min_value_skip: 1, max_value_skip: { RANDOM: [1, 29] } },
          conditional_frequency: 1.0,
          overall_frequency: 0.33,
          count: 10,
        },
      ],
    },
    single: {
      count: 20,
      domain_classes: [{ zero: [100.0, 100.0], count: 20 }],
      parameters: [{ keys: {}, stats: {}, count: 20 }],
    },
  };
}

function expectError(json: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseErrorModel(json, 'conv.json'),
    (err: unknown) => {
      assert.ok(err instanceof ClassesError, 'a ClassesError');
      assert.equal(err.exitCode, EXIT_RUNTIME);
      assert.match(err.message, /^conv\.json: /);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('parses patterns, counts, domain classes and parameters in JSON key order', () => {
  const m = parseErrorModel(sample(), 'conv.json');
  assert.equal(m.source, 'conv.json');
  assert.deepEqual(m.meta, { _tensor_count: 30, _categories_count: 2 });
  assert.deepEqual(
    m.patterns.map((p) => [p.name, p.count]),
    [['same_row', 10], ['single', 20]],
  );
  const sr = m.patterns[0];
  assert.deepEqual(sr.domainClasses[0], { kind: 'random', count: 4, classes: ['in_range', 'out_of_range'], weights: [0.25, 0.75] });
  // Double: the first key in JSON order is the first class, even when it is the minority.
  assert.deepEqual(sr.domainClasses[1], {
    kind: 'double',
    count: 6,
    first: 'out_of_range',
    firstPct: [0, 12.5],
    second: 'in_range',
    secondPct: [87.5, 100],
  });
  assert.deepEqual(
    sr.parameters[0].params.map((p) => p.name),
    ['row_corruption_pct', 'max_cardinality', 'min_value_skip', 'max_value_skip'],
  );
  assert.deepEqual(sr.parameters[0].params[0].spec, { kind: 'random', choices: [[20, 30], [90, 100]] });
  assert.deepEqual(sr.parameters[0].params[2].spec, { kind: 'fixed', value: 1 });
  assert.deepEqual(m.patterns[1].domainClasses, [{ kind: 'single', count: 20, cls: 'zero' }]);
});

test('keys then stats are flattened like a Python dict update: first position, last value', () => {
  const j = sample();
  const single = j.single as { parameters: Array<Record<string, unknown>> };
  single.parameters[0] = { keys: { block_size: 16, a_pct: [0, 10] }, stats: { b_count: 3, block_size: 32 }, count: 20 };
  const m = parseErrorModel(j, 'x.json');
  const params = m.patterns[1].parameters[0].params;
  assert.deepEqual(params.map((p) => p.name), ['block_size', 'a_pct', 'b_count']);
  assert.deepEqual(params[0].spec, { kind: 'fixed', value: 32 });
});

test('missing keys/stats count as empty', () => {
  const j = sample();
  (j.single as { parameters: unknown[] }).parameters = [{ count: 1 }];
  assert.deepEqual(parseErrorModel(j, 'x.json').patterns[1].parameters, [{ count: 1, params: [] }]);
});

test('errors name the file and the JSON path of the bad field', () => {
  const cases: Array<[(j: any) => void, RegExp]> = [
    // `any`: the cases poke at arbitrary places of a JSON document
    [(j) => (j.same_row.parameters[0].count = 0), /\$\.same_row\.parameters\[0\]\.count must be a positive integer \(got 0\)/],
    [(j) => (j.same_row.count = 2.5), /\$\.same_row\.count must be a positive integer/],
    [(j) => delete j.single.count, /\$\.single\.count must be a positive integer \(got nothing\)/],
    [(j) => (j.single.domain_classes = []), /\$\.single\.domain_classes must not be empty/],
    [(j) => (j.single.parameters = {}), /\$\.single\.parameters must be an array/],
    [(j) => (j.single = [1]), /\$\.single must be a JSON object/],
    [(j) => (j.single.domain_classes[0].count = -3), /\$\.single\.domain_classes\[0\]\.count must be a positive integer/],
    [(j) => (j.single.domain_classes[0] = { Zero: [100, 100], count: 1 }), /\$\.single\.domain_classes\[0\]\.Zero is not a known domain-class key/],
    [(j) => (j.single.domain_classes[0] = { count: 1, frequency: 1 }), /\$\.single\.domain_classes\[0\] names no value class/],
    [
      (j) => (j.single.domain_classes[0] = { zero: [0, 10], nan: [0, 10], flip: [80, 90], count: 1 }),
      /\$\.single\.domain_classes\[0\] names 3 value classes/,
    ],
    [(j) => (j.single.domain_classes[0] = { zero: [50, 10], count: 1 }), /\$\.single\.domain_classes\[0\]\.zero must satisfy 0 <= lo <= hi <= 100/],
    [(j) => (j.single.domain_classes[0] = { zero: 100, count: 1 }), /\.zero must be a \[lo, hi\] percentage pair/],
    [(j) => (j.same_row.domain_classes[0].values.Bogus = 0.1), /\$\.same_row\.domain_classes\[0\]\.values\.Bogus is not a value class/],
    [(j) => (j.same_row.domain_classes[0].values = {}), /\$\.same_row\.domain_classes\[0\]\.values must name at least one value class/],
    [(j) => (j.same_row.domain_classes[0].values.zero = -1), /\.values\.zero must be a non-negative number/],
    [(j) => delete j.same_row.domain_classes[0].values, /\$\.same_row\.domain_classes\[0\]\.values must be a JSON object \(got nothing\)/],
    [(j) => (j.same_row.domain_classes[0].zero = [1, 2]), /\$\.same_row\.domain_classes\[0\]\.zero is not allowed next to "random"/],
    [
      (j) => (j.same_row.parameters[0].stats.max_cardinality = { RANDOM: [] }),
      /\$\.same_row\.parameters\[0\]\.stats\.max_cardinality\.RANDOM must not be empty/,
    ],
    [
      (j) => (j.same_row.parameters[0].stats.max_cardinality = { RANDOM: [4, 0] }),
      /\$\.same_row\.parameters\[0\]\.stats\.max_cardinality\.RANDOM\[1\] must be a positive integer \(got 0\)/,
    ],
    [
      (j) => (j.same_row.parameters[0].stats.max_cardinality = { random: [4] }),
      /\.stats\.max_cardinality must be a value or \{"RANDOM": \[\.\.\.\]\}/,
    ],
    [
      (j) => (j.same_row.parameters[0].keys.row_corruption_pct = 50),
      /\$\.same_row\.parameters\[0\]\.keys\.row_corruption_pct must be a \[lo, hi\] percentage pair \(got 50\)/,
    ],
    [
      (j) => (j.same_row.parameters[0].keys.row_corruption_pct = { RANDOM: [[10, 20], [30, 120]] }),
      /\.row_corruption_pct\.RANDOM\[1\] must satisfy 0 <= lo <= hi <= 100/,
    ],
    [(j) => delete j.same_row.parameters[0].stats.max_cardinality, /\$\.same_row\.parameters\[0\] lacks the parameter "max_cardinality"/],
    [
      (j) => ((j.same_row.parameters[0].stats.min_value_skip = 8), (j.same_row.parameters[0].stats.max_value_skip = 3)),
      /\$\.same_row\.parameters\[0\]\.stats\.max_value_skip \(3\) is below min_value_skip \(8\)/,
    ],
    [(j) => (j.same_row.parameters[0].stats = [1]), /\$\.same_row\.parameters\[0\]\.stats must be a JSON object/],
    [(j) => (j['odd name'] = 3), /\$\["odd name"\] must be a JSON object/],
  ];
  for (const [mutate, pattern] of cases) {
    const j = sample();
    mutate(j);
    expectError(j, pattern);
  }
});

test('a document without pattern entries or not an object is rejected', () => {
  expectError({ _tensor_count: 3 }, /\$ has no spatial-pattern entries/);
  expectError([1, 2], /\$ must be a JSON object/);
  expectError(null, /\$ must be a JSON object \(got null\)/);
});

test('RANDOM min/max pairs are not checked against each other (they are coupled when drawn)', () => {
  const j = sample();
  const stats = (j.same_row as any).parameters[0].stats; // `any`: poking into the JSON
  stats.min_value_skip = { RANDOM: [8, 9] };
  stats.max_value_skip = { RANDOM: [1, 2] };
  assert.doesNotThrow(() => parseErrorModel(j, 'x.json'));
});

test('unknown pattern names parse (the generator decides), with their parameters unchecked', () => {
  const j = sample();
  j.mystery = { count: 1, domain_classes: [{ nan: [100, 100], count: 1 }], parameters: [{ keys: { foo: 3 }, stats: {}, count: 1 }] };
  const m = parseErrorModel(j, 'x.json');
  assert.equal(m.patterns[2].name, 'mystery');
});

test('JSON syntax errors name the file and the line', () => {
  assert.throws(
    () => parseErrorModelText('{\n  "single": {\n    "count": 1,,\n  }\n}', 'bad.json'),
    (err: unknown) => err instanceof ClassesError && /^bad\.json: not valid JSON at line 3, column \d+: /.test(err.message),
  );
});
