import type { ModelProto } from '../onnx/gen/onnx_pb.js';
import { attrInt, attrInts, GraphIndex, type NodeInfo } from '../onnx/graph.js';
import { tensorDims } from '../onnx/tensor.js';

/**
 * The layout a WebGPU session asks ONNX Runtime for.
 *
 * ONNX Runtime 1.30's WebGPU provider runs Conv channels-last (NHWC) by default, and there its
 * vectorised kernel reads the wrong input channels when a Conv has a multiple of 3 input channels
 * that is not a multiple of 4 (6, 9, 18, 30, …) and a multiple of 4 output channels: LeNet-5's
 * second Conv (6 → 16) came out up to 7 away from the CPU's, on an NVIDIA H100 and on Mesa's
 * software Vulkan alike. The kernel divides the channel index by 4 to address vec3 reads, which
 * holds only for exactly 3 channels. Measured (one-node models, CPU against WebGPU): wrong for
 * 6, 9, 18 and 30 input channels with 2x2 to 7x7 kernels; right for 1–5, 7, 8, 10–16, 20, 24, 32,
 * for 1x1 kernels (a matrix product) and for grouped Convs (another kernel). The same graphs ran
 * channels-first (NCHW) agree with the CPU; so a graph that holds such a Conv is run NCHW.
 */
export type WebgpuLayout = 'NCHW' | 'NHWC';

/** Whether a Conv is a plain matrix product in ORT (1x1 kernel, stride 1, no padding). */
function isPointwise(n: NodeInfo, weightDims: readonly number[]): boolean {
  const kernel = weightDims.slice(2);
  return kernel.every((k) => k === 1) && (attrInts(n, 'strides') ?? []).every((s) => s === 1) && (attrInts(n, 'pads') ?? []).every((p) => p === 0);
}

/**
 * The Convs of a model (by node name) that the WebGPU provider would compute wrongly
 * channels-last. A Conv whose weights are not constant counts when it is not grouped: its channel
 * counts cannot be known before it runs.
 */
export function webgpuChannelsLastHazards(model: ModelProto): string[] {
  const index = new GraphIndex(model);
  const hazards: string[] = [];
  for (const n of index.nodes) {
    if (n.opType !== 'Conv' || n.domain !== '' || attrInt(n, 'group', 1) !== 1) continue;
    const weights = index.constantTensor(n.inputs[1] ?? '');
    if (weights === undefined) {
      hazards.push(n.name);
      continue;
    }
    const dims = tensorDims(weights);
    if (dims.length < 3 || isPointwise(n, dims)) continue;
    const [cout, cin] = dims;
    if (cin > 3 && cin % 3 === 0 && cin % 4 !== 0 && cout % 4 === 0) hazards.push(n.name);
  }
  return hazards;
}

/** NCHW for a graph that holds such a Conv, else ORT's default (NHWC, its faster kernels). */
export function webgpuLayoutFor(model: ModelProto): WebgpuLayout {
  return webgpuChannelsLastHazards(model).length > 0 ? 'NCHW' : 'NHWC';
}
