import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeSettings, type RawSettings } from '../../src/campaign/settings.js';
import { planCampaign, runCampaign } from '../../src/campaign/runner.js';
import { labelsOutsideClasses } from '../../src/campaign/input-checks.js';
import { plainApproach } from '../../src/campaign/baseline.js';
import { goldenForLayer, prepareModel } from '../../src/campaign/golden.js';
import { packFaults } from '../../src/campaign/injector.js';
import { GeneratedFaults, StoredFaults } from '../../src/campaign/fault-source.js';
import { OUTCOMES } from '../../src/campaign/outcome.js';
import { toShape3 } from '../../src/faults/shape3.js';
import { exposeTensors, GraphIndex, loadModel } from '../../src/onnx/index.js';
import { createSession, inferTensorTypes } from '../../src/runtime/index.js';
import { loadNpy } from '../../src/data/index.js';
import { writeFaultsJsonl } from '../../src/faults/jsonl.js';
import { parseCsv } from '../../src/report/csv-read.js';
import { formatNumber } from '../../src/report/injections.js';
import { referenceModelsDir, repoPath } from '../helpers.js';
import { LENET, LENET_DATA, LENET_LABELS, RESNET, RESNET_DATA, makeFault, runLayerFaults, tempDir } from './fixtures.js';

const tmp = () => tempDir('classes-runner-');
const settings = (raw: RawSettings) => completeSettings([{ workers: 2, batch: 8, ...raw }], { defaultErrorModels: '/nonexistent' });
const rows = (out: string) => parseCsv(readFileSync(join(out, 'injections.csv'), 'utf8')).slice(1);

test('hand-made faults: a NaN, a huge value, values equal to golden', async () => {
  const dir = tmp();
  // golden /Relu output of input 0, from a model that exposes it
  const loaded = loadModel(LENET);
  const s = await createSession(exposeTensors(loaded.model, ['/Relu_output_0']), {});
  const x0 = loadNpy(LENET_DATA);
  const input = { type: 'float32' as const, dims: [1, 1, 28, 28], data: (x0.data as Float32Array).slice(0, 784) };
  const relu = (await s.run({ [s.inputNames[0]]: input }, ['/Relu_output_0']))['/Relu_output_0'].data as Float32Array;
  await s.release();
  const positions = [0, 100, 200, 300, 400];
  const faults = [
    makeFault('/Relu', '/Relu_output_0', 0, positions, positions.map((p) => relu[p])), // equal to golden of input 0
    makeFault('/Relu_3', '/Relu_3_output_0', 0, [5], [NaN]),
    makeFault('/Relu_3', '/Relu_3_output_0', 1, [7], [1e30]),
  ];
  const list = join(dir, 'hand.jsonl');
  writeFaultsJsonl(list, faults);
  const out = join(dir, 'out');
  const setup = planCampaign(settings({ model: LENET, data: LENET_DATA, labels: LENET_LABELS, faults: list, inputs: 6, out }));
  const r = await runCampaign(setup);
  const rs = rows(out);
  assert.equal(rs.length, 3 * 6);
  // (layer, fault, input) order
  assert.deepEqual(rs.map((x) => `${x[0]}/${x[2]}/${x[5]}`).slice(0, 7), ['/Relu/0/0', '/Relu/0/1', '/Relu/0/2', '/Relu/0/3', '/Relu/0/4', '/Relu/0/5', '/Relu_3/0/0']);
  const equal = rs[0];
  assert.equal(equal[9], 'masked');
  assert.equal(equal[10], '0');
  assert.equal(equal[7], equal[8]);
  assert.ok(r.manifest.totals.skippedWithoutRunning >= 1);
  const nan = rs.filter((x) => x[0] === '/Relu_3' && x[2] === '0');
  assert.ok(nan.every((x) => x[9] === 'non-finite' && x[8] === '' && x[10] === 'nan'), JSON.stringify(nan));
  const huge = rs.filter((x) => x[0] === '/Relu_3' && x[2] === '1');
  // 1e30 in one input of the last Gemm dominates every score: the same top-1 for every input
  assert.equal(new Set(huge.map((x) => x[8])).size, 1);
  for (const x of huge) assert.equal(x[9], x[7] === x[8] ? 'sdc-safe' : 'sdc-critical');
  assert.ok(huge.some((x) => x[9] === 'sdc-critical'));
  // labels column
  const labels = loadNpy(LENET_LABELS);
  assert.equal(rs[1][6], String(Number(labels.data[1])));
});

