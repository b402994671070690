import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  encodeFaultArchive,
  decodeFaultArchive,
  readFaultArchive,
  writeFaultArchive,
  type FaultArchiveInfo,
  type LayerFaults,
} from '../../src/faults/archive/index.js';
import { ClassesError } from '../../src/errors.js';
import { makeFault, plain, variedFaults } from './archive-fixtures.js';
import { Rng } from '../../src/faults/rng.js';
import { encodeTar } from '../../src/faults/archive/tar.js';

const INFO: FaultArchiveInfo = { seed: 42, modelSha256: 'a'.repeat(64), errorModels: { conv_gemm: 'b'.repeat(64), relu: 'c'.repeat(64) } };

function layers(): LayerFaults[] {
  return [
    { info: { name: 'conv1', output: 'conv1_out', shape: { c: 4, h: 20, w: 20 }, range: { min: -3, max: 5 }, errorModel: 'conv_gemm' }, faults: variedFaults('conv1', 'conv1_out') },
    { info: { name: 'relu/1', output: 'relu_1:0', shape: { c: 1, h: 1, w: 8 }, range: { min: 0, max: 6.5 }, errorModel: 'relu' }, faults: [makeFault('relu/1', 'relu_1:0', 0, [7], [2], [3])] },
    { info: { name: 'empty', output: 'e', shape: { c: 1, h: 1, w: 1 }, range: { min: 0, max: 0 }, errorModel: 'relu' }, faults: [] },
  ];
}

function bytes(ls: LayerFaults[] = layers()): Buffer {
  return Buffer.concat(encodeFaultArchive(INFO, ls).chunks);
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'classes-archive-'));
}

test('faults round-trip through the archive bit for bit, with the manifest', () => {
  const a = decodeFaultArchive(bytes(), 'x.tar');
  assert.equal(a.manifest.formatVersion, 1);
  assert.equal(a.manifest.seed, 42);
  assert.equal(a.manifest.totalFaults, 6);
  assert.deepEqual(a.manifest.errorModels, INFO.errorModels);
  assert.deepEqual(a.layers.map((l) => [l.info.name, l.info.count, l.info.member]), [
    ['conv1', 5, 'layers/0000.bin'],
    ['relu/1', 1, 'layers/0001.bin'],
    ['empty', 0, 'layers/0002.bin'],
  ]);
  assert.deepEqual(a.layers[0].info.shape, { c: 4, h: 20, w: 20 });
  assert.deepEqual(a.layers[0].info.range, { min: -3, max: 5 });
  assert.deepEqual(a.layers[0].faults().map(plain), variedFaults().map(plain));
  assert.deepEqual(a.layers[2].faults(), []);
});

test('random access by layer (node or output name) and fault index', () => {
  const a = decodeFaultArchive(bytes(), 'x.tar');
  assert.deepEqual(plain(a.layer('conv1')!.fault(7)!), plain(variedFaults()[4]));
  assert.equal(a.layer('conv1')!.fault(5), undefined);
  assert.equal(a.layer('relu_1:0')!.info.name, 'relu/1');
  assert.equal(a.layer('nope'), undefined);
});

test('same input gives the same bytes, whatever the order the faults come in', () => {
  const shuffled = layers();
  shuffled[0] = { ...shuffled[0], faults: [...shuffled[0].faults].reverse() };
  assert.ok(bytes().equals(bytes(shuffled)));
  const again = bytes();
  assert.ok(bytes().equals(again));
});

test('it is a plain ustar file with fixed headers and manifest.json first', () => {
  const b = bytes();
  assert.equal(b.subarray(0, 13).toString('latin1'), 'manifest.json');
  assert.equal(b.subarray(257, 262).toString('latin1'), 'ustar');
  assert.equal(b.subarray(136, 147).toString('latin1'), '00000000000'); // mtime 0
  const dir = tmp();
  writeFileSync(join(dir, 'f.tar'), b);
  const r = spawnSync('tar', ['-tf', join(dir, 'f.tar')], { encoding: 'utf8' });
  if (r.status === 0) assert.deepEqual(r.stdout.trim().split('\n'), ['manifest.json', 'layers/0000.bin', 'layers/0001.bin', 'layers/0002.bin']);
  else assert.ok(true, 'no tar tool here; header checks above still ran');
});

test('writeFaultArchive refuses to overwrite without force, and replaces with it', () => {
  const dir = tmp();
  const path = join(dir, 'faults.tar');
  writeFaultArchive(path, INFO, layers());
  assert.throws(() => writeFaultArchive(path, INFO, layers()), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /--force/.test(e.message));
  writeFaultArchive(path, { ...INFO, seed: 7 }, layers(), { force: true });
  assert.equal(readFaultArchive(path).manifest.seed, 7);
  assert.deepEqual(readdirSync(dir), ['faults.tar']);
});

