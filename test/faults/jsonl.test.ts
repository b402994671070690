import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFaultsJsonl, parseFaultsJsonl, readFaultsJsonl, writeFaultsJsonl } from '../../src/faults/jsonl.js';
import { float32ToJson } from '../../src/faults/json-values.js';
import { FaultListWriter, openFaultList } from '../../src/faults/faultlist.js';
import { selectNamedLayers } from '../../src/util/layer-names.js';
import { writeFaultArchive } from '../../src/faults/archive/index.js';
import { ClassesError } from '../../src/errors.js';
import { makeFault, plain, variedFaults } from './archive-fixtures.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'classes-jsonl-'));
}

test('a fault is one line with the documented fields; non-finite values are strings', () => {
  const f = makeFault('conv1', 'c1', 3, [2, 9], [4, 3], [NaN, -Infinity], 'same_row', { max_cardinality: 8, row_corruption_pct: [20, 30] });
  const text = Buffer.from(encodeFaultsJsonl([f])).toString('utf8');
  assert.equal(
    text,
    '{"layer":"conv1","output":"c1","index":3,"pattern":"same_row","params":{"max_cardinality":8,"row_corruption_pct":[20,30]},' +
      '"indices":[2,9],"valueClasses":[4,3],"values":["NaN","-Infinity"]}\n',
  );
});

test('float32 values are written with the shortest decimal that reads back exactly', () => {
  assert.equal(float32ToJson(Math.fround(0.1)), '0.1');
  assert.equal(float32ToJson(Math.fround(3.4028234663852886e38)), '3.4028235e+38');
  assert.equal(float32ToJson(-0), '-0');
  assert.equal(float32ToJson(2 ** -149), '1e-45');
  for (const v of [1e-40, 123456.789, -7.25e-12, 2 ** 30]) assert.equal(Math.fround(Number(float32ToJson(v))), Math.fround(v));
});

test('faults round-trip through JSONL bit for bit (except NaN payloads, which JSON cannot hold)', () => {
  const dir = tmp();
  const path = join(dir, 'f.jsonl');
  const faults = variedFaults();
  writeFaultsJsonl(path, faults);
  const back = readFaultsJsonl(path);
  const expected = faults.map(plain) as { bits: number[] }[];
  expected[3].bits[3] = 0x7fc00000; // the 0x7fc00123 payload becomes the plain quiet NaN
  assert.deepEqual(back.map(plain), expected);
  assert.throws(() => writeFaultsJsonl(path, faults), /--force/);
  writeFaultsJsonl(path, faults.slice(0, 1), { force: true });
  assert.equal(readFileSync(path, 'utf8').split('\n').length, 2);
  assert.deepEqual(readdirSync(dir), ['f.jsonl']);
});

function bad(text: string, pattern: RegExp): void {
  assert.throws(() => parseFaultsJsonl(text, 'x.jsonl'), (e: unknown) => {
    assert.ok(e instanceof ClassesError);
    assert.equal(e.exitCode, 1);
    assert.match(e.message, pattern);
    return true;
  });
}

const GOOD = '{"layer":"a","output":"o","index":0,"pattern":"single","params":{},"indices":[4],"valueClasses":[2],"values":[1.5]}';

test('bad lines are reported as file:line with the reason', () => {
  assert.equal(parseFaultsJsonl(`${GOOD}\n\n`, 'x.jsonl').length, 1);
  bad(`${GOOD}\n{oops`, /^x\.jsonl:2: not valid JSON/);
  bad(`${GOOD}\n${GOOD}`, /^x\.jsonl:2: fault 0 of layer a appears twice \(first on line 1\)/);
  bad(GOOD.replace('"indices":[4]', '"indices":[4,3]').replace('[2]', '[2,2]').replace('[1.5]', '[1,2]'), /x\.jsonl:1: indices must be strictly ascending/);
  bad(GOOD.replace('"valueClasses":[2]', '"valueClasses":[6]'), /x\.jsonl:1: valueClasses\[0\] must be a value class id 1\.\.5/);
  bad(GOOD.replace('"values":[1.5]', '"values":[1.5,2]'), /x\.jsonl:1: .*same length/);
  bad(GOOD.replace('"values":[1.5]', '"values":["nan"]'), /values\[0\] must be a number or one of "NaN"/);
  bad(GOOD.replace('"index":0', '"index":-1'), /"index" must be a non-negative integer/);
  bad(GOOD.replace('"layer":"a",', ''), /"layer" must be a non-empty string/);
  bad(GOOD.replace('"params":{}', '"params":{"x":[1]}'), /params\.x must be a number or a \[lo, hi\] pair/);
  bad(GOOD.replace('"indices":[4]', '"indices":[]').replace('[2]', '[]').replace('[1.5]', '[]'), /"indices" must not be empty/);
  bad('\n', /holds no faults/);
});

