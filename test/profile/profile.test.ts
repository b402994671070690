import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ClassesError } from '../../src/errors.js';
import { StringStringEntryProtoSchema } from '../../src/onnx/gen/onnx_pb.js';
import { encodeModel, exposeTensors, makeFloatTensor, makeModel, makeNode, makeValueInfo, DataType } from '../../src/onnx/index.js';
import type { ModelProto } from '../../src/onnx/index.js';
import { float32Tensor } from '../../src/runtime/index.js';
import { buildRangeModel, profileModel, profileToJson, readProfile } from '../../src/profile/index.js';
import type { Profile } from '../../src/profile/index.js';
import { loadInputs } from '../../src/data/index.js';
import { repoPath } from '../helpers.js';
import { inputs, lenetLike } from '../onnx/models.js';
import { runOnce } from '../onnx/helpers.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'classes-profile-'));
}

function saved(model: ModelProto): string {
  const path = join(tmp(), 'model.onnx');
  writeFileSync(path, encodeModel(model));
  return path;
}

/** min, max over finite values and the non-finite count, by a plain scan (the reference). */
function scan(data: Float32Array): { min: number | null; max: number | null; nonFinite: number } {
  let min = Infinity;
  let max = -Infinity;
  let nonFinite = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) nonFinite++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min: min <= max ? min : null, max: min <= max ? max : null, nonFinite };
}

const lenetInputs = (n: number) => ({ data: inputs(n, 64, 21), count: n, sampleShape: [1, 8, 8] });

test('ranges over all inputs match a plain scan of the exposed tensors, across batches', async () => {
  const model = lenetLike({ batch: null });
  const profile = await profileModel({ model: saved(model), inputs: lenetInputs(10), batchSize: 3, timingRuns: 2, warmupRuns: 1 });
  assert.deepEqual(profile.layers.map((l) => l.name), ['conv1', 'Relu_1', 'pool1', 'fc_bias']);
  const exposed = await runOnce(exposeTensors(model, profile.layers.map((l) => l.output)), { input: float32Tensor(lenetInputs(10).data, [10, 1, 8, 8]) });
  for (const l of profile.layers) {
    const ref = scan(exposed[l.output].data as Float32Array);
    assert.equal(l.min, ref.min, `${l.name} min`);
    assert.equal(l.max, ref.max, `${l.name} max`);
    assert.equal(l.nonFinite, 0);
    assert.equal(typeof l.ms, 'number');
  }
  assert.deepEqual(profile.layers.map((l) => l.shape), [[4, 6, 6], [4, 6, 6], [4, 3, 3], [10]]);
  assert.deepEqual(profile.layers.map((l) => l.errorModel), ['conv_gemm', 'relu', 'maxpool', 'bias_add']);
  assert.equal(profile.inputs, 10);
  assert.match(profile.modelSha256, /^[0-9a-f]{64}$/);
  assert.equal(profile.batchDynamic, true);
});

test('a batch-1 export profiles to the same ranges as its dynamic twin', async () => {
  const fixed = await profileModel({ model: saved(lenetLike({ batch: 1 })), inputs: lenetInputs(6), timingRuns: 1, warmupRuns: 0 });
  const dynamic = await profileModel({ model: saved(lenetLike({ batch: null })), inputs: lenetInputs(6), timingRuns: 1, warmupRuns: 0 });
  assert.equal(fixed.batchDynamic, true);
  assert.deepEqual(fixed.layers.map((l) => [l.min, l.max]), dynamic.layers.map((l) => [l.min, l.max]));
});

test('NaN and Inf are counted, and ranges cover finite values only', async () => {
  // y = Tanh(Relu(Log(x))): Log gives NaN for x < 0 and -inf for 0; Relu keeps NaN, maps -inf to 0.
  const model = makeModel({
    inputs: [makeValueInfo('x', DataType.FLOAT, ['N', 4])],
    outputs: [makeValueInfo('y', DataType.FLOAT, ['N', 4])],
    nodes: [makeNode('Log', ['x'], ['l'], { name: 'log' }), makeNode('Relu', ['l'], ['r'], { name: 'relu' }), makeNode('Tanh', ['r'], ['y'], { name: 'tanh' })],
  });
  const x = Float32Array.from([1, 2, -1, 0, 3, 0.5, 4, 8, 1, 1, 1, 1]);
  const profile = await profileModel({ model: saved(model), inputs: { data: x, count: 3, sampleShape: [4] }, all: true, batchSize: 2, timingRuns: 1, warmupRuns: 0 });
  const exposed = await runOnce(exposeTensors(model, ['l', 'r', 'y']), { x: float32Tensor(x, [3, 4]) });
  for (const [layer, tensor] of [['log', 'l'], ['relu', 'r'], ['tanh', 'y']]) {
    const l = profile.layers.find((p) => p.name === layer)!;
    const ref = scan(exposed[tensor].data as Float32Array);
    assert.deepEqual({ min: l.min, max: l.max, nonFinite: l.nonFinite }, ref, layer);
  }
  assert.equal(profile.layers.find((p) => p.name === 'log')!.nonFinite, 2);
  assert.equal(profile.layers.find((p) => p.name === 'log')!.errorModel, null);
  assert.equal(profile.layers.find((p) => p.name === 'log')!.injectable, false);
});

