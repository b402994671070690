import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { completeSettings, parseShard, readCampaignFile, settingsFromFlags } from '../../src/campaign/settings.js';
import { tempDir } from './fixtures.js';
import { ClassesError } from '../../src/errors.js';

const usage = (re: RegExp) => (err: unknown) => err instanceof ClassesError && err.exitCode === 2 && re.test(err.message);

test('a campaign file: input paths relative to it, both key spellings, flags win', () => {
  const dir = tempDir('classes-settings-');
  mkdirSync(join(dir, 'c'));
  const file = join(dir, 'c', 'campaign.json');
  writeFileSync(file, JSON.stringify({ description: 'x', model: 'm.onnx', data: '../x.npy', faultsPerLayer: 50, 'top-k': 2, layers: ['a', 'b'], out: 'res' }));
  const fromFile = readCampaignFile(file);
  assert.equal(fromFile.model, join(dir, 'c', 'm.onnx'));
  assert.equal(fromFile.data, join(dir, 'x.npy'));
  assert.equal(fromFile.name, 'c');
  const flags = settingsFromFlags({ faultsPerLayer: 'auto', seed: '7', layers: 'all', batch: '4' }, '/work');
  const s = completeSettings([fromFile, flags], { defaultErrorModels: '/pkg/error_models', cwd: '/cwd' });
  assert.equal(s.faultsPerLayer, 'auto');
  assert.equal(s.seed, 7);
  assert.equal(s.layers, 'all');
  assert.equal(s.topK, 2);
  assert.equal(s.batch, 4);
  assert.equal(s.out, '/cwd/res'); // out: relative to the working directory
  assert.equal(s.errorModels, '/pkg/error_models');
  assert.equal(s.tolerance, 0);
});

test('defaults follow the fault source and the criteria', () => {
  const s = completeSettings([{ model: '/m.onnx', data: '/x.npy', faults: '/f.jsonl', criteria: 'classes' }], { defaultErrorModels: '/e', cwd: '/w' });
  assert.equal(s.errorModels, null);
  assert.equal(s.faultsPerLayer, null); // every fault of the list
  assert.equal(s.tolerance, 1e-3); // the reference's default
  assert.equal(s.out, '/w/results');
});

test('bad settings are one-line usage errors naming the key', () => {
  const dir = tempDir('classes-settings-');
  const file = join(dir, 'campaign.json');
  writeFileSync(file, JSON.stringify({ model: 'm.onnx', faultz: 3 }));
  assert.throws(() => readCampaignFile(file), usage(/unknown setting "faultz"/));
  writeFileSync(file, '{ not json');
  assert.throws(() => readCampaignFile(file), usage(/not valid JSON/));
  assert.throws(() => settingsFromFlags({ faultsPerLayer: 'many' }), usage(/--faults-per-layer/));
  // gen-faults' limit: a campaign must fit in a list it can write
  assert.equal(settingsFromFlags({ faultsPerLayer: '1000000' }).faultsPerLayer, 1_000_000);
  assert.throws(() => settingsFromFlags({ faultsPerLayer: '1000001' }), usage(/--faults-per-layer: at most 1000000 faults per layer, got 1000001/));
  assert.throws(() => settingsFromFlags({ margin: '2' }), usage(/--margin/));
  assert.throws(() => settingsFromFlags({ provider: 'tpu' }), usage(/--provider/));
  assert.throws(() => completeSettings([{ data: '/x.npy' }], { defaultErrorModels: '/e' }), usage(/no model/));
  assert.throws(() => completeSettings([{ model: '/m', data: '/x', criteria: 'classes', topK: 3 }], { defaultErrorModels: '/e' }), usage(/--top-k/));
  assert.throws(() => readCampaignFile(join(dir, 'missing.json')), usage(/does not exist/));
});