test('openFaultList reads .jsonl and .tar alike, grouped by layer in ascending fault index', () => {
  const dir = tmp();
  const faults = [
    makeFault('b', 'bo', 1, [1], [2], [1]),
    makeFault('a', 'ao', 0, [2], [2], [2]),
    makeFault('b', 'bo', 0, [3], [1], [0]),
  ];
  writeFaultsJsonl(join(dir, 'f.jsonl'), faults);
  const j = openFaultList(join(dir, 'f.jsonl'));
  assert.equal(j.format, 'jsonl');
  assert.equal(j.totalFaults, 3);
  assert.deepEqual(j.layers.map((l) => [l.name, l.count, l.faults().map((f) => f.index)]), [['b', 2, [0, 1]], ['a', 1, [0]]]);
  // layers are picked by node or output name (util/layer-names.ts)
  assert.equal(selectNamedLayers(j.layers, ['ao'], (n) => n)[0].name, 'a');
  assert.equal(selectNamedLayers(j.layers, ['b'], (n) => n)[0].fault(1)!.indices[0], 1);

  const shape = { c: 1, h: 2, w: 2 };
  writeFaultArchive(join(dir, 'f.tar'), { seed: 1, modelSha256: null, errorModels: {} }, [
    { info: { name: 'b', output: 'bo', shape, range: { min: 0, max: 1 }, errorModel: 'm' }, faults: faults.filter((f) => f.layer === 'b') },
    { info: { name: 'a', output: 'ao', shape, range: { min: 0, max: 1 }, errorModel: 'm' }, faults: faults.filter((f) => f.layer === 'a') },
  ]);
  const t = openFaultList(join(dir, 'f.tar'));
  assert.equal(t.format, 'tar');
  assert.deepEqual(t.layers.map((l) => l.faults().map(plain)), j.layers.map((l) => l.faults().map(plain)));
  assert.deepEqual(selectNamedLayers(t.layers, ['a'], (n) => n)[0].shape, shape);

  writeFileSync(join(dir, 'f.csv'), 'x');
  assert.throws(() => openFaultList(join(dir, 'f.csv')), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /\.tar.*\.jsonl/.test(e.message));
  writeFileSync(join(dir, 'two.jsonl'), `${GOOD}\n${GOOD.replace('"o"', '"p"').replace('"index":0', '"index":1')}\n`);
  assert.throws(() => openFaultList(join(dir, 'two.jsonl')), /two\.jsonl:2: layer .* has faults for two output tensors \(o on line 1, p here\)/);
});

test('a fault list larger than the readers take is refused while it is built, with nothing written', () => {
  const dir = tmp();
  const faults = variedFaults();
  const spec = { name: 'conv1', output: 'conv1_out', shape: { c: 16, h: 32, w: 32 }, range: { min: -1, max: 1 }, errorModel: 'x' };
  for (const file of ['f.jsonl', 'f.tar']) {
    // the limit made small: 2 GiB of faults would not fit a test
    const w = new FaultListWriter(join(dir, file), { seed: 1, modelSha256: null, errorModels: { x: '0'.repeat(64) } }, { maxBytes: 64 });
    assert.throws(() => w.addLayer(spec, faults), (err: unknown) => err instanceof ClassesError && err.exitCode === 2 && /would be over 2 GiB at layer conv1, more than classes reads back; generate fewer faults/.test(err.message));
  }
  assert.deepEqual(readdirSync(dir), []);
});
