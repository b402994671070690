import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { loadImageFolder } from '../../src/data/index.js';
import { sha256Hex } from '../../src/util/hash.js';
import { runCli } from '../helpers.js';
import { classifierHead, RESNET, RESNET_DATA, tempDir } from '../campaign/fixtures.js';
import { decodeModel, encodeModel, graphOf, makeFloatTensor, makeModel, makeNode, makeShape, makeValueInfo } from '../../src/onnx/index.js';

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
  // which image each input is, and the folder of each label: the reports trace back to files
  assert.deepEqual(manifest.inputs.files, ['plane/0.png', 'ship/0.png', 'plane/1.png', 'ship/1.png']);
  assert.deepEqual(manifest.inputs.classNames, ['plane', 'ship']);
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

test('a model that takes images channels-last ([N, H, W, 3], as Keras exports): an image folder is laid out for it, and the manifest says so', () => {
  const dir = tempDir('classes-images-nhwc-');
  const images = imageFolder(dir);
  const w = (name: string, dims: number[]) => makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.7 + name.length) / 2));
  const model = join(dir, 'nhwc.onnx');
  writeFileSync(
    model,
    encodeModel(
      makeModel({
        nodes: [
          makeNode('Transpose', ['x'], ['xt'], { attrs: { perm: [0, 3, 1, 2] } }),
          makeNode('Conv', ['xt', 'w0'], ['t'], { name: 'conv', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
          makeNode('Relu', ['t'], ['r'], { name: 'relu' }),
          ...classifierHead('r'),
        ],
        inputs: [makeValueInfo('x', 1, ['N', 24, 20, 3])],
        outputs: [makeValueInfo('logits', 1, ['N', 5])],
        initializers: [w('w0', [4, 3, 3, 3]), w('fc', [5, 4])],
      }),
    ),
  );
  const out = join(dir, 'run');
  const r = runCli(['run-campaign', '--model', model, '--data', images, '--faults-per-layer', '2', '--workers', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.inputs.image.layout, 'NHWC');
  assert.deepEqual([manifest.inputs.image.width, manifest.inputs.image.height, manifest.inputs.image.channels], [20, 24, 3]);
  const expected = loadImageFolder(images, { width: 20, height: 24, channels: 3, layout: 'NHWC' });
  assert.equal(manifest.hashes.data, sha256Hex(new Uint8Array(expected.inputs.buffer, expected.inputs.byteOffset, expected.inputs.byteLength)));
  const p = runCli(['profile', model, '--data', images, '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.equal(JSON.parse(p.stdout).image.layout, 'NHWC');
});

test('--image-size: images of several sizes resized to one, for a model whose rows and columns are free; refused where the model fixes them or the data is .npy', () => {
  const dir = tempDir('classes-images-size-');
  const images = imageFolder(dir);
  // one image of another size among the 40x40 ones
  const odd = new PNG({ width: 30, height: 20 });
  odd.data.fill(128);
  writeFileSync(join(images, 'ship', '2.png'), PNG.sync.write(odd));
  const m = decodeModel(readFileSync(RESNET));
  const t = graphOf(m).input[0].type!.value;
  if (t.case !== 'tensorType') throw new Error('no tensor input');
  t.value.shape = makeShape(['N', 3, 'H', 'W']);
  const free = join(dir, 'free.onnx');
  writeFileSync(free, encodeModel(m));

  const base = ['run-campaign', '--model', free, '--data', images, '--layers', '/Relu', '--faults-per-layer', '1', '--workers', '1'];
  const mixed = runCli([...base, '--out', join(dir, 'mixed')]);
  assert.equal(mixed.code, 2, mixed.stderr);
  assert.match(mixed.stderr, /is 30x20 but .* is 40x40; give --image-size W,H \(or imageSize in a campaign file\)/);
  const out = join(dir, 'sized');
  const r = runCli([...base, '--image-size', '24,16', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual([manifest.inputs.image.width, manifest.inputs.image.height], [24, 16]);
  assert.deepEqual(manifest.settings.image, { width: 24, height: 16 });
  // a campaign file says the same with imageSize
  const file = join(dir, 'campaign.json');
  writeFileSync(file, JSON.stringify({ model: free, data: images, layers: ['/Relu'], faultsPerLayer: 1, workers: 1, imageSize: [24, 16] }));
  const viaFile = join(dir, 'file');
  assert.equal(runCli(['run-campaign', file, '--out', viaFile]).code, 0);
  assert.equal(readFileSync(join(viaFile, 'injections.csv'), 'utf8'), readFileSync(join(out, 'injections.csv'), 'utf8'));

  const fixed = runCli(['profile', RESNET, '--data', images, '--image-size', '24,16']);
  assert.equal(fixed.code, 2);
  assert.match(fixed.stderr, /--image-size 24,16: the model takes 32x32 images, and images are resized to that; drop --image-size/);
  const npy = runCli(['profile', RESNET, '--data', RESNET_DATA, '--image-size', '32,32']);
  assert.equal(npy.code, 2);
  assert.match(npy.stderr, /is a \.npy array, used as it is; drop them/);
  for (const bad of ['24', '24,0', '24,x', '1.5,2']) {
    const b = runCli(['profile', free, '--data', images, '--image-size', bad]);
    assert.equal(b.code, 2, bad);
    assert.match(b.stderr, /--image-size: expected a width and a height in pixels/);
  }
});
