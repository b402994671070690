import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers.js';

const RELU = join(ROOT, 'error_models', 'relu.json');
const MODEL = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
let dir = '';
let synth = '';
let lenet = '';

/** One line on stderr, no stack trace. */
function oneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.match(stderr, /^classes: error: /);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'classes-show-selection-'));
  synth = join(dir, 'g.tar');
  const g = runCli(['gen-faults', '--error-model', RELU, '--shape', '4,4,4', '--range', '0,1', '--count', '5', '-o', synth]);
  assert.equal(g.code, 0, g.stderr);
  const profile = join(dir, 'p.json');
  const p = runCli(['profile', MODEL, '--inputs', '2', '-o', profile]);
  assert.equal(p.code, 0, p.stderr);
  lenet = join(dir, 'm.tar');
  const m = runCli(['gen-faults', MODEL, '--profile', profile, '--faults-per-layer', '3', '-o', lenet]);
  assert.equal(m.code, 0, m.stderr);
});

test('--layer naming a layer twice exports its faults once, and the export reads back', () => {
  const out = join(dir, 'd.jsonl');
  const r = runCli(['show-faults', synth, '--jsonl', '--layer', 'synthetic,synthetic', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 5);
  const back = runCli(['show-faults', out]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /5 faults in 1 layer\(s\)\n/);
});

test('--layer with a node name and its own output name selects the layer once, in list order', () => {
  const one = runCli(['show-faults', lenet, '--layer', '/Relu,/Relu_output_0', '--json']);
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual((JSON.parse(one.stdout) as { layers: { name: string }[] }).layers.map((l) => l.name), ['/Relu']);
  // the summary line counts the whole list, then what is shown
  assert.match(runCli(['show-faults', lenet, '--layer', '/Relu']).stdout, /24 faults in 8 layer\(s\); 1 of them shown \(3 faults\)/);
  const all = (JSON.parse(runCli(['show-faults', lenet, '--json']).stdout) as { layers: { name: string }[] }).layers.map((l) => l.name);
  const [a, b] = [all[0], all[1]];
  const two = runCli(['show-faults', lenet, '--layer', `${b},${a},${b}`, '--json']);
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual((JSON.parse(two.stdout) as { layers: { name: string }[] }).layers.map((l) => l.name), [a, b]);
});

test('--layer with no names is a usage error, not "every layer" or "no layer"', () => {
  for (const v of [',,', '', ' , ']) {
    const r = runCli(['show-faults', synth, '--layer', v]);
    assert.equal(r.code, 2, `--layer '${v}': ${r.stderr}`);
    oneLine(r.stderr);
    assert.match(r.stderr, /--layer is empty/);
  }
});

test('-o that is the input itself is refused even with --force, by real path', () => {
  const before = readFileSync(synth);
  const link = join(dir, 'link.tar');
  symlinkSync(synth, link);
  for (const [input, out] of [
    [synth, synth],
    [synth, join(dir, '.', '..', dir.split('/').pop() as string, 'g.tar')],
    [link, synth],
    [synth, link],
  ]) {
    const r = runCli(['show-faults', input, '--jsonl', '-o', out, '--force']);
    assert.equal(r.code, 2, r.stderr);
    oneLine(r.stderr);
    assert.match(r.stderr, /is the fault list being read/);
  }
  assert.deepEqual(readFileSync(synth), before);
  const other = runCli(['show-faults', synth, '--jsonl', '-o', join(dir, 'other.jsonl')]);
  assert.equal(other.code, 0, other.stderr);
});
