import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ClassesError } from '../../src/errors.js';
import { decodeModel, encodeModel, loadModel } from '../../src/onnx/model.js';
import { tensorDims, tensorFloat32, tensorIntegers } from '../../src/onnx/tensor.js';
import { StringStringEntryProtoSchema } from '../../src/onnx/gen/onnx_pb.js';
import { lenetLike } from './models.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'classes-onnx-'));
}

test('encode → decode → encode is byte-identical', () => {
  const bytes = encodeModel(lenetLike());
  assert.deepEqual(encodeModel(decodeModel(bytes)), bytes);
});

test('fields outside our schema survive a round trip', () => {
  const bytes = encodeModel(lenetLike());
  // ModelProto field 25 (functions) is not in our schema: tag 25<<3|2 = 202 = varint 0xca 0x01,
  // then length 3 and "abc".
  const extra = new Uint8Array([0xca, 0x01, 3, 0x61, 0x62, 0x63]);
  const withExtra = new Uint8Array([...bytes, ...extra]);
  const model = decodeModel(withExtra);
  assert.deepEqual(encodeModel(model), withExtra);
});

test('int64 values keep full precision as bigint', () => {
  const model = lenetLike();
  const big = 2n ** 60n + 3n;
  model.graph!.initializer[0].dims = [big];
  const back = decodeModel(encodeModel(model));
  assert.equal(back.graph!.initializer[0].dims[0], big);
  assert.equal(typeof back.graph!.initializer[0].dims[0], 'bigint');
});

test('tensor values read back from raw_data and typed fields', () => {
  const model = decodeModel(encodeModel(lenetLike()));
  const inits = new Map(model.graph!.initializer.map((t) => [t.name, t]));
  assert.deepEqual(tensorIntegers(inits.get('flat_shape')!), [1n, -1n]);
  assert.deepEqual(tensorDims(inits.get('conv.w')!), [4, 1, 3, 3]);
  assert.equal(tensorFloat32(inits.get('conv.w')!).length, 36);
});

test('garbage, truncated and missing files give one-line errors naming the file', () => {
  const dir = tmp();
  const text = join(dir, 'notes.onnx');
  writeFileSync(text, 'this is not a model\n');
  assert.throws(() => loadModel(text), (e: unknown) => e instanceof ClassesError && e.exitCode === 1 && e.message.includes(text) && !e.message.includes('\n'));

  const truncated = join(dir, 'truncated.onnx');
  const bytes = encodeModel(lenetLike());
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  assert.throws(() => loadModel(truncated), (e: unknown) => e instanceof ClassesError && e.exitCode === 1 && /truncated|not ONNX|not an ONNX/.test(e.message));

  const missing = join(dir, 'missing.onnx');
  assert.throws(() => loadModel(missing), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && e.message.includes(missing));
});

test('external data files are found next to the model, and their absence is reported', () => {
  const dir = tmp();
  const model = lenetLike();
  const w = model.graph!.initializer.find((t) => t.name === 'fc.w')!;
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(16), Buffer.from(w.rawData)]));
  // proto2 presence is an own property: deleting it unsets raw_data.
  delete (w as { rawData?: Uint8Array }).rawData;
  w.dataLocation = 1;
  w.externalData = [
    create(StringStringEntryProtoSchema, { key: 'location', value: 'weights.bin' }),
    create(StringStringEntryProtoSchema, { key: 'offset', value: '16' }),
    create(StringStringEntryProtoSchema, { key: 'length', value: String(360 * 4) }),
  ];
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModel(model));
  const loaded = loadModel(path);
  assert.equal(loaded.externalData.length, 1);
  assert.equal(loaded.externalData[0].path, 'weights.bin');
  const t = loaded.model.graph!.initializer.find((x) => x.name === 'fc.w')!;
  assert.deepEqual(tensorFloat32(t, loaded.externalData), tensorFloat32(lenetLike().graph!.initializer.find((x) => x.name === 'fc.w')!));

  const lonely = join(tmp(), 'model.onnx');
  writeFileSync(lonely, encodeModel(model));
  assert.throws(() => loadModel(lonely), (e: unknown) => e instanceof ClassesError && e.message.includes('weights.bin'));
});
