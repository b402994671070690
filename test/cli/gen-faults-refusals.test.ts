import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliResult } from '../helpers.js';

const RELU = join(ROOT, 'error_models', 'relu.json');
const MODEL = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
const SYNTH = ['--error-model', RELU, '--shape', '4,4,4', '--range', '0,1'];
let dir = '';
let profile = '';

function usage(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^classes: error: /);
  assert.match(r.stderr, pattern);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'classes-gen-faults-refusals-'));
  profile = join(dir, 'p.json');
  const p = runCli(['profile', MODEL, '--inputs', '2', '-o', profile]);
  assert.equal(p.code, 0, p.stderr);
});

test('an empty or blank --layer-name is refused before anything is written', () => {
  for (const name of ['', '   ']) {
    const out = join(dir, 'empty-name.tar');
    usage(runCli(['gen-faults', ...SYNTH, '--count', '3', '--layer-name', name, '-o', out]), /--layer-name is empty/);
    assert.equal(existsSync(out), false);
  }
});

test('flags of model mode are refused in synthetic mode, naming the flag and its mode', () => {
  const out = join(dir, 'mix.tar');
  const cases: [string[], RegExp][] = [
    [['--faults-per-layer', '3'], /--faults-per-layer belongs to the model file mode/],
    [['--layers', 'x'], /--layers belongs to the model file mode/],
    [['--profile', profile], /--profile belongs to the model file mode/],
    [['--error-models', join(ROOT, 'error_models')], /--error-models belongs to the model file mode/],
  ];
  for (const [extra, pattern] of cases) usage(runCli(['gen-faults', ...SYNTH, '--count', '3', ...extra, '-o', out]), pattern);
  assert.equal(existsSync(out), false);
});

test('flags of synthetic mode are refused in model mode, naming the flag and its mode', () => {
  const out = join(dir, 'mix.tar');
  const cases: [string[], RegExp][] = [
    [['--count', '3'], /--count belongs to the synthetic layer mode/],
    [['--layer-name', 'x'], /--layer-name belongs to the synthetic layer mode/],
    [['--output-name', 'x'], /--output-name belongs to the synthetic layer mode/],
    [['--shape', '1,2,3'], /--shape belongs to the synthetic layer mode/],
    [['--range', '0,1'], /--range belongs to the synthetic layer mode/],
    [['--error-model', RELU], /--error-model belongs to the synthetic layer mode/],
  ];
  for (const [extra, pattern] of cases) usage(runCli(['gen-faults', MODEL, '--profile', profile, ...extra, '-o', out]), pattern);
  assert.equal(existsSync(out), false);
  // --layers that names nothing is not "every layer"
  usage(runCli(['gen-faults', MODEL, '--profile', profile, '--layers', ',,', '-o', out]), /--layers is empty/);
});

test('a count above the per-layer maximum is refused at once, not after minutes and an out-of-memory crash', () => {
  const out = join(dir, 'huge.tar');
  const t0 = Date.now();
  usage(runCli(['gen-faults', ...SYNTH, '--count', '99999999999', '-o', out]), /--count 99999999999: at most 1000000 faults per layer/);
  usage(runCli(['gen-faults', ...SYNTH, '--count', '1000001', '-o', out]), /--count 1000001: at most 1000000/);
  usage(runCli(['gen-faults', MODEL, '--profile', profile, '--faults-per-layer', '99999999999', '-o', out]), /--faults-per-layer 99999999999: at most 1000000/);
  assert.ok(Date.now() - t0 < 30_000);
  assert.equal(existsSync(out), false);
});

test('a synthetic --range beyond float32 is a bad flag value (exit 2), not a damaged profile', () => {
  const out = join(dir, 'range.tar');
  const r = runCli(['gen-faults', '--error-model', RELU, '--shape', '4,4,4', '--range=-1e39,1e39', '--count', '3', '-o', out]);
  usage(r, /--range -1e39,1e39: .*float32/);
  assert.doesNotMatch(r.stderr, /profile/);
  assert.equal(existsSync(out), false);
  // the largest float32 magnitudes still work
  const ok = runCli(['gen-faults', '--error-model', RELU, '--shape', '4,4,4', '--range=-3.4e38,3.4e38', '--count', '3', '-o', out]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('a profile.json listing a layer (or an output) twice is a damaged file: one line naming file and layer, exit 1', () => {
  const prof = JSON.parse(readFileSync(profile, 'utf8')) as { layers: { name: string; output: string }[] };
  const relu = prof.layers.find((l) => l.name === '/Relu');
  assert.ok(relu);
  const dupName = join(dir, 'dup-name.json');
  writeFileSync(dupName, JSON.stringify({ ...prof, layers: [...prof.layers, { ...relu }] }));
  const dupOutput = join(dir, 'dup-output.json');
  writeFileSync(dupOutput, JSON.stringify({ ...prof, layers: [...prof.layers, { ...relu, name: '/Other' }] }));
  const out = join(dir, 'dup.tar');
  for (const [file, pattern] of [
    [dupName, /dup-name\.json: .*layer \/Relu is listed twice/],
    [dupOutput, /dup-output\.json: .*output \/Relu_output_0 is listed twice/],
  ] as const) {
    const r = runCli(['gen-faults', MODEL, '--profile', file, '-o', out]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.match(r.stderr, pattern);
  }
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.tar')).includes('dup.tar'), false);
});
