import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel } from '../../src/onnx/model.js';
import { encodeNpy } from '../../src/data/index.js';
import { runCli } from '../helpers.js';
import { inputs, lenetLike } from '../onnx/models.js';

/*
 * The profile command as a user runs it. Each error case checks the exit code, that the message
 * is one line naming the file or flag, and that no stack trace leaks.
 */
const dir = mkdtempSync(join(tmpdir(), 'classes-cli-profile-'));
const model = join(dir, 'lenet.onnx');
writeFileSync(model, encodeModel(lenetLike({ batch: 1 })));
const data = join(dir, 'inputs.npy');
writeFileSync(data, encodeNpy({ dtype: 'float32', shape: [12, 1, 8, 8], data: inputs(12, 64, 5) }));

function assertOneLineError(r: { code: number; stderr: string }, code: number, mention: string): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('classes: error:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(mention), `"${lines[0]}" should name ${mention}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('--help explains the command with examples', () => {
  const r = runCli(['profile', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Examples:/);
  for (const flag of ['--data', '--inputs', '--layers', '--all', '--conv-strategy', '--provider', '--json', '--output', '--force', '--seed']) assert.ok(r.stdout.includes(flag), flag);
});

test('a plain table when stdout is not a TTY', () => {
  const r = runCli(['profile', model, '--data', data]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour codes');
  assert.match(r.stdout, /conv1\s+Conv\s+conv_gemm\s+4x6x6/);
  assert.match(r.stdout, /fc_bias\s+Add\s+bias_add\s+10/);
  assert.doesNotMatch(r.stdout, /\bfc\s+Gemm/, 'not injectable: only with --all');
  assert.equal(r.stderr, '', 'real data: no warning');
});

test('--json prints the contract; -o writes the same; --force is needed to overwrite', () => {
  const out = join(dir, 'profile.json');
  const r = runCli(['profile', model, '--data', data, '--json', '-o', out, '--conv-strategy', 'fft', '--all']);
  assert.equal(r.code, 0, r.stderr);
  const printed = JSON.parse(r.stdout);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), printed);
  assert.equal(printed.model, model);
  assert.equal(printed.inputs, 12);
  assert.match(printed.modelSha256, /^[0-9a-f]{64}$/);
  const conv = printed.layers[0];
  for (const key of ['name', 'op', 'output', 'errorModel', 'shape', 'min', 'max', 'nonFinite', 'ms']) assert.ok(key in conv, key);
  assert.equal(conv.errorModel, 'conv_fft');
  // said now, not at gen-faults: the shipped folder has no conv_fft.json
  assert.match(r.stderr, /--conv-strategy fft: the shipped error models have no conv_fft\.json, so gen-faults will need --error-models/);
  assert.ok(printed.layers.some((l: { op: string; errorModel: string | null }) => l.op === 'Gemm' && l.errorModel === null));

  assertOneLineError(runCli(['profile', model, '--data', data, '-o', out]), 2, out);
  assert.equal(runCli(['profile', model, '--data', data, '-o', out, '--force']).code, 0);
});

test('without --data: seeded random inputs and a warning; --provider auto falls back to the CPU', () => {
  const a = runCli(['profile', model, '--json', '--inputs', '4', '--seed', '3', '--provider', 'auto'], { env: { CLASSES_FORCE_NO_CUDA: '1' } });
  const b = runCli(['profile', model, '--json', '--inputs', '4', '--seed', '3']);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /warning:.*random/);
  assert.match(a.stderr, /warning:.*CUDA.*CPU/);
  assert.equal(JSON.parse(a.stdout).provider, 'cpu');
  const ranges = (s: string) => JSON.parse(s).layers.map((l: { min: number; max: number }) => [l.min, l.max]);
  assert.deepEqual(ranges(a.stdout), ranges(b.stdout), 'same seed, same ranges');
  assert.equal(JSON.parse(a.stdout).randomInputs, true);
});

test('bad inputs: one-line errors with the right exit code', () => {
  const missing = join(dir, 'missing.onnx');
  assertOneLineError(runCli(['profile', missing]), 2, missing);

  const notOnnx = join(dir, 'notes.onnx');
  writeFileSync(notOnnx, 'hello, I am a text file\n');
  assertOneLineError(runCli(['profile', notOnnx]), 1, notOnnx);

  const truncated = join(dir, 'truncated.onnx');
  const bytes = readFileSync(model);
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 700));
  assertOneLineError(runCli(['profile', truncated]), 1, truncated);

  const wrongData = join(dir, 'wrong.npy');
  writeFileSync(wrongData, encodeNpy({ dtype: 'float32', shape: [3, 1, 9, 9], data: new Float32Array(243) }));
  assertOneLineError(runCli(['profile', model, '--data', wrongData]), 2, wrongData);

  assertOneLineError(runCli(['profile', model, '--data', data, '--layers', 'conv1,nosuch']), 2, '--layers');
  assertOneLineError(runCli(['profile', model, '--conv-strategy', 'winograd']), 2, '--conv-strategy');
  assertOneLineError(runCli(['profile', model, '--provider', 'tpu']), 2, '--provider');
  assertOneLineError(runCli(['profile', model, '--inputs', '0']), 2, '--inputs');

  // -o naming the model itself, --force or not: the model stays
  const copy = join(dir, 'copy.onnx');
  writeFileSync(copy, readFileSync(model));
  assertOneLineError(runCli(['profile', copy, '-o', copy, '--force']), 2, 'is the model itself');
  assert.deepEqual(readFileSync(copy), readFileSync(model));
  // or the input data
  const inputs = join(dir, 'inputs-copy.npy');
  writeFileSync(inputs, readFileSync(data));
  assertOneLineError(runCli(['profile', model, '--data', inputs, '-o', inputs, '--force']), 2, 'is the --data file');
  assert.deepEqual(readFileSync(inputs), readFileSync(data));
});

test('--provider cuda without the CUDA libraries fails at once, naming the install command', () => {
  assertOneLineError(runCli(['profile', model, '--data', data, '--provider', 'cuda'], { env: { CLASSES_FORCE_NO_CUDA: '1' } }), 1, 'onnxruntime-node-install=cuda12');
});