test('residual model: the runner agrees bit for bit with the plain approach (whole suffixes, --window off)', async () => {
  const batchRows = new Map<number, string[][]>();
  // the package's error models; the reference GPU models when they are around
  const ref = referenceModelsDir();
  const errorModels = ref ? join(ref, 'faulty_warp_models') : repoPath('error_models');
  const layers = ['/stem/Conv', '/block2/conv1/Conv', '/block2/down/down.1/BatchNormalization', '/GlobalAveragePool'];
  // Batches of 5 put other inputs in a slot from run to run; of 4 and 8, the same inputs, whose
  // slots then only get the last fault's positions put back (injector.ts, slotInput).
  for (const batch of [4, 8]) {
    const out = join(tmp(), 'out');
    const again = planCampaign(settings({ model: RESNET, data: RESNET_DATA, errorModels, layers, faultsPerLayer: 6, inputs: 4, seed: 3, out, batch, window: 'off', workers: 1 }));
    await runCampaign(again);
    batchRows.set(batch, rows(out));
  }
  const out = join(tmp(), 'out');
  const setup = planCampaign(settings({ model: RESNET, data: RESNET_DATA, errorModels, layers, faultsPerLayer: 6, inputs: 4, seed: 3, out, batch: 5, window: 'off' }));
  const r = await runCampaign(setup);
  for (const [batch, other] of batchRows) assert.deepEqual(other, rows(out), `--batch ${batch}`);
  const rs = rows(out);
  assert.equal(rs.length, layers.length * 6 * 4);
  assert.deepEqual(r.manifest.layers.find((l) => l.name === '/block2/conv1/Conv')!.boundary.length, 2); // the skip connection
  const pm = await prepareModel(setup.loaded, setup.inputs);
  for (let l = 0; l < setup.targets.length; l++) {
    const t = setup.targets[l];
    const facts = r.manifest.layers[l];
    const src = new GeneratedFaults(setup.models!.get(t.errorModel!)!, { layer: t.name, output: t.output, shape: toShape3(facts.shape), range: facts.range! }, 3);
    const faults = Array.from({ length: 6 }, (_, i) => src.fault(i));
    const plain = await plainApproach(pm, t.output, setup.inputs, faults, { provider: 'cpu', classify: { criteria: 'default', topK: 1, tolerance: 0 } });
    const mine = rs.filter((x) => x[0] === t.name);
    mine.forEach((x, slot) => {
      assert.equal(x[9], OUTCOMES[plain.outcome[slot]], `${t.name} row ${slot}`);
      assert.equal(x[10], formatNumber(plain.maxAbsDiff[slot]), `${t.name} row ${slot}`);
    });
  }
});

test('stored fault list: every fault, once, in index order; shard of a list', async () => {
  const dir = tmp();
  const faults = [3, 9, 4].map((index) => makeFault('/conv2/Conv', '/conv2/Conv_output_0', index, [index], [2]));
  const list = join(dir, 'l.jsonl');
  writeFaultsJsonl(list, faults);
  const out = join(dir, 'out');
  const setup = planCampaign(settings({ model: LENET, data: LENET_DATA, faults: list, inputs: 2, out, layers: ['/conv2/Conv_output_0'] }));
  assert.equal(setup.plan.layers[0].faults, 3);
  assert.ok(new StoredFaults(list, setup.targets[0].listLayer!).fault(0).index === 3);
  await runCampaign(setup);
  assert.deepEqual(rows(out).map((x) => x[2]), ['3', '3', '4', '4', '9', '9']);
});

test('--faults-per-layer auto: Leveugle sample sizes, finite for a stored list', () => {
  const dir = tempDir('classes-runner-');
  const list = join(dir, 'l.jsonl');
  const faults = [
    ...Array.from({ length: 3 }, (_, i) => makeFault('/conv1/Conv', '/conv1/Conv_output_0', i, [i], [1])),
    ...Array.from({ length: 20 }, (_, i) => makeFault('/conv2/Conv', '/conv2/Conv_output_0', i, [i], [1])),
  ];
  writeFaultsJsonl(list, faults);
  const stored = planCampaign(settings({ model: LENET, data: LENET_DATA, faults: list, inputs: 2, out: join(dir, 'o'), faultsPerLayer: 'auto', margin: 0.2 }));
  // N / (1 + e^2 (N - 1) / (1.96^2 / 4)): N = 3 -> 3, N = 20 -> 12
  assert.deepEqual(stored.plan.layers.map((l) => [l.name, l.faults]), [['/conv1/Conv', 3], ['/conv2/Conv', 12]]);
  const generated = planCampaign(settings({ model: LENET, data: LENET_DATA, errorModels: repoPath('error_models'), layers: ['/Relu'], inputs: 2, out: join(dir, 'o'), faultsPerLayer: 'auto', margin: 0.2 }));
  assert.deepEqual(generated.plan.layers.map((l) => l.faults), [25]); // 1.96^2 / (4 * 0.04) = 24.01
  // a margin whose sample would pass gen-faults' limit is refused up front, with one that fits
  assert.throws(
    () => planCampaign(settings({ model: LENET, data: LENET_DATA, errorModels: repoPath('error_models'), layers: ['/Relu'], inputs: 2, out: join(dir, 'o'), faultsPerLayer: 'auto', margin: 0.0001 })),
    (err: unknown) => err instanceof ClassesError && err.exitCode === 2 && /asks for 96036471 faults per layer, over the limit of 1000000; use --margin 0.00098 or more/.test(err.message),
  );
});

