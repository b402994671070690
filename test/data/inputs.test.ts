import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { ClassesError, EXIT_USAGE } from '../../src/errors.js';
import { BUILTIN_SAMPLE_SHAPE, builtinCampaignDir, imageLayoutFor, loadBuiltinSamples, loadInputs, randomInputs, saveNpy } from '../../src/data/index.js';
import { repoPath } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'classes-inputs-'));

function isUsageError(pattern: RegExp) {
  return (err: unknown) => err instanceof ClassesError && err.exitCode === EXIT_USAGE && pattern.test(err.message);
}

test('without a path, inputs are seeded random, the same for the same seed, with a warning', () => {
  const a = loadInputs({ expectedShape: [3, 4, 4], limit: 5, seed: 42 });
  const b = loadInputs({ expectedShape: [3, 4, 4], limit: 5, seed: 42 });
  const c = loadInputs({ expectedShape: [3, 4, 4], limit: 5, seed: 43 });
  assert.equal(a.random, true);
  assert.equal(a.count, 5);
  assert.deepEqual(a.sampleShape, [3, 4, 4]);
  assert.equal(a.data.length, 5 * 48);
  assert.deepEqual(a.data, b.data);
  assert.notDeepEqual(a.data, c.data);
  assert.ok(a.data.every((v) => v >= 0 && v <= 1));
  assert.match(a.warning ?? '', /random inputs.*give --data with real inputs/);
  assert.equal(a.source, 'random(seed=42)');
  // a prefix of a longer random set is the shorter set
  assert.deepEqual(randomInputs(2, [3, 4, 4], 42), a.data.subarray(0, 96));
  assert.throws(() => loadInputs({}), isUsageError(/model input shape is unknown/));
  assert.throws(() => loadInputs({ expectedShape: [3, -1, -1] }), isUsageError(/symbolic/));
});

test('a .npy file of any numeric dtype loads as float32 samples of the model shape', () => {
  const path = join(dir, 'u8.npy');
  saveNpy(path, { data: Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i), shape: [3, 1, 2, 2] });
  const r = loadInputs({ path, expectedShape: [1, 2, 2] });
  assert.equal(r.random, false);
  assert.equal(r.count, 3);
  assert.deepEqual(r.sampleShape, [1, 2, 2]);
  assert.ok(r.data instanceof Float32Array);
  assert.deepEqual(Array.from(r.data), Array.from({ length: 12 }, (_, i) => i));
  assert.equal(r.warning, undefined);
  // symbolic dimensions (<= 0) match any size; a single sample without the batch axis is fine
  assert.equal(loadInputs({ path, expectedShape: [1, -1, 0] }).count, 3);
  assert.equal(loadInputs({ path, expectedShape: [3, 1, 2, 2] }).count, 1);
  const limited = loadInputs({ path, expectedShape: [1, 2, 2], limit: 2 });
  assert.equal(limited.count, 2);
  assert.equal(limited.data.length, 8);
});

