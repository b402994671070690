import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_REFERENCE_REASON, ROOT, referenceModelsDir, runCli } from '../helpers.js';
import { readFaultArchive } from '../../src/faults/archive/index.js';
import { readFaultsJsonl } from '../../src/faults/jsonl.js';
import { parseInteger, parseRange, parseShape } from '../../src/cli/parse-args.js';
import { ClassesError } from '../../src/errors.js';
import { parseCsv } from '../../src/report/csv-read.js';

const REF = referenceModelsDir();
const skip = REF ? false : NO_REFERENCE_REASON;
const MODEL = REF ? join(REF, 'faulty_warp_models', 'conv_gemm.json') : '';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'classes-gen-'));
}

function synth(out: string, ...extra: string[]): ReturnType<typeof runCli> {
  return runCli(['gen-faults', '--error-model', MODEL, '--shape', '16,8,8', '--range', '-3,5', '--count', '200', '--seed', '1', '-o', out, ...extra]);
}

test('a synthetic layer gives the same faults as .tar and .jsonl, byte-identical on a rerun', { skip }, () => {
  const dir = tmp();
  const tar = join(dir, 'f.tar');
  const jsonl = join(dir, 'f.jsonl');
  for (const out of [tar, jsonl]) {
    const r = synth(out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote 200 faults for 1 layer/);
  }
  const archive = readFaultArchive(tar);
  assert.equal(archive.manifest.seed, 1);
  assert.equal(archive.manifest.modelSha256, null);
  assert.deepEqual(Object.keys(archive.manifest.errorModels), ['conv_gemm']);
  assert.deepEqual(archive.layers[0].info.shape, { c: 16, h: 8, w: 8 });
  assert.deepEqual(archive.layers[0].info.range, { min: -3, max: 5 });
  const fromTar = archive.layers[0].faults;
  const fromJsonl = readFaultsJsonl(jsonl);
  assert.equal(fromTar.length, 200);
  assert.deepEqual(
    fromTar.map((f) => [f.index, f.pattern, Array.from(f.indices), Array.from(f.valueClasses)]),
    fromJsonl.map((f) => [f.index, f.pattern, Array.from(f.indices), Array.from(f.valueClasses)]),
  );
  for (let i = 0; i < fromTar.length; i++) {
    assert.deepEqual(Array.from(fromTar[i].values).map(String), Array.from(fromJsonl[i].values).map(String));
  }

  const again = join(dir, 'g.tar');
  assert.equal(synth(again).code, 0);
  assert.ok(readFileSync(tar).equals(readFileSync(again)), 'same seed, same bytes');
  const againJsonl = join(dir, 'g.jsonl');
  assert.equal(synth(againJsonl).code, 0);
  assert.ok(readFileSync(jsonl).equals(readFileSync(againJsonl)));
  const other = join(dir, 'h.tar');
  assert.equal(runCli(['gen-faults', '--error-model', MODEL, '--shape', '16,8,8', '--range', '-3,5', '--count', '200', '--seed', '2', '-o', other]).code, 0);
  assert.ok(!readFileSync(tar).equals(readFileSync(other)), 'another seed, other faults');
});

test('an existing output is kept unless --force', { skip }, () => {
  const dir = tmp();
  const out = join(dir, 'f.jsonl');
  writeFileSync(out, 'keep me');
  const r = synth(out);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /already exists; pass --force/);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  assert.equal(synth(out, '--force').code, 0);
  assert.equal(readFileSync(out, 'utf8').split('\n').length, 201);
});

