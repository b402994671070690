import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { ClassesError } from '../../src/errors.js';
import { encodeModel, loadModel } from '../../src/onnx/model.js';
import { StringStringEntryProtoSchema } from '../../src/onnx/gen/onnx_pb.js';
import { createSession, CUDA_INSTALL_COMMAND, float32Tensor, inferTensorTypes, repeatBatch, withSession } from '../../src/runtime/index.js';
import { ortMessage } from '../../src/runtime/session.js';
import { DataType } from '../../src/onnx/dtype.js';
import { inputs, lenetLike } from '../onnx/models.js';
import { runOnce, sameBits } from '../onnx/helpers.js';

const sample = () => ({ input: float32Tensor(inputs(1, 64, 9), [1, 1, 8, 8]) });

test('a session runs a model from a ModelProto, bytes or a path, and releases', async () => {
  const model = lenetLike();
  const dir = mkdtempSync(join(tmpdir(), 'classes-rt-'));
  const path = join(dir, 'm.onnx');
  writeFileSync(path, encodeModel(model));
  const results = [];
  for (const source of [model, encodeModel(model), path, loadModel(path)]) {
    results.push(await withSession(source, {}, async (s) => {
      assert.equal(s.provider, 'cpu');
      assert.deepEqual(s.inputNames, ['input']);
      return (await s.run(sample())).logits;
    }));
  }
  for (const r of results) assert.ok(sameBits(r, results[0]));
  const s = await createSession(model);
  await s.release();
  await assert.rejects(s.run(sample()), /after release/);
});

test('--provider cuda without the CUDA libraries is a one-line error naming the install command', async () => {
  process.env.CLASSES_FORCE_NO_CUDA = '1';
  try {
    await assert.rejects(createSession(lenetLike(), { provider: 'cuda' }), (e: unknown) => {
      return e instanceof ClassesError && e.exitCode === 1 && e.message.includes(CUDA_INSTALL_COMMAND) && !e.message.includes('\n');
    });
    const warnings: string[] = [];
    const s = await createSession(lenetLike(), { provider: 'auto', onWarning: (m) => warnings.push(m) });
    assert.equal(s.provider, 'cpu');
    await s.release();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /running on the CPU/);
  } finally {
    delete process.env.CLASSES_FORCE_NO_CUDA;
  }
});

test('a model that ONNX Runtime rejects gives a one-line runtime error', async () => {
  const broken = lenetLike();
  broken.graph!.node[0].opType = 'NoSuchOp';
  await assert.rejects(createSession(broken, { label: 'broken.onnx' }), (e: unknown) => e instanceof ClassesError && e.message.startsWith('broken.onnx') && !e.message.includes('\n'));
  const s = await createSession(lenetLike());
  await assert.rejects(s.run({ input: float32Tensor(new Float32Array(10), [1, 10]) }), (e: unknown) => e instanceof ClassesError && e.exitCode === 1);
  await s.release();
});

test('a model with external data runs bit-identical to the inline model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'classes-ext-'));
  const model = lenetLike();
  const w = model.graph!.initializer.find((t) => t.name === 'conv.w')!;
  writeFileSync(join(dir, 'm.data'), w.rawData);
  delete (w as { rawData?: Uint8Array }).rawData;
  w.dataLocation = 1;
  w.externalData = [create(StringStringEntryProtoSchema, { key: 'location', value: 'm.data' })];
  writeFileSync(join(dir, 'm.onnx'), encodeModel(model));
  const loaded = loadModel(join(dir, 'm.onnx'));
  const fromBytes = await runOnce(loaded.model, sample()).catch(() => undefined);
  assert.equal(fromBytes, undefined, 'without its data file the model cannot run');
  const a = await withSession(loaded, {}, (s) => s.run(sample()));
  const b = await withSession(join(dir, 'm.onnx'), {}, (s) => s.run(sample()));
  const plain = await runOnce(lenetLike(), sample());
  assert.ok(sameBits(a.logits, plain.logits));
  assert.ok(sameBits(b.logits, plain.logits));
});

test('inferTensorTypes reports element types and shapes of intermediate tensors', async () => {
  const types = await inferTensorTypes(lenetLike({ batch: null }), ['input', 'pool_out', 'flat']);
  assert.deepEqual(types.get('input'), { elemType: DataType.FLOAT, dims: ['N', 1, 8, 8] });
  assert.deepEqual(types.get('pool_out')?.dims.slice(1), [4, 3, 3]);
  assert.equal(types.get('flat')?.elemType, DataType.FLOAT);
});

test('repeatBatch stacks copies along dim 0', () => {
  const t = float32Tensor(Float32Array.from([1, 2, 3]), [1, 3]);
  const r = repeatBatch(t, 3);
  assert.deepEqual(r.dims, [3, 3]);
  assert.deepEqual([...(r.data as Float32Array)], [1, 2, 3, 1, 2, 3, 1, 2, 3]);
});

test('sessions work inside worker threads', async () => {
  const script = fileURLToPath(new URL('./worker-fixture.js', import.meta.url));
  const result = await new Promise<number[]>((resolve, reject) => {
    const worker = new Worker(script);
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const plain = await runOnce(lenetLike(), { input: float32Tensor(inputs(1, 64, 9), [1, 1, 8, 8]) });
  assert.deepEqual(result, [...(plain.logits.data as Float32Array)]);
});

test("ONNX Runtime's messages on one line: lines joined, source positions and C++ signatures dropped, its own words kept", () => {
  const cases: [string, string][] = [
    [
      'Load model from m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::__cxx11::basic_string<char>, int>&, bool, int) ONNX Runtime only *guarantees* support',
      'Load model from m.onnx failed: ONNX Runtime only *guarantees* support',
    ],
    // parentheses in the message itself are not a signature
    [
      "tensorprotoutils.cc:1469 ValidateEmbeddedTensorProtoDataSizeAndShape Initializer 'fc1.weight': raw_data size (1000 bytes) does not match expected size (192000 bytes)",
      "ValidateEmbeddedTensorProtoDataSizeAndShape Initializer 'fc1.weight': raw_data size (1000 bytes) does not match expected size (192000 bytes)",
    ],
    [
      'Status Message: /onnxruntime_src/onnxruntime/core/providers/cpu/nn/conv_attributes.h:139 onnxruntime::common::Status onnxruntime::ConvAttributes::ValidateInputShape(const onnxruntime::Tensor*, bool) const X num_dims does not match W num_dims.',
      'Status Message: X num_dims does not match W num_dims.',
    ],
    ['Got invalid dimensions for input: x for the following indices\n index: 0 Got: 1 Expected: 4\n Please fix either the inputs/outputs or the model.\n', 'Got invalid dimensions for input: x for the following indices; index: 0 Got: 1 Expected: 4; Please fix either the inputs/outputs or the model.'],
  ];
  for (const [raw, want] of cases) assert.equal(ortMessage(new Error(raw)), want);
  const long = ortMessage(new Error('x'.repeat(2000)));
  assert.ok(long.length <= 500 && long.endsWith('…'));
});