test('a sample shape that does not fit the model is a usage error with the fix', () => {
  const path = join(dir, 'flat.npy');
  saveNpy(path, { data: new Float32Array(2 * 784), shape: [2, 784] });
  assert.throws(
    () => loadInputs({ path, expectedShape: [1, 28, 28] }),
    isUsageError(/flat\.npy has shape \[2,784\] but the model takes samples of shape \[1,28,28\].*reshape\(-1, 1, 28, 28\)/),
  );
  // channels-last images for a channels-first model: a transpose, never a reshape (it would mix pixels up)
  const nhwc = join(dir, 'nhwc.npy');
  saveNpy(nhwc, { data: new Float32Array(2 * 32 * 32 * 3), shape: [2, 32, 32, 3] });
  assert.throws(() => loadInputs({ path: nhwc, expectedShape: [3, 32, 32] }), isUsageError(/\[3,32,32\].*arr\.transpose\(0, 3, 1, 2\)(?!.*reshape\(-1)/));
  const chw = join(dir, 'chw.npy');
  saveNpy(chw, { data: new Float32Array(2 * 3 * 8 * 4), shape: [2, 3, 8, 4] });
  assert.throws(() => loadInputs({ path: chw, expectedShape: [4, 3, 8] }), isUsageError(/arr\.transpose\(0, 3, 1, 2\)/));
  // another size altogether: no recipe that would only hide the mistake
  const other = join(dir, 'other.npy');
  saveNpy(other, { data: new Float32Array(2 * 100), shape: [2, 100] });
  assert.throws(() => loadInputs({ path: other, expectedShape: [1, 28, 28] }), isUsageError(/save the inputs as \[N,1,28,28\]$/));
});

test('labels are attached, limited with the inputs, and must match the sample count', () => {
  const path = join(dir, 'x.npy');
  saveNpy(path, { data: new Float32Array(4 * 3), shape: [4, 3] });
  const labels = join(dir, 'y.npy');
  saveNpy(labels, { data: BigInt64Array.of(3n, 1n, 4n, 1n), shape: [4] });
  const r = loadInputs({ path, labels, limit: 3 });
  assert.deepEqual(r.labels, Int32Array.of(3, 1, 4));
  const short = join(dir, 'y3.npy');
  saveNpy(short, { data: BigInt64Array.of(3n, 1n, 4n), shape: [3] });
  assert.throws(() => loadInputs({ path, labels: short }), isUsageError(/has 3 labels but .*x\.npy has 4 samples/));
  assert.throws(() => loadInputs({ labels, expectedShape: [3] }), isUsageError(/without --data/));
});

test('non-finite inputs, missing paths and unknown file types are refused', () => {
  const path = join(dir, 'nan.npy');
  saveNpy(path, { data: Float32Array.of(0, 1, NaN, 2), shape: [2, 2] });
  assert.throws(() => loadInputs({ path }), isUsageError(/nan\.npy: sample 1 contains NaN/));
  assert.throws(() => loadInputs({ path: join(dir, 'missing.npy') }), isUsageError(/--data .*missing\.npy does not exist/));
  const csv = join(dir, 'x.csv');
  writeFileSync(csv, '1,2\n');
  assert.throws(() => loadInputs({ path: csv, flag: '--inputs' }), isUsageError(/--inputs .*x\.csv: unsupported input file/));
});

test('an image folder takes channels and size from the model input shape', () => {
  const folder = join(dir, 'digits');
  for (const [cls, v] of [['one', 255], ['zero', 0]] as const) {
    mkdirSync(join(folder, cls), { recursive: true });
    const png = new PNG({ width: 8, height: 8 });
    png.data.fill(v);
    writeFileSync(join(folder, cls, 'img.png'), PNG.sync.write(png));
  }
  const r = loadInputs({ path: folder, expectedShape: [1, 4, 4] });
  assert.equal(r.count, 2);
  assert.deepEqual(r.sampleShape, [1, 4, 4]);
  assert.deepEqual(r.classNames, ['one', 'zero']);
  assert.deepEqual(r.labels, Int32Array.of(0, 1));
  assert.ok(Math.abs(r.data[0] - 1) < 1e-6 && r.data[16] === 0);
  const single = loadInputs({ path: join(folder, 'one', 'img.png'), expectedShape: [3, 2, 2] });
  assert.equal(single.count, 1);
  assert.deepEqual(single.sampleShape, [3, 2, 2]);
  assert.throws(() => loadInputs({ path: folder, expectedShape: [4, 8, 8] }), isUsageError(/4 channels/));
  // --labels for the whole folder, with a limit: checked against every image, then cut to the limit
  const labelsPath = join(dir, 'folder-labels.npy');
  saveNpy(labelsPath, { data: Int32Array.of(7, 3), shape: [2] });
  const limited = loadInputs({ path: folder, labels: labelsPath, expectedShape: [1, 4, 4], limit: 1 });
  assert.equal(limited.count, 1);
  assert.deepEqual(limited.labels, Int32Array.of(7));
  assert.throws(() => loadInputs({ path: folder, labels: labelsPath.replace('folder-labels', 'missing'), expectedShape: [1, 4, 4], limit: 1 }), isUsageError(/does not exist/));
  saveNpy(labelsPath, { data: Int32Array.of(7), shape: [1] });
  assert.throws(() => loadInputs({ path: folder, labels: labelsPath, expectedShape: [1, 4, 4], limit: 1 }), isUsageError(/has 1 labels but .* has 2 samples/));
  // channels last when only the last axis can be channels
  const last = loadInputs({ path: folder, expectedShape: [4, 2, 3] });
  assert.deepEqual(last.sampleShape, [4, 2, 3]);
  assert.equal(last.image?.layout, 'NHWC');
});

test('image layout from the model input: channels first unless only the last axis can hold them', () => {
  const cases: [number[] | undefined, string][] = [
    [[3, 224, 224], 'NCHW'],
    [[1, 28, 28], 'NCHW'],
    [[224, 224, 3], 'NHWC'],
    [[28, 28, 1], 'NHWC'],
    [[-1, -1, 3], 'NHWC'], // free rows and columns, channels last
    [[3, -1, -1], 'NCHW'],
    [[3, 8, 3], 'NCHW'], // either: channels first, as PyTorch exports
    [[-1, -1, -1], 'NCHW'],
    [[16, 8, 8], 'NCHW'], // neither: refused later, naming the channels
    [undefined, 'NCHW'],
  ];
  for (const [dims, want] of cases) assert.equal(imageLayoutFor(dims), want, String(dims));
});

test('the built-in campaign sample set: >= 1000 digits [N,1,28,28] in [0, 1], labels 0..9', () => {
  assert.equal(builtinCampaignDir(), repoPath('campaigns', 'lenet5-mnist'));
  const r = loadBuiltinSamples();
  assert.deepEqual(r.sampleShape, [...BUILTIN_SAMPLE_SHAPE]);
  assert.ok(r.count >= 1000, `${r.count} samples`);
  assert.equal(r.data.length, r.count * 784);
  assert.equal(r.labels?.length, r.count);
  assert.ok(r.labels!.every((l) => l >= 0 && l <= 9));
  let min = Infinity;
  let max = -Infinity;
  for (const v of r.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.ok(min >= 0 && max <= 1 && max > 0.9, `range [${min}, ${max}]`);
  // the first 64 samples (the campaign's default) cover every digit
  assert.equal(new Set(r.labels!.subarray(0, 64)).size, 10);
});
