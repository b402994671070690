import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadImageFolder } from '../../src/data/index.js';
import { sha256Hex } from '../../src/util/hash.js';
import { runCli } from '../helpers.js';
import { RESNET, RESNET_DATA, tempDir } from '../campaign/fixtures.js';

/** A folder of two classes, two 40x40 PNGs each, of a gradient that depends on the image. */
function imageFolder(dir: string): string {
  const root = join(dir, 'images');
  for (const [c, cls] of ['plane', 'ship'].entries()) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let k = 0; k < 2; k++) {
      const png = new PNG({ width: 40, height: 40 });
      for (let p = 0; p < 40 * 40; p++) png.data.set([(p * 7 + c * 50) % 256, (p * 3 + k * 90) % 256, (p + 30 * c + 60 * k) % 256, 255], p * 4);
      writeFileSync(join(root, cls, `${k}.png`), PNG.sync.write(png));
    }
  }
  return root;
}

test('image preprocessing flags reach the inputs of profile and run-campaign, and are refused for .npy data', () => {
  const dir = tempDir('classes-images-cli-');
  const images = imageFolder(dir);
  const flags = ['--image-mean', '0.485,0.456,0.406', '--image-std', '0.229,0.224,0.225', '--image-resize', 'nearest'];
  const expected = loadImageFolder(images, { width: 32, height: 32, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'nearest' });

  const out = join(dir, 'run');
  const r = runCli(['run-campaign', '--model', RESNET, '--data', images, ...flags, '--layers', '/Relu', '--faults-per-layer', '2', '--workers', '1', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.hashes.data, sha256Hex(new Uint8Array(expected.inputs.buffer, expected.inputs.byteOffset, expected.inputs.byteLength)));
  assert.deepEqual(manifest.settings.image, { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'nearest' });
  // what was applied, defaults filled in, so the run can be redone from the manifest alone
  const applied = { width: 32, height: 32, channels: 3, layout: 'NCHW', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], resize: 'nearest' };
  assert.deepEqual(manifest.inputs.image, applied);
  // labels come from the sub-folders: plane = 0, ship = 1, interleaved
  assert.deepEqual([...new Set(readFileSync(join(out, 'injections.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[6]))].sort(), ['0', '1']);

  // profile sees the same inputs: its ranges change with the preprocessing
  const plain = runCli(['profile', RESNET, '--data', images, '--layers', '/stem/Conv', '--json']);
  const normalised = runCli(['profile', RESNET, '--data', images, '--layers', '/stem/Conv', '--json', ...flags]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(normalised.code, 0, normalised.stderr);
  assert.notDeepEqual(JSON.parse(plain.stdout).layers[0].max, JSON.parse(normalised.stdout).layers[0].max);
  // and records the preprocessing the ranges were measured under
  assert.deepEqual(JSON.parse(normalised.stdout).image, applied);
  assert.deepEqual(JSON.parse(plain.stdout).image, { ...applied, mean: [0, 0, 0], std: [1, 1, 1], resize: 'bilinear' });
  const npyProfile = runCli(['profile', RESNET, '--data', RESNET_DATA, '--layers', '/stem/Conv', '--json']);
  assert.equal(JSON.parse(npyProfile.stdout).image, undefined);

  // a .npy array is used as it is: the flags would do nothing
  for (const cmd of [['profile', RESNET, '--data', RESNET_DATA, '--image-scale', '1'], ['run-campaign', '--model', RESNET, '--data', RESNET_DATA, '--image-std', '0.5', '--out', join(dir, 'npy')]]) {
    const bad = runCli(cmd);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /^classes: error: --image-\* options preprocess images, but --data .* is a \.npy array/);
  }
  // bad values name their flag
  for (const [flag, value] of [['--image-std', '0'], ['--image-mean', 'a,b'], ['--image-scale', '-1'], ['--image-resize', 'cubic']]) {
    const bad = runCli(['profile', RESNET, '--data', images, flag, value]);
    assert.equal(bad.code, 2, `${flag} ${value}`);
    assert.match(bad.stderr, new RegExp(`^classes: error: ${flag}: expected`));
  }
});
