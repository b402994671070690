import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposeTensors } from '../../src/onnx/expose.js';
import { makeBatchDynamic, withSampleDims } from '../../src/onnx/batch.js';
import { GraphIndex } from '../../src/onnx/graph.js';
import { DataType } from '../../src/onnx/dtype.js';
import { makeAttribute } from '../../src/onnx/build.js';
import { splitModel } from '../../src/runtime/split.js';
import { repeatBatch, type HostTensor, type OptimizationLevel } from '../../src/runtime/index.js';
import type { ModelProto } from '../../src/onnx/index.js';
import { inputs, lenetLike, residual } from './models.js';
import { feed, runOnce, sameBits } from './helpers.js';

/*
 * Every rewrite must compute, bit for bit, what the untouched model computes in ONNX Runtime on
 * the CPU. LeNet-like graphs are compared at 'extended'. The residual graph has a Conv followed by
 * a separate BatchNormalization, which ORT fuses already at 'basic' unless the Conv output is
 * needed elsewhere; cutting there changes the last bits (onnxruntime-notes.md), so splits of it
 * are compared at 'disabled'.
 */

const lenetFeed = (n: number) => ({ input: feed(inputs(n, 64, 3), [n, 1, 8, 8]) });
const residualFeed = (n: number) => ({ x: feed(inputs(n, 72, 5), [n, 2, 6, 6]) });

async function assertSplitIdentical(model: ModelProto, cut: string, feeds: Record<string, HostTensor>, level: OptimizationLevel) {
  const plain = await runOnce(model, feeds, level);
  const split = await splitModel(model, cut);
  const pre = await runOnce(split.prefix, feeds, level);
  const suffixFeeds: Record<string, HostTensor> = {};
  for (const t of split.boundary) suffixFeeds[t] = pre[t] ?? feeds[t];
  const post = await runOnce(split.suffix, suffixFeeds, level);
  for (const out of split.suffixOutputs) assert.ok(sameBits(post[out], plain[out]), `${cut}: output ${out} differs`);
  for (const out of split.unaffectedOutputs) assert.ok(sameBits(pre[out], plain[out]), `${cut}: output ${out} differs`);
  return split;
}

test('exposing intermediate tensors leaves the outputs bit-identical (extended)', async () => {
  const model = lenetLike();
  const f = lenetFeed(1);
  const plain = await runOnce(model, f);
  const exposed = await runOnce(exposeTensors(model, ['conv_out', 'relu_out', 'pool_out']), f);
  assert.ok(sameBits(exposed.logits, plain.logits));
  assert.deepEqual(exposed.pool_out.dims, [1, 4, 3, 3]);
  const onlyPool = await runOnce(exposeTensors(model, ['pool_out'], { replaceOutputs: true }), f);
  assert.deepEqual(Object.keys(onlyPool), ['pool_out']);
  assert.ok(sameBits(onlyPool.pool_out, exposed.pool_out));
});

test('split at every injectable tensor of a CNN is bit-identical to the plain model (extended)', async () => {
  const model = lenetLike({ batch: null });
  for (const cut of ['conv_out', 'relu_out', 'pool_out', 'fc_out']) {
    const split = await assertSplitIdentical(model, cut, lenetFeed(3), 'extended');
    assert.deepEqual(split.boundary, [cut]);
    assert.equal(split.batchDynamic, true);
  }
});

test('split of a residual block passes the skip connection to the suffix (disabled)', async () => {
  const model = residual();
  const split = await assertSplitIdentical(model, 'a', residualFeed(2), 'disabled');
  assert.deepEqual(split.boundary, ['a', 'x']);
  assert.deepEqual(split.prefixOutputs, ['a']);
  assert.deepEqual(split.boundaryTypes[0], { elemType: DataType.FLOAT, dims: ['N', 2, 6, 6] });
  assert.equal(split.batchDynamic, true);
  // The suffix holds only downstream nodes; the prefix only the first conv.
  assert.deepEqual(new GraphIndex(split.prefix).nodes.map((n) => n.name), ['conv_a']);
  assert.deepEqual(new GraphIndex(split.suffix).nodes.map((n) => n.name), ['bn_a', 'relu_a', 'conv_b', 'skip_add', 'relu_out', 'gap', 'flatten']);
  for (const cut of ['a_bn', 'a_relu', 'b', 'sum', 'gap']) await assertSplitIdentical(model, cut, residualFeed(2), 'disabled');
});

