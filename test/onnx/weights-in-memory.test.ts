import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel, externalLocation, holdWeightsInMemory, loadModel, MIN_EXTERNAL_BYTES, tensorFloat32 } from '../../src/onnx/index.js';
import { loadNpy } from '../../src/data/npy.js';
import { toFloat32 } from '../../src/data/convert.js';
import { createSession, float32Tensor, type HostTensor } from '../../src/runtime/index.js';
import { sameBits } from '../../src/util/bits.js';
import { repoPath } from '../helpers.js';
import { lenetLike } from './models.js';

async function logits(source: Uint8Array, externalData: Parameters<typeof holdWeightsInMemory>[1], input: HostTensor): Promise<Float32Array> {
  const s = await createSession(source, { optimization: 'all', externalData });
  try {
    const out = await s.run({ input });
    return Object.values(out)[0].data as Float32Array;
  } finally {
    await s.release();
  }
}

test('weights move to one shared in-memory file, and the model gives the same bits', async () => {
  const loaded = loadModel(repoPath('test', 'fixtures', 'resnet-small.onnx'));
  const held = holdWeightsInMemory(loaded.model, loaded.externalData);
  assert.ok(held.moved > 0);
  assert.equal(held.externalData.length, 1);
  const file = held.externalData[0];
  assert.ok(file.data.buffer instanceof SharedArrayBuffer, 'workers share the file instead of copying it');
  assert.equal(file.data.length, held.bytes);

  const before = new Map(loaded.model.graph!.initializer.map((t) => [t.name, t]));
  let moved = 0;
  for (const t of held.model.graph!.initializer) {
    const old = before.get(t.name)!;
    if (old.rawData.length < MIN_EXTERNAL_BYTES) {
      assert.equal(t, old, `${t.name} is small and stays inside the model`);
      continue;
    }
    moved++;
    assert.equal(externalLocation(t), file.path);
    assert.equal(t.rawData.length, 0);
    const offset = Number(t.externalData.find((e) => e.key === 'offset')!.value);
    assert.equal(offset % 64, 0, `${t.name} starts on a cache line`);
    assert.ok(sameBits(tensorFloat32(t, held.externalData), tensorFloat32(old)), `${t.name} keeps its values`);
  }
  assert.equal(moved, held.moved);
  // The user's model is left as it was.
  assert.ok(loaded.model.graph!.initializer.every((t) => externalLocation(t) === undefined));

  const encoded = encodeModel(held.model);
  assert.ok(encoded.length * 10 < loaded.bytes.length, `the model without its weights is small (${encoded.length} of ${loaded.bytes.length} bytes)`);
  const x = loadNpy(repoPath('test', 'fixtures', 'resnet-small-inputs.npy'));
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const input = float32Tensor(toFloat32(x).slice(0, 4 * per), [4, ...x.shape.slice(1)]);
  const inline = await logits(loaded.bytes, [], input);
  const external = await logits(encoded, held.externalData, input);
  assert.ok(sameBits(inline, external), 'the same logits, bit for bit');
});

test("the in-memory file is named by its content, never by a name the model's own data files take; a model without large weights stays as it is", () => {
  const model = lenetLike();
  const first = holdWeightsInMemory(model, [], 64);
  assert.ok(first.moved > 0);
  assert.match(first.externalData[0].path, /^classes-weights-[0-9a-f]{32}\.bin$/);
  assert.equal(holdWeightsInMemory(lenetLike(), [], 64).externalData[0].path, first.externalData[0].path, 'the same weights, the same name');
  const other = lenetLike();
  const w = other.graph!.initializer.find((t) => t.rawData.length >= 64)!;
  w.rawData = w.rawData.map((b, k) => (k === 0 ? b ^ 1 : b));
  assert.notEqual(holdWeightsInMemory(other, [], 64).externalData[0].path, first.externalData[0].path, 'other weights, another name (sessions are cached by it)');

  const own = [{ path: first.externalData[0].path, data: new Uint8Array(4) }];
  const held = holdWeightsInMemory(model, own, 64);
  assert.equal(held.externalData.length, 2);
  assert.equal(held.externalData[0], own[0]);
  assert.notEqual(held.externalData[1].path, own[0].path);
  for (const t of held.model.graph!.initializer) {
    const loc = externalLocation(t);
    if (loc !== undefined) assert.equal(loc, held.externalData[1].path);
  }

  const none = holdWeightsInMemory(model, own, 1 << 30);
  assert.equal(none.moved, 0);
  assert.equal(none.model, model);
  assert.deepEqual(none.externalData, own);
});