test('--shard i/n', () => {
  assert.deepEqual(parseShard('2/8', '--shard'), { index: 2, count: 8 });
  assert.throws(() => parseShard('0/8', '--shard'), usage(/out of range/));
  assert.throws(() => parseShard('9/8', '--shard'), usage(/out of range/));
  assert.throws(() => parseShard('two', '--shard'), usage(/i\/n/));
});

test('--window: auto on the CPU, off on a GPU, and only auto, on or off', () => {
  const base = { model: '/m.onnx', data: '/x.npy' };
  assert.equal(completeSettings([base], { defaultErrorModels: '/e' }).window, 'auto');
  assert.equal(completeSettings([{ ...base, provider: 'webgpu' }], { defaultErrorModels: '/e' }).window, 'off');
  assert.equal(completeSettings([{ ...base, provider: 'webgpu' }, settingsFromFlags({ window: 'on' }, '/w')], { defaultErrorModels: '/e' }).window, 'on');
  assert.throws(() => settingsFromFlags({ window: 'maybe' }, '/w'), usage(/--window.*auto, on, off/));
});

test('--batch: 32 on the CPU, auto on a GPU, and auto or a whole number when given', () => {
  const base = { model: '/m.onnx', data: '/x.npy' };
  const o = { defaultErrorModels: '/e' };
  assert.equal(completeSettings([base], o).batch, 32);
  assert.equal(completeSettings([{ ...base, provider: 'webgpu' }], o).batch, 'auto');
  assert.equal(completeSettings([{ ...base, provider: 'cuda' }], o).batch, 'auto');
  assert.equal(completeSettings([{ ...base, provider: 'webgpu' }, settingsFromFlags({ batch: '64' }, '/w')], o).batch, 64);
  assert.equal(completeSettings([base, settingsFromFlags({ batch: 'auto' }, '/w')], o).batch, 'auto');
  assert.throws(() => settingsFromFlags({ batch: 'many' }, '/w'), usage(/^--batch: expected auto or a whole number >= 1, got "many"$/));
  assert.throws(() => settingsFromFlags({ batch: '0' }, '/w'), usage(/^--batch: expected auto or a whole number >= 1, got "0"$/));
});

test('--workers above 1 with WebGPU is refused (its sessions crash in worker threads); 1 is its default', () => {
  const base = { model: '/m.onnx', data: '/x.npy', provider: 'webgpu' as const };
  assert.equal(completeSettings([base], { defaultErrorModels: '/e' }).workers, 1);
  assert.equal(completeSettings([{ ...base, workers: 1 }], { defaultErrorModels: '/e' }).workers, 1);
  assert.throws(() => completeSettings([{ ...base, workers: 2 }], { defaultErrorModels: '/e' }), usage(/^--workers 2: the WebGPU provider crashes in worker threads; use --workers 1/));
  assert.equal(completeSettings([{ ...base, provider: 'cpu', workers: 2 }], { defaultErrorModels: '/e' }).workers, 2);
});

test('settings that would be ignored are refused, unless a later source overrides them', () => {
  const o = { defaultErrorModels: '/e', cwd: '/w' };
  const base = { model: '/m.onnx', data: '/x.npy' };
  // in one source: the ignored setting is named as the user wrote it
  // (the CLI passes the campaign file, then the flags)
  assert.throws(() => completeSettings([{ ...base, faults: '/f.tar', seed: 5 }, {}], o), usage(/^"seed" of the campaign file is for generated faults.*stored list \/f.tar/));
  assert.throws(() => completeSettings([{ ...base, faults: '/f.tar', seed: 5 }], o), usage(/^--seed is for generated faults/));
  assert.throws(() => completeSettings([{ ...base }, { faults: '/f.tar', errorModels: '/e2' }], o), usage(/^--error-models is for generated faults/));
  assert.throws(() => completeSettings([{ ...base }, { faultsPerLayer: 100, margin: 0.05 }], o), usage(/^--margin sizes the sample of --faults-per-layer auto only/));
  assert.throws(() => completeSettings([{ ...base }, { confidence: 0.9 }], o), usage(/^--confidence sizes/));
  assert.throws(() => completeSettings([{ ...base, faultsPerLayer: 'auto' }, { faultsPerLayer: 10, margin: 0.05 }], o), usage(/--margin/));
  // a flag overriding a campaign file's settings is fine (the built-in campaign sets a seed and a margin)
  const file = { ...base, faultsPerLayer: 'auto' as const, margin: 0.05, confidence: 0.95, seed: 1 };
  assert.equal(completeSettings([file, { faults: '/f.tar' }], o).faults, '/f.tar');
  assert.equal(completeSettings([file, { faultsPerLayer: 100 }], o).faultsPerLayer, 100);
  assert.equal(completeSettings([file, { margin: 0.02 }], o).margin, 0.02);
});

