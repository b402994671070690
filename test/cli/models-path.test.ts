import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NO_REFERENCE_REASON, referenceModelsDir, runCli } from '../helpers.js';
import { CLASSES_GPU_FILES } from '../../src/models-cache/sets.js';

const REF = referenceModelsDir();
const skip = REF === null ? NO_REFERENCE_REASON : false;

test('models path refuses a cached set whose files do not match their SHA-256, as models list reports it', () => {
  // every file present, none the pinned bytes: no download needed to build it
  const cache = mkdtempSync(join(tmpdir(), 'classes-models-path-'));
  const dir = join(cache, 'models', 'classes-gpu');
  for (const f of CLASSES_GPU_FILES) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), '{}');
  }
  const list = runCli(['models', 'list', '--json', '--cache', cache]);
  assert.match((JSON.parse(list.stdout) as { state: string }[])[0].state, /incomplete or modified/);
  const r = runCli(['models', 'path', 'classes-gpu', '--cache', cache]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^classes: error: classes-gpu in .* is incomplete or modified .*classes models pull classes-gpu --cache [^ ]*`$/m);
});

test('models path accepts the pinned set and refuses it once one file is edited', { skip }, () => {
  const cache = mkdtempSync(join(tmpdir(), 'classes-models-path-'));
  const dir = join(cache, 'models', 'classes-gpu');
  for (const f of CLASSES_GPU_FILES) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    cpSync(join(REF!, f.path), join(dir, f.path));
  }
  const ok = runCli(['models', 'path', 'classes-gpu', '--cache', cache]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), dir);
  writeFileSync(join(dir, 'faulty_warp_models', 'relu.json'), '{}\n');
  const bad = runCli(['models', 'path', 'classes-gpu', '--cache', cache]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /incomplete or modified .*faulty_warp_models\/relu\.json.*pull it again with `classes models pull classes-gpu --cache [^ ]*`$/m);
  const list = runCli(['models', 'list', '--json', '--cache', cache]);
  assert.match((JSON.parse(list.stdout) as { state: string }[])[0].state, /incomplete or modified/);
});

test('classes models without a sub-command is a one-line usage error; help and unknown words still work', () => {
  const r = runCli(['models']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^classes: error: `classes models` needs a sub-command \(pull, list, path\); run `classes models --help`/);
  const unknown = runCli(['models', 'fetch']);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
  assert.match(unknown.stderr, /unknown command 'fetch'/);
  for (const args of [['models', '--help'], ['models', 'help'], ['models', 'help', 'pull']]) {
    const h = runCli(args);
    assert.equal(h.code, 0, args.join(' '));
    assert.match(h.stdout, /Usage: classes models/);
  }
});
