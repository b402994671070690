import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../src/errors.js';
import { GraphIndex, stableNodeNames, withStableNodeNames } from '../../src/onnx/graph.js';
import { listLayers, selectLayers } from '../../src/onnx/layers.js';
import { makeFloatTensor, makeModel, makeNode, makeValueInfo } from '../../src/onnx/index.js';
import { channelsLastNotice, channelsLastTensors } from '../../src/onnx/channels-last.js';
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

test('layers are found by node name or output tensor name, listed in graph order; unknown names are usage errors', () => {
  const layers = listLayers(new GraphIndex(lenetLike()));
  // asked for after the pool, the Relu comes first, as in the graph (and in run-campaign)
  assert.deepEqual(selectLayers(layers, ['pool1', 'relu_out', ' pool1 ']).map((l) => l.name), ['Relu_1', 'pool1']);
  assert.throws(
    () => selectLayers(layers, ['conv9']),
    (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && e.message.includes('--layers') && e.message.includes('conv9'),
  );
});

test('constants aliased through Identity nodes count as constants, with their source value (PyTorch exports equal parameters once)', () => {
  const model = residual();
  const g = model.graph!;
  // bn_a reads its scale through two Identity nodes; an Add reads a bias the same way
  g.node = [
    makeNode('Identity', ['bn.scale'], ['scale_alias'], { name: 'alias1' }),
    makeNode('Identity', ['scale_alias'], ['scale_alias2'], { name: 'alias2' }),
    makeNode('Identity', ['bn.bias'], ['bias_alias'], { name: 'alias3' }),
    makeNode('Identity', ['a'], ['a_copy'], { name: 'copy_a' }),
    ...g.node.map((n) => (n.name === 'bn_a' ? { ...n, input: ['a', 'scale_alias2', 'bn.bias', 'bn.mean', 'bn.var'] } : n)),
    makeNode('Add', ['sum_relu', 'bias_alias'], ['biased'], { name: 'bias_add' }),
  ];
  const index = new GraphIndex(model);
  assert.equal(index.isConstant('scale_alias2'), true);
  assert.equal(index.constantTensor('scale_alias2')?.name, 'bn.scale');
  // an Identity of a computed tensor is not a constant
  assert.equal(index.isConstant('a_copy'), false);
  assert.equal(index.constantTensor('a_copy'), undefined);
  // so an Add of an aliased bias is a bias add, with its error model
  assert.equal(listLayers(index).find((l) => l.name === 'bias_add')?.errorModel, 'bias_add');
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

/** tf2onnx without its transpose optimizer: Transposes around each Conv, activations channels-last. */
function tfStyle(): ReturnType<typeof makeModel> {
  return makeModel({
    nodes: [
      makeNode('Transpose', ['x'], ['xt'], { attrs: { perm: [0, 3, 1, 2] } }),
      makeNode('Conv', ['xt', 'w0'], ['c'], { name: 'conv', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
      makeNode('Transpose', ['c'], ['ct'], { name: 'to_last', attrs: { perm: [0, 2, 3, 1] } }),
      makeNode('Add', ['ct', 'bias'], ['b'], { name: 'bias' }),
      makeNode('Relu', ['b'], ['r'], { name: 'relu' }),
      makeNode('Transpose', ['r'], ['rt'], { attrs: { perm: [0, 3, 1, 2] } }),
      makeNode('Conv', ['rt', 'w1'], ['c2'], { name: 'conv2', attrs: { kernel_shape: [1, 1] } }),
      makeNode('Relu', ['c2'], ['r2'], { name: 'relu2' }),
      makeNode('ReduceMean', ['r2'], ['y'], { attrs: { axes: [2, 3], keepdims: 0 } }),
    ],
    inputs: [makeValueInfo('x', 1, ['N', 6, 6, 3])],
    outputs: [makeValueInfo('y', 1, ['N', 4])],
    initializers: [makeFloatTensor('w0', [4, 3, 3, 3], new Float32Array(108).fill(0.1)), makeFloatTensor('bias', [4], [0, 1, 2, 3]), makeFloatTensor('w1', [4, 4, 1, 1], new Float32Array(16).fill(0.2))],
  });
}

test('channels-last tensors between Transposes are found (made by one, or read by one, through element-wise nodes); channels-first ones are not', () => {
  const index = new GraphIndex(tfStyle());
  // ct: made by the Transpose; b, r: through Add and Relu; c, c2, r2: channels-first
  assert.deepEqual(channelsLastTensors(index, ['c', 'ct', 'b', 'r', 'c2', 'r2']), ['ct', 'b', 'r']);
  assert.deepEqual(channelsLastTensors(new GraphIndex(residual()), listLayers(new GraphIndex(residual())).map((l) => l.output)), []);
  assert.match(channelsLastNotice('m.onnx', ['bias', 'relu']), /^m\.onnx: bias, relu hold channels-last tensors \(\[N, H, W, C\] between Transposes/);
});