test('image preprocessing in a campaign file (either key spelling) and by flags', () => {
  const dir = tempDir('classes-settings-');
  const file = join(dir, 'campaign.json');
  writeFileSync(file, JSON.stringify({ model: 'm.onnx', data: 'images', imageMean: [0.485, 0.456, 0.406], 'image-std': 0.5, imageResize: 'nearest' }));
  const s = completeSettings([readCampaignFile(file), settingsFromFlags({ imageScale: '0.00392' })], { defaultErrorModels: '/e' });
  assert.deepEqual(s.image, { scale: 0.00392, mean: [0.485, 0.456, 0.406], std: [0.5], resize: 'nearest' });
  assert.deepEqual(completeSettings([{ model: '/m', data: '/x' }], { defaultErrorModels: '/e' }).image, {});
  writeFileSync(file, JSON.stringify({ model: 'm.onnx', data: 'images', imageStd: [1, 0] }));
  assert.throws(() => readCampaignFile(file), usage(/imageStd.*expected positive numbers/));
});

test("a campaign file's image preprocessing goes with its images: --data x.npy over it drops it", () => {
  const file = { model: '/m.onnx', data: '/images', imageMean: [0.5], imageStd: [0.25] };
  const o = { defaultErrorModels: '/e' };
  assert.deepEqual(completeSettings([file, { data: '/x.npy' }], o).image, {});
  assert.deepEqual(completeSettings([file, { data: '/other-images' }], o).image, { mean: [0.5], std: [0.25] });
  // given with the .npy on the command line, they are still refused when the data is loaded (inputs.ts)
  assert.deepEqual(completeSettings([file, { data: '/x.npy', imageStd: [2] }], o).image, { std: [2] });
});

test("a campaign file's labels go with its data: --data over it drops them unless --labels comes too", () => {
  const file = { model: '/m.onnx', data: '/x.npy', labels: '/y.npy' };
  const o = { defaultErrorModels: '/e' };
  assert.equal(completeSettings([file], o).labels, '/y.npy');
  assert.equal(completeSettings([file, { data: '/other.npy' }], o).labels, null);
  assert.equal(completeSettings([file, { data: '/other.npy', labels: '/other-labels.npy' }], o).labels, '/other-labels.npy');
  assert.equal(completeSettings([file, { seed: 3 }], o).labels, '/y.npy');
});

test('a campaign name is one folder name (the default output folder is results/<name>)', () => {
  const dir = tempDir('classes-settings-');
  const file = join(dir, 'campaign.json');
  for (const bad of ['../../escape', 'a/b', '..', 'a\\b', ' ', 'a\nb', 'a\u0000b']) {
    writeFileSync(file, JSON.stringify({ name: bad, model: 'm.onnx' }));
    assert.throws(() => readCampaignFile(file), usage(/a campaign name is one folder name/), bad);
  }
  writeFileSync(file, JSON.stringify({ name: 'mnist-run', model: 'm.onnx', data: 'x.npy' }));
  assert.equal(completeSettings([readCampaignFile(file)], { defaultErrorModels: '/e', cwd: '/w' }).out, '/w/results/mnist-run');
});
