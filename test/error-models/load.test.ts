import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassesError } from '../../src/errors.js';
import { loadErrorModel, loadErrorModelDir } from '../../src/error-models/index.js';
import { sha256Hex } from '../../src/util/hash.js';
import { NO_REFERENCE_REASON, referenceModelsDir } from '../helpers.js';

const REF = referenceModelsDir();

const RELU = {
  _tensor_count: 3,
  single: { count: 3, domain_classes: [{ in_range: [100, 100], count: 3 }], parameters: [{ keys: {}, stats: {}, count: 3 }] },
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'classes-em-'));
}

test('loadErrorModel records the sha256 of the file bytes and names the path in errors', () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'relu.json');
    writeFileSync(path, JSON.stringify(RELU));
    const m = loadErrorModel(path);
    assert.equal(m.source, path);
    assert.equal(m.sha256, sha256Hex(readFileSync(path)));
    writeFileSync(path, JSON.stringify({ ...RELU, single: { ...RELU.single, count: 'many' } }));
    assert.throws(() => loadErrorModel(path), (e: unknown) => e instanceof ClassesError && e.message.startsWith(`${path}: $.single.count must be a positive integer`));
    assert.throws(() => loadErrorModel(join(dir, 'nope.json')), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /nope\.json does not exist/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loadErrorModelDir keys models by stem and names folder and file when one is missing', () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'relu.json'), JSON.stringify(RELU));
    writeFileSync(join(dir, 'maxpool.json'), JSON.stringify(RELU));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const set = loadErrorModelDir(dir);
    assert.deepEqual([...set.models.keys()], ['maxpool', 'relu']);
    assert.equal(set.require('relu').patterns[0].name, 'single');
    assert.deepEqual(Object.keys(set.hashes()), ['maxpool', 'relu']);
    assert.throws(
      () => set.require('conv_gemm'),
      (e: unknown) => e instanceof ClassesError && e.message.includes('conv_gemm.json') && e.message.includes(dir) && e.message.includes('maxpool, relu'),
    );
    assert.throws(
      () => loadErrorModelDir(dir, { only: ['relu', 'tanh'] }),
      (e: unknown) => e instanceof ClassesError && e.message.includes('tanh.json') && e.message.includes(dir),
    );
    assert.deepEqual([...loadErrorModelDir(dir, { only: ['relu'] }).models.keys()], ['relu']);
    assert.throws(() => loadErrorModelDir(join(dir, 'absent')), (e: unknown) => e instanceof ClassesError && e.exitCode === 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every reference GPU and NVDLA model parses, keeping JSON key order', (t) => {
  if (!REF) return t.skip(NO_REFERENCE_REASON);
  const files: string[] = [];
  for (const sub of ['faulty_thread_models', 'faulty_warp_models']) {
    for (const f of readdirSync(join(REF, sub))) if (f.endsWith('.json')) files.push(join(REF, sub, f));
  }
  assert.equal(files.length, 20);
  const nvdlaRoot = join(REF, 'nvdla_models');
  let nvdla = 0;
  for (const cfg of readdirSync(nvdlaRoot)) {
    for (const f of readdirSync(join(nvdlaRoot, cfg))) {
      if (f.endsWith('.json')) {
        files.push(join(nvdlaRoot, cfg, f));
        nvdla++;
      }
    }
  }
  assert.ok(nvdla > 0, 'NVDLA examples present');
  for (const f of files) {
    const raw = JSON.parse(readFileSync(f, 'utf8')) as Record<string, { count: number; parameters: unknown[]; domain_classes: unknown[] }>;
    const m = loadErrorModel(f);
    const names = Object.keys(raw).filter((k) => !k.startsWith('_'));
    assert.deepEqual(m.patterns.map((p) => p.name), names, f);
    for (const p of m.patterns) {
      assert.equal(p.count, raw[p.name].count);
      assert.equal(p.parameters.length, raw[p.name].parameters.length);
      assert.equal(p.domainClasses.length, raw[p.name].domain_classes.length);
    }
  }
});

test('reference thread/relu.json reads as documented (spec §1.7)', (t) => {
  if (!REF) return t.skip(NO_REFERENCE_REASON);
  const m = loadErrorModel(join(REF, 'faulty_thread_models', 'relu.json'));
  assert.equal(m.meta._tensor_count, 446);
  assert.deepEqual(m.patterns[0].domainClasses, [
    { kind: 'single', count: 232, cls: 'out_of_range' },
    { kind: 'single', count: 151, cls: 'zero' },
    { kind: 'single', count: 63, cls: 'in_range' },
  ]);
  const set = loadErrorModelDir(join(REF, 'faulty_warp_models'));
  assert.equal(set.models.size, 12);
  assert.match(set.require('conv_gemm').sha256 ?? '', /^[0-9a-f]{64}$/);
});
