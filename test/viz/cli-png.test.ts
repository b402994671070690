import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { repoPath, runCli } from '../helpers.js';
import { saveNpy } from '../../src/data/npy.js';

test('show-faults --png draws one decodable PNG per pattern of the fault list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-cli-'));
  try {
    const tar = join(dir, 'faults.tar');
    const gen = runCli(['gen-faults', '--error-model', repoPath('error_models', 'conv_gemm.json'), '--shape', '16,8,8', '--range=-3,5', '--count', '60', '--seed', '1', '-o', tar]);
    assert.equal(gen.code, 0, gen.stderr);
    const r = runCli(['show-faults', tar, '--png', join(dir, 'png')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /heatmap/);
    const files = readdirSync(join(dir, 'png'));
    assert.ok(files.length >= 2, files.join());
    for (const f of files) {
      assert.match(f, /^synthetic_[a-z_0-9]+\.png$/);
      const img = PNG.sync.read(readFileSync(join(dir, 'png', f)));
      assert.ok(img.width >= 8 + 8 * 8 && img.height >= 8 + 8 * 8);
    }
    const again = runCli(['show-faults', tar, '--png', join(dir, 'png')]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /--force/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build-models --png draws the classified tensors per pattern', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-png-cli-'));
  try {
    const golden = new Float32Array(2 * 4 * 4).map((_, i) => 1 + i / 64);
    const batch = join(dir, 'campaign', 'b1');
    mkdirSync(join(batch, 'faulty', 'fp32_wrv'), { recursive: true });
    saveNpy(join(batch, 'golden.npy'), { data: golden, shape: [1, 2, 4, 4] });
    for (let k = 0; k < 6; k++) {
      const faulty = golden.slice();
      faulty[k] = 50;
      saveNpy(join(batch, 'faulty', 'fp32_wrv', `error${k + 1}.npy`), { data: faulty, shape: [1, 2, 4, 4] });
    }
    const r = runCli(['build-models', join(dir, 'campaign'), '--golden', 'golden.npy', '--faulty', 'faulty', '-o', join(dir, 'm.json'), '--png', join(dir, 'png')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(join(dir, 'png')), ['single.png']);
    const img = PNG.sync.read(readFileSync(join(dir, 'png', 'single.png')));
    assert.equal(img.height, 4 + 4 * 32 + 3 * 6 + 4); // the first 4 tensors, one tile each
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
