/**
 * A larger residual network for the campaign benchmark, built in code with seeded weights (no
 * file, no Python): the shape of test/fixtures/resnet-small.onnx (a stem, an identity block, a
 * strided block with a 1x1 shortcut, an identity block, global pooling, a classifier), on 64x64
 * inputs with 32 and 64 channels, so that feature maps are 64x64 and 32x32 instead of 32x32 and
 * 16x16. About 210 M multiply-adds per inference, 16 times the fixture's. Its weights are random:
 * it measures speed, not accuracy.
 */
import { encodeModel, makeFloatTensor, makeModel, makeNode, makeValueInfo, type NodeProto, type TensorProto } from '../../src/onnx/index.js';
import { Rng } from '../../src/faults/rng.js';
import { seededInputs } from './seeded-inputs.js';

export const RESNET64_INPUT = [3, 64, 64];

export function resnet64Model(): Uint8Array {
  const rng = new Rng('bench-resnet64');
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const tensor = (name: string, dims: number[], f: () => number): string => {
    inits.push(makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, f)));
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number, stride: number): string => {
    // He-style scale keeps activations of the right size through the layers.
    const bound = Math.sqrt(6 / (cin * k * k));
    const w = tensor(`${name}.weight`, [cout, cin, k, k], () => rng.uniform(-bound, bound));
    const pad = (k - 1) / 2;
    nodes.push(makeNode('Conv', [x, w], [`${name}_out`], { name: `/${name}/Conv`, attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] } }));
    return `${name}_out`;
  };
  const bn = (name: string, x: string, c: number): string => {
    const scale = tensor(`${name}.scale`, [c], () => rng.uniform(0.75, 1.25));
    const bias = tensor(`${name}.bias`, [c], () => rng.uniform(-0.1, 0.1));
    const mean = tensor(`${name}.mean`, [c], () => rng.uniform(-0.1, 0.1));
    const variance = tensor(`${name}.var`, [c], () => rng.uniform(0.5, 1.5));
    nodes.push(makeNode('BatchNormalization', [x, scale, bias, mean, variance], [`${name}_out`], { name: `/${name}/BatchNormalization` }));
    return `${name}_out`;
  };
  const relu = (name: string, x: string): string => {
    nodes.push(makeNode('Relu', [x], [`${name}_out`], { name: `/${name}/Relu` }));
    return `${name}_out`;
  };
  const block = (name: string, x: string, cin: number, cout: number, stride: number): string => {
    const y = relu(`${name}/relu1`, bn(`${name}/bn1`, conv(`${name}/conv1`, x, cin, cout, 3, stride), cout));
    const z = bn(`${name}/bn2`, conv(`${name}/conv2`, y, cout, cout, 3, 1), cout);
    const skip = stride === 1 && cin === cout ? x : bn(`${name}/down.1`, conv(`${name}/down.0`, x, cin, cout, 1, stride), cout);
    nodes.push(makeNode('Add', [z, skip], [`${name}/add_out`], { name: `/${name}/Add` }));
    return relu(`${name}/relu2`, `${name}/add_out`);
  };
  let x = relu('stem/relu', bn('stem/bn', conv('stem', 'input', 3, 32, 3, 1), 32));
  x = block('block1', x, 32, 32, 1);
  x = block('block2', x, 32, 64, 2);
  x = block('block3', x, 64, 64, 1);
  nodes.push(makeNode('GlobalAveragePool', [x], ['pooled'], { name: '/GlobalAveragePool' }));
  nodes.push(makeNode('Flatten', ['pooled'], ['flat'], { name: '/Flatten' }));
  const fcBound = Math.sqrt(6 / 64);
  const fcW = tensor('fc.weight', [10, 64], () => rng.uniform(-fcBound, fcBound));
  const fcB = tensor('fc.bias', [10], () => rng.uniform(-0.1, 0.1));
  nodes.push(makeNode('Gemm', ['flat', fcW, fcB], ['logits'], { name: '/fc/Gemm', attrs: { transB: 1 } }));
  return encodeModel(
    makeModel({
      nodes,
      inputs: [makeValueInfo('input', 1, ['N', ...RESNET64_INPUT])],
      outputs: [makeValueInfo('logits', 1, ['N', 10])],
      initializers: inits,
    }),
  );
}

/** `count` seeded inputs in [-1, 1], one after another. */
export function resnet64Inputs(count: number): Float32Array {
  return seededInputs('bench-resnet64-inputs', RESNET64_INPUT, count);
}
