import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, repoPath, runCli } from '../helpers.js';

test('classes --help lists every command', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['profile', 'gen-faults', 'show-faults', 'models', 'run-campaign', 'merge', 'build-models', 'characterize']) {
    assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
  }
});

test('an unknown command is a usage error (exit 2)', () => {
  const r = runCli(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command/);
});

test('parse errors of every kind are one line naming the command to ask for help', () => {
  const cases: [string[], RegExp][] = [
    [['profile', 'm.onnx', '--bogus'], /^classes: error: unknown option '--bogus'; run `classes profile --help` for usage$/],
    [['profile'], /^classes: error: missing required argument 'model'; run `classes profile --help` for usage$/],
    [['profile', 'a.onnx', 'b.onnx'], /^classes: error: too many arguments.*; run `classes profile --help` for usage$/],
    [['gen-faults', 'm.onnx'], /^classes: error: required option '-o, --output <file>' not specified; run `classes gen-faults --help`/],
    [['run-campaign', '--inputs'], /^classes: error: option '--inputs <n>' argument missing; run `classes run-campaign --help`/],
    [['run-campaign', '--inptus', '3'], /^classes: error: unknown option '--inptus' \(Did you mean --inputs\?\); run `classes run-campaign --help`/],
    [['--bogus'], /^classes: error: unknown option '--bogus'; run `classes --help` for usage$/],
  ];
  for (const [args, expected] of cases) {
    const r = runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr.trimEnd(), expected, args.join(' '));
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, args.join(' '));
  }
});

test('no command at all prints the help and is a usage error', () => {
  const r = runCli([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Usage: classes/);
});

test('a reader that closes the pipe early (| head, | grep -q) ends --json output quietly, exit 0', () => {
  const model = repoPath('campaigns', 'lenet5-mnist', 'model.onnx');
  for (const args of [['models', 'list', '--json'], ['profile', model, '--json', '--all']]) {
    // `true` exits without reading, long before classes writes: its write meets a closed pipe.
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} ${args.map((a) => JSON.stringify(a)).join(' ')} | true; echo "rc=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
    assert.doesNotMatch(r.stderr, /EPIPE|at .*\.js:\d+/, args.join(' '));
    assert.match(r.stderr, /rc=0$/m, args.join(' '));
  }
});