test('--shape, --range, counts and seeds are parsed strictly (usage errors naming the flag)', () => {
  const usage = (fn: () => unknown, pattern: RegExp): void => {
    assert.throws(fn, (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && pattern.test(e.message));
  };
  assert.deepEqual(parseShape('16,8,8'), { c: 16, h: 8, w: 8 });
  assert.deepEqual(parseRange('-3,5'), { min: -3, max: 5 });
  assert.deepEqual(parseRange(' 1e-3 , 2.5 '), { min: 0.001, max: 2.5 });
  usage(() => parseShape('16,0,8'), /--shape 16,0,8: expected C,H,W with three integers >= 1/);
  usage(() => parseShape('16,a,8'), /--shape 16,a,8/);
  usage(() => parseShape('16,8'), /--shape 16,8/);
  usage(() => parseShape('16,8,8.5'), /--shape/);
  usage(() => parseRange('5,-3'), /--range 5,-3: MIN is greater than MAX/);
  usage(() => parseRange('nan,1'), /--range nan,1: expected MIN,MAX with two finite numbers/);
  usage(() => parseRange('1,Infinity'), /two finite numbers/);
  usage(() => parseRange('1'), /--range 1:/);
  usage(() => parseRange('1,'), /--range 1,:/);
  usage(() => parseInteger('0', '--count', 1), /--count 0: expected a whole number >= 1/);
  usage(() => parseInteger('-4', '--seed'), /--seed -4/);
  usage(() => parseInteger('2.5', '--seed'), /--seed 2\.5/);
});

test('malformed --shape, --range and outputs stop the CLI with exit 2 and write nothing', { skip }, () => {
  const dir = tmp();
  const out = join(dir, 'f.tar');
  const base = ['gen-faults', '--error-model', MODEL, '--count', '10', '-o', out];
  const shape = runCli([...base, '--shape', '16,0,8', '--range', '-3,5']);
  assert.equal(shape.code, 2);
  assert.match(shape.stderr, /--shape 16,0,8: expected C,H,W/);
  const range = runCli([...base, '--shape', '16,8,8', '--range', '5,-3']);
  assert.equal(range.code, 2);
  assert.match(range.stderr, /--range 5,-3: MIN is greater than MAX/);
  const bad = runCli(['gen-faults', '--error-model', MODEL, '--shape', '16,8,8', '--range', '-3,5', '-o', join(dir, 'f.csv')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /must end in \.tar .* or \.jsonl/);
  assert.deepEqual(readdirSync(dir), []);
});

test('a failure while generating leaves no file behind', () => {
  const dir = tmp();
  const brokenModel = join(dir, 'broken.json');
  writeFileSync(brokenModel, '{"single": {"count": 1}');
  const r = runCli(['gen-faults', '--error-model', brokenModel, '--shape', '4,4,4', '--range', '0,1', '-o', join(dir, 'f.tar')]);
  assert.equal(r.code === 1 || r.code === 2, true, r.stderr);
  assert.match(r.stderr, /broken\.json/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.deepEqual(readdirSync(dir), ['broken.json']);
});

test('missing inputs are explained: no mode, model without --profile, mixed modes', () => {
  const dir = tmp();
  const none = runCli(['gen-faults', '-o', join(dir, 'f.tar')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give a model file \(with --profile\), or --error-model/);
  const model = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
  const noProfile = runCli(['gen-faults', model, '-o', join(dir, 'f.tar')]);
  assert.equal(noProfile.code, 2);
  assert.match(noProfile.stderr, /run `classes profile .*model\.onnx -o profile\.json` first/);
  const mixed = runCli(['gen-faults', model, '--shape', '1,2,3', '-o', join(dir, 'f.tar')]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /synthetic layer/);
  assert.equal(existsSync(join(dir, 'f.tar')), false);
  const help = runCli(['gen-faults', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:[\s\S]*--faults-per-layer[\s\S]*--shape 16,8,8/);
});

test('a model with its profile gets N faults per profiled layer, from the shipped error models', () => {
  const dir = tmp();
  const model = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
  const profile = join(dir, 'profile.json');
  const p = runCli(['profile', model, '--inputs', '4', '-o', profile]);
  assert.equal(p.code, 0, p.stderr);
  const prof = JSON.parse(readFileSync(profile, 'utf8')) as { modelSha256: string; layers: { name: string; errorModel: string | null }[] };
  const out = join(dir, 'f.tar');
  const r = runCli(['gen-faults', model, '--profile', profile, '--faults-per-layer', '20', '--seed', '42', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const a = readFaultArchive(out);
  assert.equal(a.manifest.modelSha256, prof.modelSha256);
  assert.deepEqual(a.layers.map((l) => l.info.name), prof.layers.filter((l) => l.errorModel).map((l) => l.name));
  assert.ok(a.layers.every((l) => l.faults.length === 20 && l.info.errorModel in a.manifest.errorModels));
  const one = join(dir, 'one.jsonl');
  const first = prof.layers.find((l) => l.errorModel)!.name;
  assert.equal(runCli(['gen-faults', model, '--profile', profile, '--layers', first, '--faults-per-layer', '3', '-o', one]).code, 0);
  assert.deepEqual(readFaultsJsonl(one).map((f) => f.layer), [first, first, first]);

  const other = join(dir, 'other.json');
  writeFileSync(other, JSON.stringify({ ...prof, modelSha256: 'f'.repeat(64) }));
  const stale = runCli(['gen-faults', model, '--profile', other, '-o', join(dir, 'x.tar')]);
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /was made for another model.*run classes profile again/);
  const noModels = runCli(['gen-faults', model, '--profile', profile, '--error-models', dir, '-o', join(dir, 'x.tar')]);
  assert.notEqual(noModels.code, 0);
  assert.match(noModels.stderr, /error-model folder .* has no \.json files|missing from/);
  assert.equal(existsSync(join(dir, 'x.tar')), false);
});

test('gen-faults and run-campaign read layer shapes alike: one seed gives the same patterns and positions, vector and 2-D layers included', () => {
  const dir = tmp();
  const model = join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx');
  const data = join(ROOT, 'campaigns', 'lenet5-mnist', 'inputs.npy');
  // The shipped relu model draws single positions only, which read alike in any shape: give the
  // Relu layers (LeNet's [120] and [84] vectors among them) the multi-position conv_gemm model.
  const models = join(dir, 'models');
  mkdirSync(models);
  for (const f of readdirSync(join(ROOT, 'error_models')).filter((f) => f.endsWith('.json'))) copyFileSync(join(ROOT, 'error_models', f), join(models, f));
  copyFileSync(join(ROOT, 'error_models', 'conv_gemm.json'), join(models, 'relu.json'));
  const profile = join(dir, 'profile.json');
  assert.equal(runCli(['profile', model, '--data', data, '--inputs', '2', '-o', profile]).code, 0);
  const list = join(dir, 'f.jsonl');
  const g = runCli(['gen-faults', model, '--profile', profile, '--error-models', models, '--faults-per-layer', '40', '--seed', '5', '-o', list]);
  assert.equal(g.code, 0, g.stderr);
  const r = runCli(['run-campaign', '--model', model, '--data', data, '--inputs', '1', '--error-models', models, '--faults-per-layer', '40', '--seed', '5', '--workers', '1', '--out', join(dir, 'run')]);
  assert.equal(r.code, 0, r.stderr);
  const rows = parseCsv(readFileSync(join(dir, 'run', 'injections.csv'), 'utf8'));
  const col = (name: string) => rows[0].indexOf(name);
  const ran = rows.slice(1).map((row) => `${row[col('layer')]} ${row[col('fault')]} ${row[col('pattern')]} ${row[col('cardinality')]}`);
  const drawn = readFaultsJsonl(list).map((f) => `${f.layer} ${f.index} ${f.pattern} ${f.indices.length}`);
  assert.deepEqual(ran, drawn);
  // the vector layers drew multi-position patterns, whose reading of the shape matters
  assert.ok(readFaultsJsonl(list).some((f) => f.layer === '/Relu_2' && f.indices.length > 1));
});
