import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseEarlyExitCut, isDominator } from '../../src/campaign/early-exit.js';
import { completeSettings, type RawSettings } from '../../src/campaign/settings.js';
import { planCampaign, runCampaign } from '../../src/campaign/runner.js';
import { goldenForLayer, prepareModel } from '../../src/campaign/golden.js';
import { packFaults } from '../../src/campaign/injector.js';
import { GraphIndex, loadModel } from '../../src/onnx/index.js';
import { Rng } from '../../src/faults/rng.js';
import { loadNpy } from '../../src/data/index.js';
import { LENET, LENET_DATA, RESNET, RESNET_DATA, makeFault, randomFaultList, runLayerFaults, tempDir } from './fixtures.js';

const float32 = (): boolean => true;

test('the cut finder picks the first masking dominator and refuses skip connections', () => {
  const model = loadModel(RESNET).model;
  const index = new GraphIndex(model);
  const outs = index.outputs.map((o) => o.name);
  assert.deepEqual(chooseEarlyExitCut(model, '/stem/Conv_output_0', float32), { cut: '/Relu_output_0', stage1Ops: ['BatchNormalization', 'Relu'] });
  // BN, then the Add of the residual block, then its Relu: the block's end dominates
  assert.deepEqual(chooseEarlyExitCut(model, '/block1/conv2/Conv_output_0', float32), { cut: '/block1/Relu_1_output_0', stage1Ops: ['BatchNormalization', 'Add', 'Relu'] });
  assert.deepEqual(chooseEarlyExitCut(model, '/block2/down/down.0/Conv_output_0', float32), { cut: '/block2/Relu_1_output_0', stage1Ops: ['BatchNormalization', 'Add', 'Relu'] });
  // a Conv comes next (too costly for stage 1), or no masking operator within reach
  assert.equal(chooseEarlyExitCut(model, '/block1/Relu_output_0', float32), null);
  assert.equal(chooseEarlyExitCut(model, '/GlobalAveragePool_output_0', float32), null);
  assert.equal(chooseEarlyExitCut(model, '/stem/Conv_output_0', () => false), null);
  // the stem's Relu feeds block 1 and, through the skip connection, its Add
  assert.equal(isDominator(index, '/Relu_output_0', '/block1/Relu_output_0', outs), false);
  assert.equal(isDominator(index, '/Relu_output_0', '/block1/Add_output_0', outs), true);
  // block 2's input reaches its Add through the downsampling branch too
  assert.equal(isDominator(index, '/block1/Relu_1_output_0', '/block2/Relu_output_0', outs), false);
  assert.equal(isDominator(index, '/block1/Relu_1_output_0', '/block2/Relu_1_output_0', outs), true);
  // not downstream, or the tensor itself
  assert.equal(isDominator(index, '/block2/Relu_1_output_0', '/block1/Relu_1_output_0', outs), false);
  assert.equal(isDominator(index, '/Relu_output_0', '/Relu_output_0', outs), false);
  const lenet = loadModel(LENET).model;
  assert.deepEqual(chooseEarlyExitCut(lenet, '/conv1/Conv_output_0', float32), { cut: '/MaxPool_output_0', stage1Ops: ['Relu', 'MaxPool'] });
});