test('a model that cannot take a batch runs one copy per run, with the same outcomes', async () => {
  const loaded = loadModel(repoPath('test', 'fixtures', 'lenet-batch1.onnx'));
  const x = loadNpy(LENET_DATA);
  const inputs = { data: (x.data as Float32Array).slice(0, 4 * 784), count: 4, sampleDims: [1, 28, 28] };
  const dynamic = await prepareModel(loaded, inputs);
  // the same model, as if the batch could not be freed: the original graph, batch 1 everywhere
  const index = new GraphIndex(loaded.model);
  const names = [...index.nodes.flatMap((n) => n.outputs), ...index.inputs.map((i) => i.name)].filter((n) => n !== '' && !index.isConstant(n));
  const fixed = { ...dynamic, base: loaded.model, batchDynamic: false, batchNotes: ['forced by the test'], types: await inferTensorTypes(loaded.model, names) };
  const faults = packFaults([makeFault('/conv2/Conv', '/conv2/Conv_output_0', 0, [3, 500], [7, -2]), makeFault('/conv2/Conv', '/conv2/Conv_output_0', 1, [9], [NaN])]);
  const run = async (pm: typeof dynamic, batch: number) => {
    const g = await goldenForLayer(pm, '/conv2/Conv_output_0', inputs, { provider: 'cpu', batch, padBatches: false });
    const r = await runLayerFaults(g, pm.scoresName, 4, { ...faults, offsets: faults.offsets.slice(), indices: faults.indices.slice(), values: faults.values.slice() }, { batch });
    return { g, r };
  };
  const a = await run(fixed, 8);
  const b = await run(dynamic, 8);
  assert.equal(a.g.batchDynamic, false);
  assert.equal(b.g.batchDynamic, true);
  assert.equal(a.r.runs, 8); // one copy per run
  assert.equal(b.r.runs, 1);
  assert.deepEqual([...a.r.outcome], [...b.r.outcome]);
  assert.deepEqual([...a.r.faultyTop1], [...b.r.faultyTop1]);
});

test('labels that are no class of the model are pointed out (not for one score, where 0/1 labels are a binary classifier\'s)', () => {
  assert.equal(labelsOutsideClasses(null, 10), null);
  assert.equal(labelsOutsideClasses(Int32Array.of(0, 9, 3), 10), null);
  assert.equal(labelsOutsideClasses(Int32Array.of(0, 1, 1), 1), null);
  assert.equal(labelsOutsideClasses(Int32Array.of(2, 99, -1, 4), 5), '2 of 4 labels are not classes of the model (0..4), the first 99 at input 1');
});

test('the batch is part of a GPU campaign\'s plan (GPU kernels may round by batch size), not of a CPU one\'s', () => {
  const dir = tmp();
  const key = (provider: 'cpu' | 'webgpu', batch: number | 'auto') =>
    planCampaign(settings({ model: LENET, data: LENET_DATA, errorModels: repoPath('error_models'), faultsPerLayer: 2, inputs: 2, provider, batch, workers: 1, out: join(dir, 'out') })).planKey;
  assert.equal(key('cpu', 8), key('cpu', 256), 'CPU results do not depend on the batch');
  assert.notEqual(key('webgpu', 8), key('webgpu', 256), 'a resume or a shard at another --batch must not join a GPU run');
  assert.notEqual(key('cpu', 8), key('webgpu', 8));
  assert.notEqual(key('webgpu', 'auto'), key('webgpu', 256), '--batch auto is a rule of its own');
  assert.equal(key('cpu', 'auto'), key('cpu', 32));
});
