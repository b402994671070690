/**
 * Small models built in code for the ONNX, runtime and profile tests: independent of fixture
 * files and deterministic (weights from a fixed linear congruential sequence).
 */
import { DataType } from '../../src/onnx/dtype.js';
import { makeModel, makeNode, makeValueInfo } from '../../src/onnx/build.js';
import { makeFloatTensor, makeInt64Tensor } from '../../src/onnx/tensor.js';
import type { ModelProto } from '../../src/onnx/gen/onnx_pb.js';

/** Deterministic pseudo-random floats in [-scale, scale). */
export function weights(n: number, seed: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

/** Deterministic inputs of `count` samples of the given per-sample size. */
export function inputs(count: number, perSample: number, seed = 7): Float32Array {
  return weights(count * perSample, seed, 1);
}

/**
 * LeNet-like CNN on 1x8x8 inputs: Conv(4,3x3) → Relu → MaxPool(2) → Reshape([batch,-1]) →
 * Gemm(→10) → Add(bias) → output. `batch` fixes the input batch and the Reshape's first entry
 * (the shape of a batch-1 export); `null` makes both dynamic (Reshape [0,-1]).
 * Node names are left empty on the Relu to exercise stable naming.
 */
export function lenetLike(options: { batch?: number | null; opset?: number } = {}): ModelProto {
  const batch = options.batch === undefined ? 1 : options.batch;
  const b: number | string = batch === null ? 'N' : batch;
  return makeModel({
    opset: options.opset ?? 13,
    inputs: [makeValueInfo('input', DataType.FLOAT, [b, 1, 8, 8])],
    outputs: [makeValueInfo('logits', DataType.FLOAT, [b, 10])],
    initializers: [
      makeFloatTensor('conv.w', [4, 1, 3, 3], weights(36, 1)),
      makeFloatTensor('conv.b', [4], weights(4, 2)),
      makeInt64Tensor('flat_shape', [2], [batch ?? 0, -1]),
      makeFloatTensor('fc.w', [10, 36], weights(360, 3)),
      makeFloatTensor('fc.b', [10], weights(10, 4)),
    ],
    nodes: [
      makeNode('Conv', ['input', 'conv.w', 'conv.b'], ['conv_out'], { name: 'conv1', attrs: { kernel_shape: [3, 3] } }),
      makeNode('Relu', ['conv_out'], ['relu_out']),
      makeNode('MaxPool', ['relu_out'], ['pool_out'], { name: 'pool1', attrs: { kernel_shape: [2, 2], strides: [2, 2] } }),
      makeNode('Reshape', ['pool_out', 'flat_shape'], ['flat'], { name: 'flatten' }),
      makeNode('Gemm', ['flat', 'fc.w'], ['fc_out'], { name: 'fc', attrs: { transB: 1 } }),
      makeNode('Add', ['fc_out', 'fc.b'], ['logits'], { name: 'fc_bias' }),
    ],
  });
}

/**
 * A residual block on 2x6x6 inputs with a separate BatchNormalization:
 * x → Conv a → BN → Relu → Conv b → Add(x) → Relu → GlobalAveragePool → Reshape → output.
 * The skip connection makes a split after Conv a need `input` as a second boundary tensor.
 */
export function residual(options: { batch?: number | null } = {}): ModelProto {
  const batch = options.batch === undefined ? null : options.batch;
  const b: number | string = batch === null ? 'N' : batch;
  return makeModel({
    opset: 13,
    inputs: [makeValueInfo('x', DataType.FLOAT, [b, 2, 6, 6])],
    outputs: [makeValueInfo('y', DataType.FLOAT, [b, 2])],
    initializers: [
      makeFloatTensor('a.w', [2, 2, 3, 3], weights(36, 11)),
      makeFloatTensor('bn.scale', [2], [1.5, 0.75]),
      makeFloatTensor('bn.bias', [2], [0.1, -0.2]),
      makeFloatTensor('bn.mean', [2], [0.05, -0.1]),
      makeFloatTensor('bn.var', [2], [0.9, 1.3]),
      makeFloatTensor('b.w', [2, 2, 3, 3], weights(36, 12)),
      makeInt64Tensor('out_shape', [2], [0, -1]),
    ],
    nodes: [
      makeNode('Conv', ['x', 'a.w'], ['a'], { name: 'conv_a', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
      makeNode('BatchNormalization', ['a', 'bn.scale', 'bn.bias', 'bn.mean', 'bn.var'], ['a_bn'], { name: 'bn_a' }),
      makeNode('Relu', ['a_bn'], ['a_relu'], { name: 'relu_a' }),
      makeNode('Conv', ['a_relu', 'b.w'], ['b'], { name: 'conv_b', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
      makeNode('Add', ['b', 'x'], ['sum'], { name: 'skip_add' }),
      makeNode('Relu', ['sum'], ['sum_relu'], { name: 'relu_out' }),
      makeNode('GlobalAveragePool', ['sum_relu'], ['gap'], { name: 'gap' }),
      makeNode('Reshape', ['gap', 'out_shape'], ['y'], { name: 'flatten' }),
    ],
  });
}