test('LeNet conv1: copies stop after Relu+MaxPool with the outcomes of the whole suffix', async () => {
  const loaded = loadModel(LENET);
  const x = loadNpy(LENET_DATA);
  const inputs = { data: (x.data as Float32Array).slice(0, 4 * 784), count: 4, sampleDims: [1, 28, 28] };
  const pm = await prepareModel(loaded, inputs);
  const target = '/conv1/Conv_output_0';
  const on = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 8, padBatches: false, earlyExit: 'auto' });
  const off = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 8, padBatches: false, earlyExit: 'off' });
  assert.equal(on.earlyExit?.cut, '/MaxPool_output_0');
  assert.equal(off.earlyExit, null);
  assert.deepEqual(on.golden, off.golden);
  // negative values are zeroed by the Relu: most of them die there; large ones survive
  const size = on.targetDims.reduce((a, b) => a * b, 1);
  const rng = new Rng('early-exit-test');
  const faults = Array.from({ length: 24 }, (_, i) => {
    const idx = [rng.index(size), rng.index(size)];
    const vals = i % 3 === 0 ? [NaN, 1] : i % 3 === 1 ? [-rng.uniform(1, 9), -rng.uniform(1, 9)] : [rng.uniform(-9, 9), rng.uniform(-9, 9)];
    return makeFault('/conv1/Conv', target, i, idx, vals);
  });
  const run = (g: typeof on, batch: number) => runLayerFaults(g, pm.scoresName, inputs.count, packFaults(faults), { batch });
  const a = await run(on, 8);
  const b = await run(off, 8);
  const c = await run(on, 1);
  assert.ok(a.stoppedEarly > 0, 'some copies stop after stage 1');
  assert.ok(a.stoppedEarly < a.ran, 'some copies go on to stage 2');
  assert.equal(b.stoppedEarly, 0);
  for (const r of [a, c]) {
    assert.deepEqual(r.outcome, b.outcome);
    assert.deepEqual(r.faultyTop1, b.faultyTop1);
    assert.deepEqual(r.maxAbsDiff, b.maxAbsDiff);
  }

  // The golden run's session, kept and handed to the injector (the in-process pool's way), gives
  // the same outcomes, with early exit (where it is the stage-2 fallback) and without.
  assert.equal(on.suffixSession, null, 'released unless asked for');
  for (const earlyExit of ['auto', 'off'] as const) {
    const kept = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 8, padBatches: false, earlyExit, keepSuffixSession: true });
    assert.notEqual(kept.suffixSession, null);
    assert.deepEqual(kept.golden, off.golden);
    const r = await runLayerFaults(kept, pm.scoresName, inputs.count, packFaults(faults), { batch: 8, handOver: true });
    assert.deepEqual([r.outcome, r.faultyTop1, r.maxAbsDiff], [b.outcome, b.faultyTop1, b.maxAbsDiff]);
  }
});

const settings = (raw: RawSettings) => completeSettings([raw], { defaultErrorModels: '/nonexistent' });

test('residual fixture: reports are byte-identical with early exit on and off, whatever workers and batch', async () => {
  const dir = tempDir('classes-early-exit-');
  const list = await randomFaultList(dir, RESNET, 3, 11);
  const base = { model: RESNET, data: RESNET_DATA, faults: list, inputs: 3 };
  const runs: [string, RawSettings][] = [
    ['off', { earlyExit: 'off', workers: 1, batch: 32 }],
    ['auto-1x1', { earlyExit: 'auto', workers: 1, batch: 1 }],
    ['auto-2x4', { earlyExit: 'auto', workers: 2, batch: 4 }],
  ];
  const files: Record<string, string[]> = {};
  let used: Record<string, unknown> = {};
  for (const [name, raw] of runs) {
    const out = join(dir, name);
    const r = await runCampaign(planCampaign(settings({ ...base, ...raw, out })));
    files[name] = ['injections.csv', 'summary.csv'].map((f) => readFileSync(join(out, f), 'utf8'));
    if (name !== 'off') used = r.manifest.settings.earlyExitLayers as Record<string, unknown>;
  }
  assert.deepEqual(files['auto-1x1'], files.off);
  assert.deepEqual(files['auto-2x4'], files.off);
  assert.deepEqual(used['/block1/conv2/Conv'], { cut: '/block1/Relu_1_output_0', stage1Ops: ['BatchNormalization', 'Add', 'Relu'] });
  assert.equal(used['/block1/Relu'], null);
  assert.ok(files.off[0].split('\n').length > 24 * 3 * 3);
});
