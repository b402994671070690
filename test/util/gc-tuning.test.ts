import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

/** Times V8 started incremental marking in a child that grows its old generation, tuned or not. */
function markingStarts(tuned: boolean): number {
  const module = pathToFileURL(join(ROOT, 'dist', 'src', 'util', 'gc-tuning.js')).href;
  const script = `import(${JSON.stringify(module)}).then(({ tuneGarbageCollection }) => {
    if (${tuned}) { tuneGarbageCollection(); tuneGarbageCollection(); }
    const keep = [];
    for (let i = 0; i < 400000; i++) keep.push({ a: i, b: [i, i + 1], c: 'x' + i });
  });`;
  const r = spawnSync(process.execPath, ['--trace-incremental-marking', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (r.stdout.match(/IncrementalMarking\] Start/g) ?? []).length;
}

test('garbage collection tuning: no incremental marking once tuned (ONNX Runtime outputs set it off over and over)', () => {
  assert.ok(markingStarts(false) > 0, 'the untuned child marks incrementally (else this test shows nothing)');
  assert.equal(markingStarts(true), 0);
});
