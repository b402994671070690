import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResultStore, checkOutputFolder } from '../../src/campaign/checkpoint.js';
import { tempDir } from './fixtures.js';
import { ClassesError } from '../../src/errors.js';

const base = (out: string) => ({ out, planKey: 'k1', shard: null, layerCount: 2, units: 10, header: 'h\n', force: false, startedAt: new Date().toISOString() });

test('rows past the last commit are dropped on resume; counts come back', () => {
  const out = join(tempDir('classes-ckpt-'), 'res');
  const a = ResultStore.open(base(out));
  assert.equal(a.resumed, false);
  a.counts.add(1, 'single', 2, 3);
  a.append('r1\nr2\n', 2);
  a.commit();
  a.append('r3\n', 1); // not committed: as if killed here
  a.close();
  const b = ResultStore.open(base(out));
  assert.equal(b.resumed, true);
  assert.equal(b.unitsDone, 2);
  assert.deepEqual(b.counts.get(1, 'single'), [0, 0, 3, 0]);
  assert.equal(b.attempts, 2);
  b.append('r3\n', 1);
  b.finish('summary\n', '{}\n');
  assert.equal(readFileSync(join(out, 'injections.csv'), 'utf8'), 'h\nr1\nr2\nr3\n');
  assert.equal(readFileSync(join(out, 'summary.csv'), 'utf8'), 'summary\n');
  assert.equal(existsSync(join(out, '.checkpoint.json')), false);
  assert.equal(existsSync(join(out, '.injections.csv.part')), false);
});

test('finished results are not replaced without --force; another plan is refused', () => {
  const out = join(tempDir('classes-ckpt-'), 'res');
  const a = ResultStore.open(base(out));
  a.finish('s\n', '{}\n');
  assert.throws(() => ResultStore.open(base(out)), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /--force/.test(e.message));
  const c = ResultStore.open({ ...base(out), force: true });
  assert.equal(c.resumed, false);
  c.close();
  // reports whose manifest names this plan and shard are this run, finished: the store refuses
  // to open over them (the runner reports them instead), a run of another plan is refused
  c.finish('s\n', JSON.stringify({ planKey: 'k1', shard: null }));
  assert.equal(checkOutputFolder({ out, planKey: 'k1', shard: null, force: false }), 'done');
  assert.equal(checkOutputFolder({ out, planKey: 'k1', shard: null, force: true }), 'fresh');
  assert.throws(() => checkOutputFolder({ out, planKey: 'k1', shard: '1/2', force: false }), /already exists; pass --force/);
  assert.throws(() => checkOutputFolder({ out, planKey: 'k9', shard: null, force: false }), /already exists; pass --force/);
  assert.throws(() => ResultStore.open(base(out)), /already holds the finished reports/);
  ResultStore.open({ ...base(out), force: true }).close();
  // an unfinished run of other settings
  assert.throws(() => ResultStore.open({ ...base(out), planKey: 'k2' }), /different settings/);
  // a garbage tail in the part file is cut at the checkpoint
  appendFileSync(join(out, '.injections.csv.part'), 'garbage');
  const d = ResultStore.open(base(out));
  d.finish('s\n', '{}\n');
  assert.equal(readFileSync(join(out, 'injections.csv'), 'utf8'), 'h\n');
});

test('an unwritable output folder is a one-line runtime error', () => {
  const dir = tempDir('classes-ckpt-');
  writeFileSync(join(dir, 'file'), 'x');
  assert.throws(() => ResultStore.open(base(join(dir, 'file', 'res'))), (e: unknown) => e instanceof ClassesError && e.exitCode === 1 && !e.message.includes('\n'));
});

/** A run killed after committing two units: its folder, with the checkpoint's JSON. */
function killedRun(): { out: string; ckPath: string; ck: Record<string, unknown> } {
  const out = join(tempDir('classes-ckpt-'), 'res');
  const a = ResultStore.open(base(out));
  a.counts.add(0, 'single', 0, 2);
  a.append('r1\nr2\n', 2);
  a.commit();
  a.close();
  const ckPath = join(out, '.checkpoint.json');
  return { out, ckPath, ck: JSON.parse(readFileSync(ckPath, 'utf8')) as Record<string, unknown> };
}

const isDamaged = (e: unknown): boolean => e instanceof ClassesError && e.exitCode === 1 && /is damaged: .*pass --force/.test(e.message) && !e.message.includes('\n');

test('a damaged checkpoint is refused, naming the file, and --force starts again', () => {
  const damages: [string, (ck: Record<string, unknown>) => string][] = [
    ['not JSON', () => '{"format":1,'],
    ['an array', () => '[]'],
    ['negative units', (ck) => JSON.stringify({ ...ck, unitsDone: -5 })],
    ['fractional bytes', (ck) => JSON.stringify({ ...ck, bytes: 1.5 })],
    ['negative bytes', (ck) => JSON.stringify({ ...ck, bytes: -1 })],
    ['more units than the run has', (ck) => JSON.stringify({ ...ck, unitsDone: 999 })],
    ['bytes inside the header', (ck) => JSON.stringify({ ...ck, bytes: 1 })],
    ['counts of another shape', (ck) => JSON.stringify({ ...ck, counts: { nonsense: true } })],
    ['a bad shard', (ck) => JSON.stringify({ ...ck, shard: 7 })],
  ];
  for (const [what, damage] of damages) {
    const { out, ckPath, ck } = killedRun();
    writeFileSync(ckPath, damage(ck));
    assert.throws(() => ResultStore.open(base(out)), isDamaged, what);
    // Nothing was touched: the rows are still there for a repaired checkpoint.
    assert.equal(readFileSync(join(out, '.injections.csv.part'), 'utf8'), 'h\nr1\nr2\n', what);
    const c = ResultStore.open({ ...base(out), force: true });
    assert.equal(c.resumed, false, what);
    c.close();
  }
});

test('rows without their checkpoint are refused; a header alone starts over', () => {
  const { out, ckPath } = killedRun();
  rmSync(ckPath);
  assert.throws(() => checkOutputFolder({ out, planKey: 'k1', shard: null, force: false }), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /checkpoint .* is missing.*--force/.test(e.message));
  writeFileSync(join(out, '.injections.csv.part'), 'h\n');
  assert.equal(checkOutputFolder({ out, planKey: 'k1', shard: null, force: false }), 'fresh');
  const a = ResultStore.open(base(out));
  assert.equal(a.resumed, false);
  a.close();
});

test('an --out that is a file is a usage error, even with --force', () => {
  const dir = tempDir('classes-ckpt-');
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  for (const force of [false, true]) {
    assert.throws(() => checkOutputFolder({ out: file, planKey: 'k1', shard: null, force }), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /is a file; give a folder/.test(e.message));
  }
  assert.equal(readFileSync(file, 'utf8'), 'x');
});

test('rows so far are counted from the part file (for checkpoints without the count)', () => {
  const { out } = killedRun();
  const b = ResultStore.open(base(out));
  assert.equal(b.rowsSoFar(), 2);
  b.append('r3\n', 1);
  b.commit();
  assert.equal(b.rowsSoFar(), 3);
  b.close();
});

test('every attempt counts, also one killed before its first commit', () => {
  const { out } = killedRun(); // attempt 1
  ResultStore.open(base(out)).close(); // attempt 2, killed at once
  const c = ResultStore.open(base(out)); // attempt 3
  assert.equal(c.attempts, 3);
  assert.equal(c.unitsDone, 2);
  c.close();
});
