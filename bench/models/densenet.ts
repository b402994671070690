/**
 * A densely connected network for the campaign benchmark, built in code with seeded weights (no
 * file, no Python), written the way PyTorch exports a DenseNet: each layer (BatchNormalization,
 * Relu, 3x3 Conv of 16 channels) reads the Concat of everything before it in its block; a
 * transition (BatchNormalization, Relu, 1x1 Conv halving the channels, a Pad of size 0 and a 2x2
 * AveragePool) follows each block but the last; every BatchNormalization scale of ones is one
 * initializer read through Identity nodes. Three blocks of four layers on 64x64 inputs (32 to
 * 120 channels). Its weights are random: it measures speed, not accuracy.
 */
import { encodeModel, makeFloatTensor, makeInt64Tensor, makeModel, makeNode, makeValueInfo, type NodeProto, type TensorProto } from '../../src/onnx/index.js';
import { Rng } from '../../src/faults/rng.js';
import { seededInputs } from './seeded-inputs.js';

export const DENSENET_INPUT = [3, 64, 64];

const GROWTH = 16;
const LAYERS_PER_BLOCK = 4;
const BLOCKS = 3;

/** The model on `size` x `size` inputs (the benchmark's 64; tests build smaller ones). */
export function densenetModel(size = DENSENET_INPUT[1]): Uint8Array {
  const rng = new Rng('bench-densenet');
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [makeInt64Tensor('no_pads', [8], [0, 0, 0, 0, 0, 0, 0, 0])];
  const tensor = (name: string, dims: number[], f: () => number): string => {
    inits.push(makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, f)));
    return name;
  };
  const conv = (name: string, x: string, cin: number, cout: number, k: number): string => {
    const bound = Math.sqrt(6 / (cin * k * k));
    const w = tensor(`${name}.weight`, [cout, cin, k, k], () => rng.uniform(-bound, bound));
    const pad = (k - 1) / 2;
    nodes.push(makeNode('Conv', [x, w], [`${name}_out`], { name: `/${name}/Conv`, attrs: { kernel_shape: [k, k], pads: [pad, pad, pad, pad] } }));
    return `${name}_out`;
  };
  const bnRelu = (name: string, x: string, c: number): string => {
    // PyTorch exports equal parameters once: every scale of ones of a size is an Identity of one tensor.
    const ones = `ones_${c}`;
    if (!inits.some((t) => t.name === ones)) tensor(ones, [c], () => 1);
    nodes.push(makeNode('Identity', [ones], [`${name}.scale`], { name: `/${name}/Identity` }));
    const bias = tensor(`${name}.bias`, [c], () => rng.uniform(-0.1, 0.1));
    const mean = tensor(`${name}.mean`, [c], () => rng.uniform(-0.1, 0.1));
    const variance = tensor(`${name}.var`, [c], () => rng.uniform(0.5, 1.5));
    nodes.push(makeNode('BatchNormalization', [x, `${name}.scale`, bias, mean, variance], [`${name}_bn`], { name: `/${name}/BatchNormalization` }));
    nodes.push(makeNode('Relu', [`${name}_bn`], [`${name}_relu`], { name: `/${name}/Relu` }));
    return `${name}_relu`;
  };
  let x = conv('c0', 'input', 3, 32, 3);
  let c = 32;
  for (let b = 0; b < BLOCKS; b++) {
    for (let l = 0; l < LAYERS_PER_BLOCK; l++) {
      const name = `block${b}/layer${l}`;
      const y = conv(`${name}/conv`, bnRelu(name, x, c), c, GROWTH, 3);
      nodes.push(makeNode('Concat', [x, y], [`${name}/cat_out`], { name: `/${name}/Concat`, attrs: { axis: 1 } }));
      x = `${name}/cat_out`;
      c += GROWTH;
    }
    if (b < BLOCKS - 1) {
      const name = `trans${b}`;
      const y = conv(`${name}/conv`, bnRelu(name, x, c), c, c / 2, 1);
      nodes.push(makeNode('Pad', [y, 'no_pads'], [`${name}/pad_out`], { name: `/${name}/Pad` }));
      nodes.push(makeNode('AveragePool', [`${name}/pad_out`], [`${name}/pool_out`], { name: `/${name}/AveragePool`, attrs: { kernel_shape: [2, 2], strides: [2, 2] } }));
      x = `${name}/pool_out`;
      c /= 2;
    }
  }
  nodes.push(makeNode('GlobalAveragePool', [bnRelu('final', x, c)], ['pooled'], { name: '/GlobalAveragePool' }));
  nodes.push(makeNode('Flatten', ['pooled'], ['flat'], { name: '/Flatten' }));
  const fcBound = Math.sqrt(6 / c);
  const fcW = tensor('fc.weight', [10, c], () => rng.uniform(-fcBound, fcBound));
  const fcB = tensor('fc.bias', [10], () => rng.uniform(-0.1, 0.1));
  nodes.push(makeNode('Gemm', ['flat', fcW, fcB], ['logits'], { name: '/fc/Gemm', attrs: { transB: 1 } }));
  return encodeModel(
    makeModel({
      nodes,
      inputs: [makeValueInfo('input', 1, ['N', 3, size, size])],
      outputs: [makeValueInfo('logits', 1, ['N', 10])],
      initializers: inits,
    }),
  );
}

/** `count` seeded inputs in [-1, 1], one after another. */
export function densenetInputs(count: number): Float32Array {
  return seededInputs('bench-densenet-inputs', DENSENET_INPUT, count);
}
