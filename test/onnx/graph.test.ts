import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../src/errors.js';
import { GraphIndex, stableNodeNames, withStableNodeNames } from '../../src/onnx/graph.js';
import { listLayers, selectLayers } from '../../src/onnx/layers.js';
import { makeNode } from '../../src/onnx/build.js';
import { lenetLike, residual } from './models.js';

test('unnamed nodes get <OpType>_<index>, repeated names get _<index>', () => {
  const nodes = [makeNode('Relu', ['a'], ['b']), makeNode('Relu', ['b'], ['c'], { name: 'x' }), makeNode('Relu', ['c'], ['d'], { name: 'x' })];
  assert.deepEqual(stableNodeNames(nodes), ['Relu_0', 'x', 'x_2']);
  const renamed = withStableNodeNames(lenetLike());
  assert.equal(renamed.graph!.node[1].name, 'Relu_1');
  assert.equal(lenetLike().graph!.node[1].name, '', 'the original is untouched');
});

test('injectable layers map to CLASSES error models', () => {
  const layers = listLayers(new GraphIndex(lenetLike()));
  assert.deepEqual(
    layers.map((l) => [l.name, l.opType, l.output, l.errorModel]),
    [
      ['conv1', 'Conv', 'conv_out', 'conv_gemm'],
      ['Relu_1', 'Relu', 'relu_out', 'relu'],
      ['pool1', 'MaxPool', 'pool_out', 'maxpool'],
      ['fc_bias', 'Add', 'logits', 'bias_add'],
    ],
  );
  assert.equal(listLayers(new GraphIndex(lenetLike()), { convStrategy: 'fft' })[0].errorModel, 'conv_fft');
  assert.equal(listLayers(new GraphIndex(lenetLike()), { convStrategy: 'win' })[0].errorModel, 'conv_win');
});

test('an Add of two activations (skip connection) is not a bias add; --all lists every node', () => {
  const index = new GraphIndex(residual());
  const names = listLayers(index).map((l) => `${l.name}:${l.errorModel}`);
  assert.deepEqual(names, ['conv_a:conv_gemm', 'bn_a:batchnorm', 'relu_a:relu', 'conv_b:conv_gemm', 'relu_out:relu', 'gap:avgpool']);
  const all = listLayers(index, { all: true });
  assert.equal(all.length, 8);
  assert.equal(all.find((l) => l.name === 'skip_add')?.errorModel, null);
  assert.equal(all.find((l) => l.name === 'flatten')?.errorModel, null);
});

test('layers are found by node name or output tensor name; unknown names are usage errors', () => {
  const layers = listLayers(new GraphIndex(lenetLike()));
  assert.deepEqual(selectLayers(layers, ['pool1', 'relu_out']).map((l) => l.name), ['pool1', 'Relu_1']);
  assert.throws(
    () => selectLayers(layers, ['conv9']),
    (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && e.message.includes('--layers') && e.message.includes('conv9'),
  );
});

test('the index knows producers, consumers, constants and opsets', () => {
  const index = new GraphIndex(residual());
  assert.equal(index.findNode('a_bn')?.name, 'bn_a');
  assert.deepEqual(index.consumers.get('x'), [0, 4]);
  assert.equal(index.isConstant('a.w'), true);
  assert.equal(index.isConstant('a'), false);
  assert.equal(index.opsetVersion(), 13);
  assert.deepEqual(index.inputs.map((i) => i.name), ['x']);
});