test('layer selection by node or tensor name, with clear errors', async () => {
  const path = saved(lenetLike({ batch: null }));
  const p = await profileModel({ model: path, inputs: lenetInputs(2), layers: ['pool_out', 'conv1'], timingRuns: 1, warmupRuns: 0 });
  assert.deepEqual(p.layers.map((l) => l.name), ['conv1', 'pool1']); // graph order, whatever order they were asked in
  await assert.rejects(profileModel({ model: path, inputs: lenetInputs(2), layers: ['nope'] }), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /--layers/.test(e.message));
  await assert.rejects(profileModel({ model: path, inputs: lenetInputs(2), layers: ['fc'] }), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /not injectable.*--all/.test(e.message));
  const all = await profileModel({ model: path, inputs: lenetInputs(2), layers: ['fc'], all: true, timingRuns: 1, warmupRuns: 0 });
  assert.equal(all.layers[0].op, 'Gemm');
});

test('inputs that do not match the model are a usage error', async () => {
  await assert.rejects(
    profileModel({ model: saved(lenetLike({ batch: null })), inputs: { data: new Float32Array(2 * 49), count: 2, sampleShape: [1, 7, 7] } }),
    (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /\[1,8,8\]/.test(e.message),
  );
});

test('the range graph needs opset 9 (Where)', () => {
  assert.throws(() => buildRangeModel(lenetLike({ opset: 8 }), [{ name: 'conv_out', elemType: DataType.FLOAT }]), /opset 8/);
});

test('readProfile accepts what profile writes and names the file and field when malformed', async () => {
  const dir = tmp();
  const profile = await profileModel({ model: saved(lenetLike({ batch: null })), inputs: lenetInputs(2), timingRuns: 1, warmupRuns: 0 });
  const good = join(dir, 'profile.json');
  writeFileSync(good, profileToJson(profile));
  assert.deepEqual(readProfile(good), JSON.parse(profileToJson(profile)) as Profile);

  const broken = JSON.parse(profileToJson(profile)) as { layers: { shape: unknown }[] };
  broken.layers[1].shape = 'big';
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify(broken));
  assert.throws(() => readProfile(bad), (e: unknown) => e instanceof ClassesError && e.exitCode === 1 && e.message.includes(bad) && e.message.includes('layers[1].shape'));
  const text = join(dir, 'text.json');
  writeFileSync(text, '{ not json');
  assert.throws(() => readProfile(text), (e: unknown) => e instanceof ClassesError && e.message.includes(text));
  assert.throws(() => readProfile(join(dir, 'missing.json')), (e: unknown) => e instanceof ClassesError && e.exitCode === 2);
});

test('a model with external data profiles like the inline one', async () => {
  const dir = tmp();
  const model = lenetLike({ batch: 1 });
  const w = model.graph!.initializer.find((t) => t.name === 'fc.w')!;
  writeFileSync(join(dir, 'model.onnx.data'), w.rawData);
  delete (w as { rawData?: Uint8Array }).rawData;
  w.dataLocation = 1;
  w.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: 'model.onnx.data' })];
  writeFileSync(join(dir, 'model.onnx'), encodeModel(model));
  const external = await profileModel({ model: join(dir, 'model.onnx'), inputs: lenetInputs(5), timingRuns: 1, warmupRuns: 0 });
  const inline = await profileModel({ model: saved(lenetLike({ batch: 1 })), inputs: lenetInputs(5), timingRuns: 1, warmupRuns: 0 });
  assert.deepEqual(external.layers.map((l) => [l.min, l.max]), inline.layers.map((l) => [l.min, l.max]));
});

const lenet5 = repoPath('campaigns/lenet5-mnist/model.onnx');
const mnist = repoPath('campaigns/lenet5-mnist/inputs.npy');
test('LeNet-5 on MNIST: eight injectable layers with real ranges', { skip: !(existsSync(lenet5) && existsSync(mnist)) && 'built-in campaign missing' }, async () => {
  const data = loadInputs({ path: mnist, expectedShape: [1, 28, 28], limit: 200 });
  const profile = await profileModel({ model: lenet5, inputs: data, timingRuns: 2, warmupRuns: 1 });
  assert.equal(profile.inputs, 200);
  assert.deepEqual(profile.layers.map((l) => l.errorModel), ['conv_gemm', 'relu', 'maxpool', 'conv_gemm', 'relu', 'maxpool', 'relu', 'relu']);
  assert.deepEqual(profile.layers[0].shape, [6, 28, 28]);
  for (const l of profile.layers) {
    assert.ok(l.min !== null && l.max !== null && l.min < l.max, l.name);
    assert.equal(l.nonFinite, 0);
  }
  assert.equal(profile.layers[1].min, 0, 'a ReLU output starts at 0');
});

test('--all leaves out nodes that compute constants (the Identity aliases of weights PyTorch exports), whose outputs ONNX Runtime folds away', async () => {
  const w = (name: string, dims: number[], v = 0.5) => makeFloatTensor(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(v));
  const model = makeModel({
    nodes: [
      makeNode('Conv', ['x', 'w'], ['c'], { name: 'conv', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
      makeNode('Identity', ['scale'], ['bn.scale_alias'], { name: 'alias' }),
      makeNode('BatchNormalization', ['c', 'bn.scale_alias', 'bias', 'mean', 'var'], ['b'], { name: 'bn' }),
      makeNode('Relu', ['b'], ['y'], { name: 'relu' }),
    ],
    inputs: [makeValueInfo('x', DataType.FLOAT, ['N', 2, 4, 4])],
    outputs: [makeValueInfo('y', DataType.FLOAT, ['N', 3, 4, 4])],
    initializers: [w('w', [3, 2, 3, 3], 0.1), w('scale', [3], 1.5), w('bias', [3], 0.1), w('mean', [3], 0), w('var', [3], 1)],
  });
  const p = await profileModel({ model: saved(model), inputs: { data: inputs(2, 32), count: 2, sampleShape: [2, 4, 4] }, all: true, timingRuns: 1, warmupRuns: 0 });
  assert.deepEqual(p.layers.map((l) => l.name), ['conv', 'bn', 'relu']);
});
