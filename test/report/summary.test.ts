import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutcomeCounts, countsFromSummary, summaryCsv, SUMMARY_HEADER } from '../../src/report/summary.js';
import { parseCsv } from '../../src/report/csv-read.js';
import { injectionRowsCsv, injectionRowsCsvSlow, isMismatch, formatNumber, type InjectionRow } from '../../src/report/injections.js';

const layers = [
  { name: 'conv1', output: 'x1' },
  { name: 'we,ird "name"', output: 'x2' },
];

test('summary rows per layer and per pattern, readable back', () => {
  const c = new OutcomeCounts(2);
  c.add(0, 'single', 0, 7);
  c.add(0, 'single', 2, 3);
  c.add(0, 'bullet_wake', 1, 2);
  c.add(1, 'single', 3, 1);
  const text = summaryCsv(layers, c);
  const recs = parseCsv(text);
  assert.deepEqual(recs[0], SUMMARY_HEADER);
  assert.deepEqual(recs.map((r) => [r[0], r[2], r[3]]).slice(1), [
    ['conv1', 'all', '12'],
    ['conv1', 'bullet_wake', '2'],
    ['conv1', 'single', '10'],
    ['we,ird "name"', 'all', '1'],
    ['we,ird "name"', 'single', '1'],
  ]);
  const row = recs[1];
  assert.equal(row[SUMMARY_HEADER.indexOf('sdc_critical_rate')], '0.250000');
  const back = countsFromSummary(recs, layers, 'summary.csv');
  assert.equal(summaryCsv(layers, back), text);
  // JSON round trip, and addition
  const j = OutcomeCounts.fromJSON(JSON.parse(JSON.stringify(c.toJSON())), 2);
  j.addAll(c);
  assert.deepEqual(j.grandTotal(), [14, 4, 6, 2]);
});

test('summary: a layer without runs (a shard that got none of its faults) has an empty rate, not 0', () => {
  const c = new OutcomeCounts(2);
  c.add(1, 'single', 2, 4);
  const recs = parseCsv(summaryCsv(layers, c));
  const empty = recs[1];
  assert.deepEqual([empty[0], empty[2], empty[3]], ['conv1', 'all', '0']);
  for (const o of ['masked', 'sdc_safe', 'sdc_critical', 'non_finite']) {
    assert.equal(empty[SUMMARY_HEADER.indexOf(`${o}_rate`)], '');
    assert.equal(empty[SUMMARY_HEADER.indexOf(`${o}_ci_low`)], '0.000000');
    assert.equal(empty[SUMMARY_HEADER.indexOf(`${o}_ci_high`)], '1.000000');
  }
  assert.equal(recs[2][SUMMARY_HEADER.indexOf('sdc_critical_rate')], '1.000000');
  assert.equal(summaryCsv(layers, countsFromSummary(recs, layers, 'summary.csv')), summaryCsv(layers, c));
});

test('injection rows: quoting, numbers, mismatch filter', () => {
  const r: InjectionRow = {
    layer: 'we,ird "name"', output: 'x2', fault: 3, pattern: 'single', cardinality: 1, input: 0,
    label: null, goldenTop1: 4, faultyTop1: -1, outcomeCode: 3, maxAbsDiff: NaN,
  };
  const text = injectionRowsCsv([r, { ...r, faultyTop1: 4, outcomeCode: 1, maxAbsDiff: 1.5e-7, label: 2 }]);
  assert.equal(text, '"we,ird ""name""",x2,3,single,1,0,,4,,non-finite,nan\n"we,ird ""name""",x2,3,single,1,0,2,4,4,sdc-safe,1.5e-7\n');
  assert.deepEqual(parseCsv(text)[0][0], 'we,ird "name"');
  assert.equal(isMismatch(r), true);
  assert.equal(isMismatch({ ...r, outcomeCode: 1, faultyTop1: 4 }), false);
  assert.equal(isMismatch({ ...r, outcomeCode: 2, faultyTop1: 5 }), true);
  assert.equal(formatNumber(-Infinity), '-inf');
});

test('the fast row writer gives csv-stringify bytes', () => {
  const names = ['plain', 'with,comma', 'with "quote"', 'line\nbreak', ' spaced ', '', '=formula', '#hash'];
  const rows: InjectionRow[] = [];
  names.forEach((n, i) =>
    rows.push({ layer: n, output: names[(i + 1) % names.length], fault: i, pattern: names[(i + 2) % names.length], cardinality: i * 3, input: i, label: i % 2 ? null : -1, goldenTop1: 2, faultyTop1: i % 3 - 1, outcomeCode: i % 4, maxAbsDiff: [0, 1e-30, NaN, Infinity, 3.25][i % 5] }),
  );
  assert.equal(injectionRowsCsv(rows), injectionRowsCsvSlow(rows));
});