test('a suffix runs stacked faulty copies: batch of K equals K single runs', async () => {
  const model = residual();
  const split = await splitModel(model, 'b');
  const f = residualFeed(1);
  const pre = await runOnce(split.prefix, f, 'disabled');
  const cut = pre.b.data as Float32Array;
  const copies = 3;
  const stacked = new Float32Array(cut.length * copies);
  for (let k = 0; k < copies; k++) {
    stacked.set(cut, k * cut.length);
    stacked[k * cut.length + 5 * k] = 1000 + k; // a different "fault" per copy
  }
  const feeds: Record<string, HostTensor> = { b: feed(stacked, [copies, 2, 6, 6]), x: repeatBatch(f.x, copies) };
  const batched = await runOnce(split.suffix, feeds, 'disabled');
  for (let k = 0; k < copies; k++) {
    const one = await runOnce(split.suffix, { b: feed(stacked.slice(k * cut.length, (k + 1) * cut.length), [1, 2, 6, 6]), x: f.x }, 'disabled');
    const row = (batched.y.data as Float32Array).slice(k * 2, k * 2 + 2);
    assert.ok(sameBits(feed(row, [1, 2]), one.y));
  }
});

test('a batch-1 export becomes batch-dynamic by patching its Reshape constant', async () => {
  const model = lenetLike({ batch: 1 });
  const result = makeBatchDynamic(model);
  assert.equal(result.dynamic, true);
  assert.equal(result.frozenBatch, 1);
  assert.deepEqual(result.patchedReshapes, ['flatten']);
  const batched = await runOnce(result.model, lenetFeed(4));
  const data = lenetFeed(4).input.data as Float32Array;
  for (let k = 0; k < 4; k++) {
    const alone = await runOnce(model, { input: feed(data.slice(k * 64, (k + 1) * 64), [1, 1, 8, 8]) });
    assert.ok(sameBits(feed((batched.logits.data as Float32Array).slice(k * 10, (k + 1) * 10), [1, 10]), alone.logits));
  }
  // The original model still refuses a batch of 4: the rewrite worked on a copy.
  await assert.rejects(runOnce(model, lenetFeed(4)));
});

test('symbolic sample dims of the input take the data\'s; the batch stays free and a model without symbols is returned as it is', () => {
  const model = residual();
  const dims = (m: ModelProto) => m.graph!.input[0].type!.value.value!.shape!.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.value));
  assert.equal(withSampleDims(model, 'x', [2, 6, 6]), model);
  const vi = model.graph!.input[0].type!.value.value!.shape!;
  const dynamic = structuredClone(model);
  const dyn = dynamic.graph!.input[0].type!.value.value!.shape!;
  dyn.dim[2] = { ...vi.dim[0] };
  dyn.dim[3] = { ...vi.dim[0], value: { case: 'dimParam', value: 'W' } };
  assert.deepEqual(dims(dynamic), ['N', 2, 'N', 'W']);
  const fixed = withSampleDims(dynamic, 'x', [2, 6, 6]);
  assert.deepEqual(dims(fixed), ['N', 2, 6, 6]);
  assert.deepEqual(dims(dynamic), ['N', 2, 'N', 'W']);
});

test('a Reshape with allowzero=1 and -1 elsewhere cannot be patched: reported, not dynamic', () => {
  const model = lenetLike({ batch: 1, opset: 14 });
  // allowzero=1: 0 would mean a literal zero, and [1,-1] has no room for a second -1.
  model.graph!.node[3].attribute.push(makeAttribute('allowzero', 1));
  const result = makeBatchDynamic(model);
  assert.equal(result.dynamic, false);
  assert.match(result.problems[0], /allowzero/);
});
