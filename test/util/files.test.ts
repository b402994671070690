import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs, readUserFile, removeStaleTemps, sameFile } from '../../src/util/files.js';
import { BIN, ROOT } from '../helpers.js';

test('makeDirs makes every missing level, and accepts a folder that exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-files-'));
  const deep = join(dir, 'a', 'b', 'c');
  makeDirs(deep);
  assert.ok(statSync(deep).isDirectory());
  makeDirs(deep);
  makeDirs(dir);
  assert.ok(statSync(deep).isDirectory());
});

test('makeDirs refuses a path through or onto a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-files-'));
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => makeDirs(file), /is not a directory/);
  assert.throws(() => makeDirs(join(file, 'sub')), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOTDIR');
});

// Node's recursive mkdirSync never returns for a path under /proc: the old code hung here, deaf
// to Ctrl-C. A child process with a time limit keeps a regression from hanging the test run.
test('an output folder that cannot be made under /proc is a one-line error, at once', { skip: existsSync('/proc/self') ? false : 'no /proc file system on this machine' }, () => {
  const r = spawnSync(process.execPath, [BIN, 'run-campaign', 'lenet5-mnist', '--faults-per-layer', '1', '--inputs', '1', '--layers', '/Relu_3', '--out', '/proc/classes-no-such/run'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  assert.equal(r.signal, null, 'run-campaign hung making its output folder');
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /cannot create output directory \/proc\/classes-no-such\/run/);
});

test('reading a device is refused instead of never ending', { skip: existsSync('/dev/zero') ? false : 'no /dev/zero on this machine' }, () => {
  assert.throws(() => readUserFile('/dev/zero', 'model'), /model \/dev\/zero is a device, not a file/);
});

test('temporary files of killed writers are removed; a live writer keeps its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-files-'));
  // the pid of a process that has ended
  const ended = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const dead = Number(ended.stdout);
  const stale = `.summary.csv.${dead}.0123abcd.tmp`;
  const mine = `.manifest.json.${process.pid}.89abcdef.tmp`;
  for (const name of [stale, mine, 'summary.csv', '.injections.csv.part']) writeFileSync(join(dir, name), 'x');
  assert.equal(removeStaleTemps(dir, ['summary.csv', 'manifest.json']), 1);
  assert.equal(existsSync(join(dir, stale)), false);
  for (const name of [mine, 'summary.csv', '.injections.csv.part']) assert.ok(existsSync(join(dir, name)), name);
  assert.equal(removeStaleTemps(join(dir, 'no-such-folder'), ['summary.csv']), 0);
  // files of other names are left alone, whoever wrote them
  const other = `.notes.txt.${dead}.0123abcd.tmp`;
  writeFileSync(join(dir, other), 'x');
  assert.equal(removeStaleTemps(dir, ['summary.csv']), 0);
  assert.ok(existsSync(join(dir, other)));
});

test('an output folder that cannot be written is refused before any work, for every writing command', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-files-'));
  chmodSync(dir, 0o777);
  const ro = join(dir, 'ro');
  makeDirs(ro);
  chmodSync(ro, 0o555);
  // root writes anywhere: run the CLI as nobody where we are root
  const asNobody = process.getuid?.() === 0;
  if (asNobody && spawnSync('setpriv', ['--version']).status !== 0) {
    t.skip('running as root without setpriv: cannot drop the rights that make any folder writable');
    return;
  }
  const run = (args: string[]) => {
    const cmd = [process.execPath, BIN, ...args];
    const r = asNobody
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...cmd], { encoding: 'utf8', cwd: dir })
      : spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', cwd: dir });
    return { code: r.status, stderr: r.stderr };
  };
  const relu = join(ROOT, 'error_models', 'relu.json');
  const model = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
  for (const args of [
    ['gen-faults', '--error-model', relu, '--shape', '4,4,4', '--range', '0,1', '--count', '10', '-o', join(ro, 'f.tar')],
    ['profile', model, '-o', join(ro, 'p.json')],
  ]) {
    const r = run(args);
    assert.equal(r.code, 1, args[0]);
    assert.match(r.stderr, /^classes: error: cannot write in .*ro \(permission denied\); choose another output path/, args[0]);
    assert.equal(r.stderr.trim().split('\n').length, 1, args[0]);
  }
});

test('sameFile: one path, links to one file, and a file not written yet reached through a linked folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-files-'));
  makeDirs(join(dir, 'a'));
  symlinkSync('a', join(dir, 'b'));
  // not written yet: the same name in the same folder, one path through the link
  assert.equal(sameFile(join(dir, 'a', 'm.json'), join(dir, 'b', 'm.json')), true);
  assert.equal(sameFile(join(dir, 'a', 'm.json'), join(dir, 'a', '.', 'm.json')), true);
  assert.equal(sameFile(join(dir, 'a', 'm.json'), join(dir, 'a', 'r.json')), false);
  // written: a link to the file is the file
  writeFileSync(join(dir, 'a', 'm.json'), '{}');
  symlinkSync(join(dir, 'a', 'm.json'), join(dir, 'link.json'));
  assert.equal(sameFile(join(dir, 'link.json'), join(dir, 'b', 'm.json')), true);
  // a folder that does not exist: compared as paths
  assert.equal(sameFile(join(dir, 'x', 'm.json'), join(dir, 'x', 'm.json')), true);
  assert.equal(sameFile(join(dir, 'x', 'm.json'), join(dir, 'y', 'm.json')), false);
});