function expectCorrupt(buf: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeFaultArchive(buf, 'bad.tar').layers.forEach((l) => l.faults()), (e: unknown) => {
    assert.ok(e instanceof ClassesError, String(e));
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /bad\.tar/);
    assert.match(e.message, pattern);
    return true;
  });
}

test('a truncated archive is a clear error', () => {
  const b = bytes();
  for (const cut of [100, 700, b.length - 1024, b.length - 600]) expectCorrupt(b.subarray(0, cut), /truncated|missing/);
});

test('a flipped byte in a layer member or a header is detected', () => {
  const b = bytes();
  const memberAt = b.indexOf(Buffer.from('CFLR'));
  const m = Buffer.from(b);
  m[memberAt + 20] ^= 0xff;
  expectCorrupt(m, /sha256/);
  const h = Buffer.from(b);
  h[5] ^= 1; // inside the first header's name field
  expectCorrupt(h, /checksum/);
  expectCorrupt(Buffer.from('hello, not a tar archive at all'.padEnd(2048, 'x')), /not a tar archive/);
});

test('a manifest from a newer format version, or a tar without one, is refused with a hint', () => {
  const manifest = Buffer.from(JSON.stringify({ format: 'classes-fault-list', formatVersion: 99, layers: [] }));
  expectCorrupt(Buffer.concat(encodeTar([{ name: 'manifest.json', data: manifest }])), /format version 99 is not supported.*release/);
  expectCorrupt(Buffer.concat(encodeTar([{ name: 'other.txt', data: Buffer.from('x') }])), /not a classes fault list/);
});

test('fault lists stay far below the dense-mask size (<= 1/20)', () => {
  // 200 faults of conv-like cardinalities (1..64) with in/out-of-range values on 64x26x26
  const shape = { c: 64, h: 26, w: 26 };
  const size = shape.c * shape.h * shape.w;
  const faults = [];
  for (let i = 0; i < 200; i++) {
    const rng = new Rng(`size/${i}`);
    const k = 1 + rng.index(64);
    const idx = [...new Set(rng.sampleWithReplacement(size, k))].sort((a, b) => a - b);
    faults.push(makeFault('c', 'c_out', i, idx, idx.map(() => 2 + rng.index(2)), idx.map(() => rng.uniform(-5, 12))));
  }
  const b = bytes([{ info: { name: 'c', output: 'c_out', shape, range: { min: -5, max: 12 }, errorModel: 'conv_gemm' }, faults }]);
  assert.ok(b.length * 20 <= size * faults.length, `${b.length} bytes vs dense ${size * faults.length}`);
  assert.deepEqual(decodeFaultArchive(b, 'x.tar').layers[0].faults().map(plain), faults.map(plain));
});

test('any float32 bit pattern, many patterns and parameter kinds round-trip exactly', () => {
  const faults = [];
  for (let i = 0; i < 120; i++) {
    const rng = new Rng(`bits/${i}`);
    const k = 1 + rng.index(40);
    const idx = [...new Set(rng.sampleWithReplacement(5000, k))].sort((a, b) => a - b);
    const bits = Uint32Array.from(idx, () => Math.floor(rng.next() * 2 ** 32));
    const f = makeFault('L', 'L:0', i * 3, idx, idx.map(() => 1 + rng.index(5)), [], `pattern_${i % 20}`, {
      n: i,
      neg: -i - 1,
      frac: i / 7,
      pair: [i, 0.5],
      negzero: -0,
    });
    f.values = new Float32Array(bits.buffer);
    faults.push(f);
  }
  const b = bytes([{ info: { name: 'L', output: 'L:0', shape: { c: 5, h: 10, w: 100 }, range: { min: -1, max: 1 }, errorModel: 'm' }, faults }]);
  const back = decodeFaultArchive(b, 'x.tar').layers[0].faults();
  assert.deepEqual(back.map(plain), faults.map(plain));
  assert.ok(Object.is(back[0].params.negzero, -0));
});

test('inconsistent input is refused before anything is written', () => {
  const dir = tmp();
  const path = join(dir, 'x.tar');
  const bad = layers();
  bad[1] = { ...bad[1], faults: [makeFault('relu/1', 'relu_1:0', 0, [8], [2], [3])] }; // index 8 outside 1x1x8
  assert.throws(() => writeFaultArchive(path, INFO, bad), /outside/);
  assert.equal(existsSync(path), false);
  assert.deepEqual(readdirSync(dir), []);
  const dup = layers();
  dup[0] = { ...dup[0], faults: [...dup[0].faults, dup[0].faults[0]] };
  assert.throws(() => encodeFaultArchive(INFO, dup), /twice/);
});
