import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { listImageFolder, loadImageFolder, resizePlane } from '../../src/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'classes-images-'));

/** RGBA pixels of a w x h image of one colour. */
function solid(w: number, h: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) data.set([...rgb, 255], p * 4);
  return data;
}

function writePng(path: string, w: number, h: number, rgb: [number, number, number]): void {
  const png = new PNG({ width: w, height: h });
  solid(w, h, rgb).copy(png.data);
  writeFileSync(path, PNG.sync.write(png));
}

function writeJpeg(path: string, w: number, h: number, rgb: [number, number, number]): void {
  writeFileSync(path, jpeg.encode({ width: w, height: h, data: solid(w, h, rgb) }, 95).data);
}

// Two classes; "ant" sorts before "cat", so ant = 0 and cat = 1.
const labelled = join(root, 'labelled');
mkdirSync(join(labelled, 'cat'), { recursive: true });
mkdirSync(join(labelled, 'ant'), { recursive: true });
writePng(join(labelled, 'ant', 'a1.png'), 4, 4, [255, 0, 0]);
writePng(join(labelled, 'ant', 'a2.PNG'), 6, 2, [0, 255, 0]);
writeJpeg(join(labelled, 'cat', 'c1.jpg'), 8, 8, [0, 0, 255]);
writePng(join(labelled, 'cat', 'c2.png'), 4, 4, [255, 255, 255]);
writeFileSync(join(labelled, 'cat', 'notes.txt'), 'not an image');

test('sub-folders give sorted class labels, files interleaved round-robin', () => {
  const listing = listImageFolder(labelled);
  assert.deepEqual(listing.classNames, ['ant', 'cat']);
  assert.deepEqual(
    listing.files.map((f) => f.slice(labelled.length + 1)),
    [join('ant', 'a1.png'), join('cat', 'c1.jpg'), join('ant', 'a2.PNG'), join('cat', 'c2.png')],
  );
  assert.deepEqual(listing.labels, Int32Array.of(0, 1, 0, 1));
});

test('a labelled folder loads as NCHW RGB, resized, scaled to [0, 1]', () => {
  const set = loadImageFolder(labelled, { width: 2, height: 2, channels: 3 });
  assert.deepEqual(set.shape, [4, 3, 2, 2]);
  assert.deepEqual(set.labels, Int32Array.of(0, 1, 0, 1));
  const sample = (i: number) => Array.from(set.inputs.subarray(i * 12, (i + 1) * 12));
  assert.deepEqual(sample(0), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // red PNG
  assert.deepEqual(sample(2), [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]); // green PNG, 6x2 -> 2x2
  // blue JPEG: lossy, so close to (0, 0, 1)
  sample(1).forEach((v, k) => assert.ok(Math.abs(v - (k >= 8 ? 1 : 0)) < 0.03, `jpeg value ${k} = ${v}`));
});

test('grayscale, mean/std, NHWC layout and a limit', () => {
  const set = loadImageFolder(labelled, { width: 3, height: 3, channels: 1, mean: 0.5, std: [0.25], limit: 3 });
  assert.deepEqual(set.shape, [3, 1, 3, 3]);
  assert.deepEqual(set.labels, Int32Array.of(0, 1, 0));
  // red: PIL's "L" of (255, 0, 0) is grey level 76 (0.299 * 255 = 76.2, rounded in fixed point)
  assert.ok(Math.abs(set.inputs[0] - (76 / 255 - 0.5) / 0.25) < 1e-5);
  const nhwc = loadImageFolder(labelled, { width: 1, height: 1, channels: 3, layout: 'NHWC', mean: [0, 0, 0.5], limit: 1 });
  assert.deepEqual(nhwc.shape, [1, 1, 1, 3]);
  assert.deepEqual(Array.from(nhwc.inputs), [1, 0, -0.5]);
});

test('images directly in a folder have no labels; sizes must agree unless resized', () => {
  const flat = join(root, 'flat');
  mkdirSync(flat);
  writePng(join(flat, 'b.png'), 5, 3, [10, 20, 30]);
  writePng(join(flat, 'a.png'), 5, 3, [0, 0, 0]);
  const set = loadImageFolder(flat, { channels: 3 });
  assert.deepEqual(set.shape, [2, 3, 3, 5]);
  assert.equal(set.labels, undefined);
  assert.equal(set.classNames, undefined);
  assert.equal(set.inputs[0], 0); // a.png first
  // b.png starts after the 3 x 3 x 5 values of a.png; its green plane 15 values later
  assert.ok(Math.abs(set.inputs[45] - 10 / 255) < 1e-7);
  assert.ok(Math.abs(set.inputs[60] - 20 / 255) < 1e-7);
  writePng(join(flat, 'c.png'), 4, 4, [0, 0, 0]);
  assert.throws(() => loadImageFolder(flat), /c\.png is 4x4 but .*a\.png is 5x3; give --image-size W,H/);
});

test('a folder mixing images and class folders, or with no images, is a usage error', () => {
  const mixed = join(root, 'mixed');
  mkdirSync(join(mixed, 'one'), { recursive: true });
  writePng(join(mixed, 'one', 'x.png'), 2, 2, [0, 0, 0]);
  writePng(join(mixed, 'stray.png'), 2, 2, [0, 0, 0]);
  assert.throws(() => loadImageFolder(mixed), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /mixes images/.test(e.message));
  const empty = join(root, 'empty');
  mkdirSync(empty);
  assert.throws(() => loadImageFolder(empty), /holds no \.png, \.jpg or \.jpeg files/);
});

test('a corrupt image names its file', () => {
  const bad = join(root, 'bad');
  mkdirSync(bad);
  writeFileSync(join(bad, 'broken.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]));
  assert.throws(() => loadImageFolder(bad), /cannot decode image .*broken\.png/);
});

test('bilinear resize uses half-pixel centres; nearest repeats pixels', () => {
  const out = new Float32Array(4);
  resizePlane(Float32Array.of(0, 255), 2, 1, out, 4, 1, 'bilinear');
  assert.deepEqual(Array.from(out), [0, 63.75, 191.25, 255]);
  const near = new Float32Array(16);
  resizePlane(Float32Array.of(1, 2, 3, 4), 2, 2, near, 4, 4, 'nearest');
  assert.deepEqual(Array.from(near), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  const down = new Float32Array(1);
  resizePlane(Float32Array.of(0, 10, 20, 30), 2, 2, down, 1, 1, 'bilinear');
  assert.equal(down[0], 15);
});
