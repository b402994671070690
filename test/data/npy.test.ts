import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassesError, EXIT_RUNTIME } from '../../src/errors.js';
import { type NpyArray, type NpyData, encodeNpy, loadNpy, saveNpy, toFloat32, toLabels } from '../../src/data/index.js';
import { repoPath } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'classes-npy-'));

/** A .npy v1 file with a hand-written header, for the malformed cases numpy would not write. */
function rawNpy(name: string, header: string, data: Uint8Array): string {
  const h = header + '\n';
  const out = Buffer.alloc(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  out.writeUInt16LE(h.length, 8);
  out.write(h, 10, 'latin1');
  out.set(data, 10 + h.length);
  const path = join(dir, name);
  writeFileSync(path, out);
  return path;
}

function expectFileError(path: string, pattern: RegExp): void {
  assert.throws(
    () => loadNpy(path),
    (err: unknown) => err instanceof ClassesError && err.exitCode === EXIT_RUNTIME && pattern.test(err.message) && err.message.includes(path) && !err.message.includes('\n'),
  );
}

const cases: Array<[string, NpyData]> = [
  ['float32', Float32Array.from([0, -1.5, 3.25, 1e30, -0, 7, 8, 9, 10, 11, 12, 13])],
  ['float64', Float64Array.from([Math.PI, -1e300, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
  ['uint8', Uint8Array.from([0, 1, 2, 127, 128, 255, 6, 7, 8, 9, 10, 11])],
  ['int8', Int8Array.from([-128, -1, 0, 1, 127, 5, 6, 7, 8, 9, 10, 11])],
  ['int16', Int16Array.from([-32768, 32767, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
  ['uint16', Uint16Array.from([65535, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
  ['int32', Int32Array.from([-2147483648, 2147483647, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])],
  ['uint32', Uint32Array.from([4294967295, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])],
  ['int64', BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n])],
  ['uint64', BigUint64Array.from([2n ** 64n - 1n, 0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 10n])],
];

for (const [dtype, data] of cases) {
  test(`npy round trip: ${dtype} [3,4]`, () => {
    const path = join(dir, `${dtype}.npy`);
    saveNpy(path, { data, shape: [3, 4] });
    const bytes = readFileSync(path);
    assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, 'data starts on a 64-byte boundary');
    const back = loadNpy(path);
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.shape, [3, 4]);
    assert.deepEqual(back.data, data);
  });
}

test('npy round trip: bool, 1-D and 0-d shapes', () => {
  saveNpy(join(dir, 'bool.npy'), { data: Uint8Array.from([1, 0, 1]), shape: [3], dtype: 'bool' });
  const b = loadNpy(join(dir, 'bool.npy'));
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.data, Uint8Array.of(1, 0, 1));
  saveNpy(join(dir, 'scalar.npy'), { data: Float32Array.of(2.5), shape: [] });
  const s = loadNpy(join(dir, 'scalar.npy'));
  assert.deepEqual(s.shape, []);
  assert.equal(s.data[0], 2.5);
});

test('npy files written by numpy load (fixtures: float32 inputs, int64 labels)', () => {
  const inputs = loadNpy(repoPath('test/fixtures/resnet-small-inputs.npy'));
  assert.equal(inputs.dtype, 'float32');
  assert.deepEqual(inputs.shape, [32, 3, 32, 32]);
  const labels = loadNpy(repoPath('campaigns/lenet5-mnist/labels.npy'));
  assert.equal(labels.dtype, 'int64');
  assert.equal(labels.shape.length, 1);
});

test('a data block at an odd offset is copied to an aligned buffer', () => {
  // header of odd length: numpy pads to 64, but other writers need not
  const data = Float64Array.from([1.5, -2.5]);
  const path = rawNpy('odd.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(data.buffer));
  assert.deepEqual(loadNpy(path).data, Float64Array.of(1.5, -2.5));
});

test('Fortran order is refused with the fix', () => {
  const path = rawNpy('fortran.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", new Uint8Array(24));
  expectFileError(path, /Fortran.*ascontiguousarray/);
});

test('a 1-D Fortran-order array is the same as C order and loads', () => {
  const path = rawNpy('fortran1d.npy', "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", new Uint8Array(12));
  assert.deepEqual(loadNpy(path).shape, [3]);
});

test('object arrays are refused', () => {
  const path = rawNpy('object.npy', "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(16));
  expectFileError(path, /dtype=object/);
});

test('unsupported dtypes are refused: complex, big-endian, structured', () => {
  expectFileError(rawNpy('complex.npy', "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /unsupported dtype <c8/);
  expectFileError(rawNpy('big.npy', "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /big-endian/);
  expectFileError(rawNpy('rec.npy', "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /structured/);
});

test('truncated files, extra bytes and non-npy files are refused', () => {
  const full = encodeNpy({ data: new Float32Array(100), shape: [10, 10] });
  const cut = join(dir, 'cut.npy');
  writeFileSync(cut, full.subarray(0, full.length - 8));
  expectFileError(cut, /truncated.*400 data bytes but it has 392/);
  const cutHeader = join(dir, 'cut-header.npy');
  writeFileSync(cutHeader, full.subarray(0, 40));
  expectFileError(cutHeader, /truncated inside its header/);
  const extra = join(dir, 'extra.npy');
  writeFileSync(extra, Buffer.concat([full, Buffer.alloc(4)]));
  expectFileError(extra, /4 bytes after the data/);
  const text = join(dir, 'text.npy');
  writeFileSync(text, 'a,b,c\n1,2,3\n');
  expectFileError(text, /not a \.npy file/);
  expectFileError(rawNpy('bad-header.npy', "{'descr': '<f4'}", new Uint8Array(0)), /not a valid \.npy header/);
});

test('toFloat32 converts every dtype and returns float32 data as is', () => {
  const f: NpyArray = { dtype: 'float32', shape: [2], data: Float32Array.of(1, 2) };
  assert.equal(toFloat32(f), f.data);
  assert.deepEqual(toFloat32({ dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) }), Float32Array.of(0, 255));
  assert.deepEqual(toFloat32({ dtype: 'int64', shape: [2], data: BigInt64Array.of(-3n, 9n) }), Float32Array.of(-3, 9));
  assert.deepEqual(toFloat32({ dtype: 'float64', shape: [1], data: Float64Array.of(0.1) }), Float32Array.of(0.1));
});

test('toLabels accepts [N] and [N,1] integers and whole floats, and refuses the rest', () => {
  assert.deepEqual(toLabels({ dtype: 'int64', shape: [3], data: BigInt64Array.of(0n, 9n, 3n) }, 'l.npy'), Int32Array.of(0, 9, 3));
  assert.deepEqual(toLabels({ dtype: 'uint8', shape: [2, 1], data: Uint8Array.of(1, 2) }, 'l.npy'), Int32Array.of(1, 2));
  assert.deepEqual(toLabels({ dtype: 'float32', shape: [2], data: Float32Array.of(4, 5) }, 'l.npy'), Int32Array.of(4, 5));
  assert.throws(() => toLabels({ dtype: 'float32', shape: [1], data: Float32Array.of(0.5) }, 'l.npy'), /l\.npy: label 0 is 0\.5/);
  assert.throws(() => toLabels({ dtype: 'int32', shape: [1], data: Int32Array.of(-1) }, 'l.npy'), /not a class index/);
  assert.throws(() => toLabels({ dtype: 'float32', shape: [1, 10], data: new Float32Array(10) }, 'l.npy'), /one-hot.*argmax/);
});
