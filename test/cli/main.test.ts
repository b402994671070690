import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers.js';

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
