import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers.js';
import { loadErrorModel } from '../../src/error-models/index.js';
import { generateFaults } from '../../src/faults/generator.js';

test('characterize end to end: models that load and generate, README, JSON summary, same bytes again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-char-'));
  try {
    const args = ['characterize', '--ops', 'bias_add,relu', '--samples', '200', '--seed', '5', '-o', dir, '--json'];
    const r = runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ['README.md', 'bias_add.json', 'relu.json']);
    const summary = JSON.parse(r.stdout) as { seed: number; operators: { op: string; samples: number; kept: number; file: string }[] };
    assert.equal(summary.seed, 5);
    assert.deepEqual(summary.operators.map((o) => o.op), ['relu', 'bias_add']); // campaign order
    for (const o of summary.operators) {
      assert.equal(o.samples, 200);
      assert.ok(o.kept > 0);
      const model = loadErrorModel(o.file);
      const faults = generateFaults(model, { layer: 'l', output: 'y', shape: { c: 16, h: 16, w: 16 }, range: { min: -3, max: 3 } }, 1, 20);
      assert.equal(faults.length, 20);
    }
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    assert.ok(readme.includes(`classes characterize --ops bias_add,relu --samples 200 --seed 5 -o ${dir}`));
    assert.match(readme, /not GPU measurements/);
    const before = readFileSync(join(dir, 'bias_add.json'));

    const again = runCli(args);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; pass --force/);

    const forced = runCli([...args, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(readFileSync(join(dir, 'bias_add.json')), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('characterize usage errors exit 2 and name the flag', () => {
  const dir = join(tmpdir(), `classes-char-none-${process.pid}`);
  for (const [args, re] of [
    [['--ops', 'conv'], /--ops: unknown operator "conv"/],
    [['--samples', '0'], /--samples 0/],
    [['--site-mix', 'half'], /--site-mix must be one of equal, elements/],
  ] as const) {
    const r = runCli(['characterize', ...args, '-o', dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
  }
  assert.equal(existsSync(dir), false);
  const r = runCli(['characterize']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--output/);
});

test('too few samples to see any pattern five times: exit 1 and say to raise --samples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-char-'));
  try {
    const r = runCli(['characterize', '--ops', 'relu', '--samples', '3', '-o', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^classes: error: too few corrupted outputs to build relu .*nothing was written; raise --samples/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    // nothing written (no README either), so the suggested rerun is not refused
    assert.deepEqual(readdirSync(dir), []);
    // one operator short in a set (relu builds from 20 samples, bias_add does not): still nothing,
    // not a set whose README describes a model that is missing
    const mixed = runCli(['characterize', '--ops', 'bias_add,relu', '--samples', '20', '-o', dir]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /too few corrupted outputs to build bias_add \(/);
    assert.deepEqual(readdirSync(dir), []);
    // the same relu alone builds: the rule is all or nothing, not that nothing builds
    assert.equal(runCli(['characterize', '--ops', 'relu', '--samples', '20', '-o', dir]).code, 0);
    assert.deepEqual(readdirSync(dir).sort(), ['README.md', 'relu.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
