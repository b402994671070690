import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_REFERENCE_REASON, referenceModelsDir, runCli } from '../helpers.js';

const REF = referenceModelsDir();
const skip = REF ? false : NO_REFERENCE_REASON;
let dir = '';
let tar = '';
let jsonl = '';

before(() => {
  if (!REF) return;
  dir = mkdtempSync(join(tmpdir(), 'classes-show-'));
  tar = join(dir, 'f.tar');
  jsonl = join(dir, 'f.jsonl');
  const model = join(REF, 'faulty_warp_models', 'conv_gemm.json');
  for (const out of [tar, jsonl]) {
    const r = runCli(['gen-faults', '--error-model', model, '--shape', '32,12,12', '--range=-3,5', '--count', '150', '--seed', '5', '--layer-name', 'conv2', '--output-name', 'conv2_out', '-o', out]);
    assert.equal(r.code, 0, r.stderr);
  }
});

test('the summary shows the layer, its patterns with cardinality and channels, and value classes', { skip }, () => {
  const r = runCli(['show-faults', tar]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /150 faults in 1 layer/);
  assert.match(r.stdout, /layer conv2 \(output conv2_out\): 150 faults, shape 32x12x12, range \[-3, 5\], error model conv_gemm/);
  assert.match(r.stdout, /pattern +faults +share +card\. min +median +max +mean +channels/);
  assert.match(r.stdout, /value classes \(\d+ values\): zero [\d.]+%, in_range [\d.]+%, out_of_range [\d.]+%, nan [\d.]+%, flip [\d.]+%/);
});

test('--json gives shares that add up and cardinalities in order', { skip }, () => {
  const r = runCli(['show-faults', tar, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.totalFaults, 150);
  assert.equal(s.seed, 5);
  const layer = s.layers[0];
  assert.equal(layer.count, 150);
  const shares = layer.patterns.reduce((a: number, p: { share: number }) => a + p.share, 0);
  assert.ok(Math.abs(shares - 1) < 1e-9);
  assert.equal(layer.patterns.reduce((a: number, p: { count: number }) => a + p.count, 0), 150);
  for (const p of layer.patterns) {
    assert.ok(p.cardinality.min <= p.cardinality.median && p.cardinality.median <= p.cardinality.max);
    assert.ok(p.meanChannels >= 1 && p.meanChannels <= 32);
  }
  const classShares = Object.values(layer.valueClasses as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(classShares - 1) < 1e-9);
  // the JSONL list has the same patterns, without channels (no shape in JSONL)
  const j = JSON.parse(runCli(['show-faults', jsonl, '--json']).stdout);
  assert.deepEqual(j.layers[0].patterns.map((p: { pattern: string; count: number }) => [p.pattern, p.count]), layer.patterns.map((p: { pattern: string; count: number }) => [p.pattern, p.count]));
  assert.equal(j.layers[0].patterns[0].meanChannels, null);
});

test('--jsonl exports the same lines gen-faults writes, filtered by --layer and --limit', { skip }, () => {
  const r = runCli(['show-faults', tar, '--jsonl', '--layer', 'conv2_out', '--limit', '10']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 10);
  assert.deepEqual(lines, readFileSync(jsonl, 'utf8').split('\n').slice(0, 10));
  const out = join(dir, 'export.jsonl');
  assert.equal(runCli(['show-faults', tar, '--jsonl', '-o', out]).code, 0);
  assert.ok(readFileSync(out).equals(readFileSync(jsonl)), 'a full export equals the JSONL gen-faults wrote');
  const again = runCli(['show-faults', tar, '--jsonl', '-o', out]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--force/);
});

test('bad requests and broken files are clear errors', { skip }, () => {
  const unknown = runCli(['show-faults', tar, '--layer', 'conv9']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--layer conv9: .* has no such layer \(it has: conv2\)/);
  assert.equal(runCli(['show-faults', tar, '--limit', '3']).code, 2);
  assert.equal(runCli(['show-faults', join(dir, 'nope.tar')]).code, 2);
  const truncated = join(dir, 'cut.tar');
  const bytes = readFileSync(tar);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const t = runCli(['show-faults', truncated]);
  assert.equal(t.code, 1);
  assert.match(t.stderr, /cut\.tar is truncated/);
  assert.doesNotMatch(t.stderr, /\n\s+at /);
  const badLine = join(dir, 'bad.jsonl');
  writeFileSync(badLine, readFileSync(jsonl, 'utf8').split('\n').slice(0, 2).join('\n') + '\n{"layer": 3}\n');
  const b = runCli(['show-faults', badLine]);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /bad\.jsonl:3: "layer" must be a non-empty string/);
  const help = runCli(['show-faults', '--help']);
  assert.match(help.stdout, /Examples:[\s\S]*--jsonl --layer conv1 --limit 10/);
});
