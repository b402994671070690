/**
 * Conv as the GPU's GEMM algorithm computes it: im2col (a Gather of the padded input) and a
 * matrix product with the weights. The reduction over K = Cin·k² is split in two MatMuls whose
 * results are graph outputs, so a fault in the partial sum (the first half) exists as a tensor
 * and its effect is `first' + rest` on one output element.
 */
import { DataType, makeInt64Tensor, makeModel, makeNode, makeValueInfo, type ModelProto } from '../../onnx/index.js';
import { float32Tensor } from '../../runtime/index.js';
import type { Rng } from '../../faults/rng.js';
import { normalArray, uniformArray } from '../random.js';
import type { OperatorData, OperatorVariant } from '../types.js';
import { convOutputSize, im2colIndices, type ConvGeometry } from './im2col.js';

const CIN = 8;
const COUT = 16;
const SIZE = 16;
export const CONV_KERNELS = [1, 3, 5] as const;

export function convGemmVariant(kernel: number): OperatorVariant {
  const pad = (kernel - 1) / 2;
  const geom: ConvGeometry = { cin: CIN, h: SIZE, w: SIZE, kernel, pad, stride: 1 };
  const { oh, ow } = convOutputSize(geom);
  const { k, p, indices } = im2colIndices(geom);
  const k1 = Math.floor(k / 2);
  const bound = Math.sqrt(6 / k); // He-uniform: keeps the output variance near the input's
  let cached: ModelProto | null = null;
  return {
    op: 'conv_gemm',
    label: `conv_gemm/${kernel}x${kernel}`,
    description: `Conv ${kernel}×${kernel}, ${CIN}→${COUT} channels, stride 1, pad ${pad}, ${SIZE}×${SIZE}: Pad, im2col Gather [K=${k}, P=${p}], MatMul over k < ${k1} (partial sum) and k ≥ ${k1}, Add`,
    input: { c: CIN, h: SIZE, w: SIZE },
    output: { c: COUT, h: oh, w: ow },
    outputName: 'Y',
    params: [{ name: 'W', dims: [COUT, CIN, kernel, kernel], kind: 'input' }],
    partialSum: { first: 'psum_first', rest: 'psum_rest' },
    dataDescription: `input N(0, 1); weights U(±√(6/K)) = U(±${bound.toFixed(3)})`,
    buildModel: () => (cached ??= buildGraph(geom, indices, k, k1, p, oh, ow)),
    drawData(rng: Rng): OperatorData {
      return { input: normalArray(rng, CIN * SIZE * SIZE), params: { W: uniformArray(rng, COUT * k, -bound, bound) } };
    },
    feeds(input, batch, params) {
      // W is [Cout, K] row-major (K = ci·k² + dy·k + dx, the im2col row order); split at k1.
      const w = params.W;
      const first = new Float32Array(COUT * k1);
      const rest = new Float32Array(COUT * (k - k1));
      for (let co = 0; co < COUT; co++) {
        first.set(w.subarray(co * k, co * k + k1), co * k1);
        rest.set(w.subarray(co * k + k1, (co + 1) * k), co * (k - k1));
      }
      return {
        X: float32Tensor(input, [batch, CIN, SIZE, SIZE]),
        W_first: float32Tensor(first, [COUT, k1]),
        W_rest: float32Tensor(rest, [COUT, k - k1]),
      };
    },
  };
}

function buildGraph(g: ConvGeometry, indices: Int32Array, k: number, k1: number, p: number, oh: number, ow: number): ModelProto {
  const F = DataType.FLOAT;
  const nodes = [];
  const inits = [
    makeInt64Tensor('flat_shape', [2], [0, -1]),
    makeInt64Tensor('cols_first_idx', [k1, p], indices.subarray(0, k1 * p)),
    makeInt64Tensor('cols_rest_idx', [k - k1, p], indices.subarray(k1 * p)),
    makeInt64Tensor('out_shape', [4], [0, COUT, oh, ow]),
  ];
  let source = 'X';
  if (g.pad > 0) {
    inits.push(makeInt64Tensor('pads', [8], [0, 0, g.pad, g.pad, 0, 0, g.pad, g.pad]));
    nodes.push(makeNode('Pad', ['X', 'pads'], ['X_padded'], { name: 'pad' }));
    source = 'X_padded';
  }
  nodes.push(
    makeNode('Reshape', [source, 'flat_shape'], ['X_flat'], { name: 'flatten' }),
    makeNode('Gather', ['X_flat', 'cols_first_idx'], ['cols_first'], { name: 'im2col_first', attrs: { axis: 1 } }),
    makeNode('Gather', ['X_flat', 'cols_rest_idx'], ['cols_rest'], { name: 'im2col_rest', attrs: { axis: 1 } }),
    makeNode('MatMul', ['W_first', 'cols_first'], ['psum_first'], { name: 'gemm_first' }),
    makeNode('MatMul', ['W_rest', 'cols_rest'], ['psum_rest'], { name: 'gemm_rest' }),
    makeNode('Add', ['psum_first', 'psum_rest'], ['acc'], { name: 'accumulate' }),
    makeNode('Reshape', ['acc', 'out_shape'], ['Y'], { name: 'conv' }),
  );
  return makeModel({
    name: `conv_gemm_${g.kernel}x${g.kernel}`,
    nodes,
    initializers: inits,
    inputs: [
      makeValueInfo('X', F, ['N', g.cin, g.h, g.w]),
      makeValueInfo('W_first', F, [COUT, k1]),
      makeValueInfo('W_rest', F, [COUT, k - k1]),
    ],
    outputs: [
      makeValueInfo('Y', F, ['N', COUT, oh, ow]),
      makeValueInfo('psum_first', F, ['N', COUT, p]),
      makeValueInfo('psum_rest', F, ['N', COUT, p]),
    ],
  });
}

export function convGemmVariants(): OperatorVariant[] {
  return CONV_KERNELS.map(convGemmVariant);
}
