import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { GraphIndex, listLayers, loadModel } from '../../src/onnx/index.js';
import type { OptimizationLevel, HostTensor } from '../../src/runtime/index.js';
import { float32Tensor, splitModel } from '../../src/runtime/index.js';
import { loadNpy, toFloat32 } from '../../src/data/index.js';
import { repoPath } from '../helpers.js';
import { runOnce, sameBits } from './helpers.js';

/*
 * Splits of the ResNet fixture (residual connections, separate BatchNormalization) must compute
 * exactly what the untouched model computes. At 'disabled' that holds for every cut; at
 * 'extended' ORT fuses Conv with the BatchNormalization after it unless the cut separates them,
 * so only cuts that are not a Conv→BN edge are compared there (onnxruntime-notes.md).
 */
const model = repoPath('test/fixtures/resnet-small.onnx');
const data = repoPath('test/fixtures/resnet-small-inputs.npy');
const skip = !(existsSync(model) && existsSync(data)) && 'resnet-small fixture missing';

test('splits of resnet-small are bit-identical to the plain model', { skip }, async () => {
  const loaded = loadModel(model);
  const index = new GraphIndex(loaded.model);
  const npy = loadNpy(data);
  const sample = npy.shape.slice(1);
  const per = sample.reduce((a, b) => a * b, 1);
  const x = toFloat32(npy).slice(0, 2 * per);
  const inputName = index.inputs[0].name;
  const feeds = { [inputName]: float32Tensor(x, [2, ...sample]) };
  const layers = listLayers(index);
  // A cut inside each kind of place: a Conv before its BN, a BN, a Relu feeding a skip, a block
  // output, the downsample branch, the pooling.
  const cuts = [0, 1, 5, 9, 15, 16, layers.length - 1].map((i) => layers[i]).filter((l) => l !== undefined);
  const plain: Partial<Record<OptimizationLevel, Record<string, HostTensor>>> = {};
  for (const level of ['disabled', 'extended'] as const) plain[level] = await runOnce(loaded.model, feeds, level);
  let residualSeen = false;
  for (const layer of cuts) {
    const split = await splitModel(loaded.model, layer.output);
    residualSeen ||= split.boundary.length > 1;
    assert.equal(split.batchDynamic, true, `${layer.name}: ${split.batchNotes.join('; ')}`);
    const convBeforeBn = layer.opType === 'Conv' && index.consumers.get(layer.output)?.some((c) => index.nodes[c].opType === 'BatchNormalization');
    for (const level of convBeforeBn ? (['disabled'] as const) : (['disabled', 'extended'] as const)) {
      const pre = await runOnce(split.prefix, feeds, level);
      const suffixFeeds: Record<string, HostTensor> = {};
      for (const t of split.boundary) suffixFeeds[t] = pre[t] ?? feeds[t];
      const post = await runOnce(split.suffix, suffixFeeds, level);
      for (const out of split.suffixOutputs) assert.ok(sameBits(post[out], plain[level]![out]), `${layer.name} at ${level}: ${out} differs`);
    }
  }
  assert.ok(residualSeen, 'some cut needs a skip connection from before it');
});
