import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadModel } from '../../src/onnx/model.js';
import { makeNode, makeModel, makeValueInfo } from '../../src/onnx/build.js';
import { makeInt64Tensor } from '../../src/onnx/tensor.js';
import { DataType } from '../../src/onnx/dtype.js';
import { float32Tensor, prepareBatchDynamic, sliceBatch } from '../../src/runtime/index.js';
import { repoPath } from '../helpers.js';
import { inputs, lenetLike } from '../onnx/models.js';
import { runOnce, sameBits } from '../onnx/helpers.js';

test('prepareBatchDynamic proves a patched batch-1 model against single runs', async () => {
  const two = { input: float32Tensor(inputs(2, 64, 4), [2, 1, 8, 8]) };
  const r = await prepareBatchDynamic(lenetLike({ batch: 1 }), two);
  assert.equal(r.batchDynamic, true);
  assert.match(r.notes.join(';'), /Reshape flatten/);
  const out = await runOnce(r.model, two);
  assert.deepEqual(out.logits.dims, [2, 10]);
});

test('a batch hidden in an Expand constant is caught by the test run', async () => {
  // y = Expand(x, [1, 4]) + x: works at batch 1 only.
  const model = makeModel({
    inputs: [makeValueInfo('x', DataType.FLOAT, [1, 4])],
    outputs: [makeValueInfo('y', DataType.FLOAT, [1, 4])],
    initializers: [makeInt64Tensor('shape', [2], [1, 4])],
    nodes: [
      makeNode('ReduceMean', ['x'], ['m'], { attrs: { axes: [0], keepdims: 1 } }),
      makeNode('Expand', ['m', 'shape'], ['e']),
      makeNode('Add', ['e', 'x'], ['y']),
    ],
  });
  const r = await prepareBatchDynamic(model, { x: float32Tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]) });
  assert.equal(r.batchDynamic, false);
  assert.equal(r.model, model, 'the original model is kept');
  assert.ok(r.notes.some((n) => /Expand/.test(n)));
});

const batch1 = repoPath('test/fixtures/lenet-batch1.onnx');
test('the batch-1 LeNet fixture becomes batch-dynamic, bit-identical to single runs', { skip: !existsSync(batch1) && 'fixture missing' }, async () => {
  const loaded = loadModel(batch1);
  const data = inputs(3, 784, 2).map((v) => (v + 1) / 2);
  const r = await prepareBatchDynamic(loaded.model, { input: float32Tensor(data.slice(0, 2 * 784), [2, 1, 28, 28]) });
  assert.equal(r.batchDynamic, true);
  const batched = await runOnce(r.model, { input: float32Tensor(data, [3, 1, 28, 28]) });
  for (let k = 0; k < 3; k++) {
    const alone = await runOnce(loaded.model, { input: float32Tensor(data.slice(k * 784, (k + 1) * 784), [1, 1, 28, 28]) });
    assert.ok(sameBits(sliceBatch(batched.logits, k), alone.logits));
  }
});
