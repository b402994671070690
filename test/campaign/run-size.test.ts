import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheBoundBatch, GPU_AUTO_BATCH, gpuLayerBatch, largestSampleBytes, RUN_CACHE_BYTES } from '../../src/campaign/run-size.js';
import { goldenForLayer, prepareModel } from '../../src/campaign/golden.js';
import { completeSettings } from '../../src/campaign/settings.js';
import { planCampaign, runCampaign } from '../../src/campaign/runner.js';
import { encodeModel, loadModel, makeFloatTensor, makeModel, makeNode, makeValueInfo, type TensorType } from '../../src/onnx/index.js';
import { saveNpy } from '../../src/data/npy.js';
import { Rng } from '../../src/faults/rng.js';
import { RESNET, RESNET_DATA, convPoolClassifier, tempDir } from './fixtures.js';
import { loadNpy } from '../../src/data/index.js';
import { ROOT } from '../helpers.js';

test('copies per run: at most the batch, fewer where a copy is large, never none', () => {
  assert.equal(cacheBoundBatch(32, 64 * 1024), 32);
  assert.equal(cacheBoundBatch(32, RUN_CACHE_BYTES / 3), 3);
  assert.equal(cacheBoundBatch(32, RUN_CACHE_BYTES / 3 + 1), 2);
  assert.equal(cacheBoundBatch(32, RUN_CACHE_BYTES * 4), 1);
  // an unknown size keeps the batch
  assert.equal(cacheBoundBatch(32, 0), 32);
  assert.equal(cacheBoundBatch(5, Number.NaN), 5);
});

test('largest tensor of one sample: node outputs and inputs, batch axis left out, unknown dims ignored', () => {
  const model = makeModel({
    nodes: [makeNode('Relu', ['x'], ['a']), makeNode('Flatten', ['a'], ['b']), makeNode('Cast', ['b'], ['c'], { attrs: { to: 11 } })],
    inputs: [makeValueInfo('x', 1, ['N', 3, 4, 5])],
    outputs: [makeValueInfo('c', 11, ['N', 60])],
  });
  const types = new Map<string, TensorType>([
    ['x', { elemType: 1, dims: ['N', 3, 4, 5] }],
    ['a', { elemType: 1, dims: ['N', 3, 4, 5] }],
    ['b', { elemType: 1, dims: [null, 'F'] }],
    ['c', { elemType: 11, dims: ['N', 60] }],
  ]);
  // the float64 output: 60 elements of 8 bytes
  assert.equal(largestSampleBytes(model, types), 480);
  types.delete('c');
  assert.equal(largestSampleBytes(model, types), 240);
});

/** A one-Conv classifier whose Conv output is `bytes` per sample (4 channels of side x side floats). */
function bigMapModel(side: number): Uint8Array {
  const rng = new Rng('run-size-weights');
  const weight = (name: string, dims: number[]) => makeFloatTensor(name, dims, Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)));
  return encodeModel(convPoolClassifier({ inputDims: [1, side, side], classes: 3, weight }));
}

test('a layer whose copies are large stacks fewer of them on the CPU, with the same reports as one copy per run', async () => {
  const dir = tempDir('classes-run-size-');
  // Conv output 4 x 420 x 420 floats, about 2.7 MiB per copy: 3 copies per run fit in 8 MiB.
  const side = 420;
  const model = join(dir, 'big.onnx');
  writeFileSync(model, bigMapModel(side));
  const rng = new Rng('run-size-inputs');
  const count = 4;
  saveNpy(join(dir, 'x.npy'), { data: Float32Array.from({ length: count * side * side }, () => rng.uniform(-1, 1)), shape: [count, 1, side, side] });
  const loaded = loadModel(model);
  const x = loadNpy(join(dir, 'x.npy'));
  const inputs = { data: x.data as Float32Array, count, sampleDims: [1, side, side] };
  const pm = await prepareModel(loaded, inputs);
  const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 32, padBatches: false, window: 'on' });
  assert.equal(g.batch, Math.floor(RUN_CACHE_BYTES / (4 * 4 * side * side)));
  assert.ok(g.batch > 1 && g.batch < count, `batch ${g.batch}`);
  // the windowed set-up's checks ran their eight test faults a few at a time, and passed
  assert.ok(g.windowed !== null, g.windowRefused ?? '');

  const run = async (batch: number, out: string) => {
    const settings = completeSettings([{ model, data: join(dir, 'x.npy'), faultsPerLayer: 6, seed: 3, batch, workers: 1, out: join(dir, out) }], { defaultErrorModels: join(ROOT, 'error_models') });
    await runCampaign(planCampaign(settings));
    return join(dir, out);
  };
  const capped = await run(32, 'capped');
  const single = await run(1, 'single');
  const manifest = JSON.parse(readFileSync(join(capped, 'manifest.json'), 'utf8')) as { layers: { name: string; batch: number }[] };
  const conv = manifest.layers.find((l) => l.name === 'Conv_0');
  assert.equal(conv?.batch, g.batch);
  for (const f of ['injections.csv', 'summary.csv']) assert.equal(readFileSync(join(capped, f), 'utf8'), readFileSync(join(single, f), 'utf8'), f);
});

test('the residual fixture keeps the full batch: its tensors are small', async () => {
  const loaded = loadModel(RESNET);
  const x = loadNpy(RESNET_DATA);
  const sampleDims = x.shape.slice(1);
  const inputs = { data: (x.data as Float32Array).subarray(0, 4 * sampleDims.reduce((a, b) => a * b, 1)), count: 4, sampleDims };
  const pm = await prepareModel(loaded, inputs);
  const g = await goldenForLayer(pm, '/stem/Conv_output_0', inputs, { provider: 'cpu', batch: 32, padBatches: false });
  assert.equal(g.batch, 32);
});

test('--batch auto on a GPU: 1/16 of a layer\'s copies, between 32 and 256, within the memory bound and the copies', () => {
  assert.equal(gpuLayerBatch(100 * 64, 6 * 28 * 28 * 4), 256, 'the built-in campaign: 6,400 copies per layer');
  assert.equal(gpuLayerBatch(50 * 16, 16 * 32 * 32 * 4), 50, 'resnet-small, 50 faults × 16 inputs: 800 / 16');
  assert.equal(gpuLayerBatch(30 * 8, 64 * 112 * 112 * 4), 32, 'few copies: the CPU default');
  assert.equal(gpuLayerBatch(500 * 16, 64 * 112 * 112 * 4), Math.floor(GPU_AUTO_BATCH.runBytes / (64 * 112 * 112 * 4)), 'large maps: the memory bound (81)');
  assert.equal(gpuLayerBatch(20, 1024), 20, 'never more than the copies');
  assert.equal(gpuLayerBatch(100_000, null), 256, 'unknown sizes: no memory bound');
  assert.equal(gpuLayerBatch(1000, 2 ** 30), 1, 'at least one');
});
