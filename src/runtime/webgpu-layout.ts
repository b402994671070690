import type { ModelProto, NodeProto, TensorProto } from '../onnx/gen/onnx_pb.js';
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

function intAttr(n: NodeProto, name: string, fallback: number): number {
  const a = n.attribute.find((x) => x.name === name);
  return a === undefined ? fallback : Number(a.i);
}

function intsAttr(n: NodeProto, name: string): number[] {
  return n.attribute.find((x) => x.name === name)?.ints.map(Number) ?? [];
}

/** Whether a Conv is a plain matrix product in ORT (1x1 kernel, stride 1, no padding). */
function isPointwise(n: NodeProto, weightDims: readonly number[]): boolean {
  const kernel = weightDims.slice(2);
  return kernel.every((k) => k === 1) && intsAttr(n, 'strides').every((s) => s === 1) && intsAttr(n, 'pads').every((p) => p === 0);
}

/** Weights given as an initializer or a Constant node, by name. */
function constantDims(model: ModelProto): Map<string, number[]> {
  const graph = model.graph;
  const dims = new Map<string, number[]>();
  if (graph === undefined) return dims;
  for (const t of graph.initializer) dims.set(t.name, tensorDims(t));
  for (const n of graph.node) {
    if (n.opType !== 'Constant' || n.output[0] === undefined) continue;
    const value = n.attribute.find((a) => a.name === 'value')?.t as TensorProto | undefined;
    if (value !== undefined) dims.set(n.output[0], tensorDims(value));
  }
  return dims;
}

/**
 * The Convs of a model (node name, or output tensor when unnamed) that the WebGPU provider would
 * compute wrongly channels-last. A Conv whose weights are not constant counts when it is not
 * grouped: its channel counts cannot be known before it runs.
 */
export function webgpuChannelsLastHazards(model: ModelProto): string[] {
  const graph = model.graph;
  if (graph === undefined) return [];
  const dims = constantDims(model);
  const hazards: string[] = [];
  for (const n of graph.node) {
    if (n.opType !== 'Conv' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
    if (intAttr(n, 'group', 1) !== 1) continue;
    const w = dims.get(n.input[1] ?? '');
    const name = n.name !== '' ? n.name : n.output[0] ?? 'Conv';
    if (w === undefined) {
      hazards.push(name);
      continue;
    }
    if (w.length < 3 || isPointwise(n, w)) continue;
    const [cout, cin] = w;
    if (cin > 3 && cin % 3 === 0 && cin % 4 !== 0 && cout % 4 === 0) hazards.push(name);
  }
  return hazards;
}

/** NCHW for a graph that holds such a Conv, else ORT's default (NHWC, its faster kernels). */
export function webgpuLayoutFor(model: ModelProto): WebgpuLayout {
  return webgpuChannelsLastHazards(model).length > 0 ? 'NCHW' : 'NHWC';
}
