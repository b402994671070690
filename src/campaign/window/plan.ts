/**
 * Windowed runs (DESIGN.md, "Run only what a fault can change", carried one step further): a
 * fault written into a few positions of a feature map changes, after a 3x3 convolution, only a
 * slightly larger rectangle of the next one, and so on. Instead of running the whole suffix on
 * a faulty copy, each node after the target computes only the rectangle (window) of its output
 * that the fault can reach, from crops of its inputs: the golden values around it, with the
 * changed windows written over them. Where the network turns global (a pooling over the whole
 * map, a flatten, a matrix product) a tail session takes the golden tensors with the windows
 * written in and computes the scores.
 *
 * This module only plans: which nodes of a layer's suffix can run windowed, grouped in segments
 * with one model each (padding made explicit, so that any crop can be fed), and the tail model.
 * setup.ts computes their golden values and checks them; executor.ts runs faulty copies.
 *
 * A window's values are exact, not approximations: ONNX Runtime's CPU kernels compute each
 * output position from the same inputs in the same order whatever the crop around it (measured;
 * the exceptions found, pooling over a whole crop, avoided with minWindow, and a Conv whose input
 * channels do not fill its vector blocks, are why every layer is checked before it is used).
 */
import { attrInt as int, attrInts as ints, attrString as str, nodeAttr as attr, copyModel, encodeModel, extractSubgraph, GraphIndex, makeAttribute, makeInt64Tensor, makeNode, makeValueInfo, shallowCopy, tensorDims, tensorFloat32, tensorIntegers, type ModelProto, type NodeInfo, type NodeProto, type TensorProto, type TensorType, type ExternalDataFile } from '../../onnx/index.js';
import type { AttributeProto } from '../../onnx/index.js';
import { maxReachedSize, type SlideAxis } from './geometry.js';

/** Operators that map each element on its own (constants broadcast over channels only). */
const ELEMENTWISE = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign',
  'Abs', 'Neg', 'Identity', 'Clip', 'Erf', 'Exp', 'Log', 'Sqrt', 'Floor', 'Ceil', 'Round', 'Sign', 'Mish', 'Gelu',
  'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Sum', 'Mean', 'BatchNormalization',
]);
// Not Reciprocal, Pow, or a Div by a computed tensor: they turn the sign of a zero, which max-based
// kernels set by position (executor.ts, compareWindow), into the sign of an infinity.

export type WindowNodeKind = 'slide' | 'elementwise';

/** A segment of nodes that runs as one model on windows (see planWindows). */
export interface WindowNode {
  /** Stable names of its nodes in the model, joined (for messages). */
  name: string;
  opType: string;
  /** 'slide' when its first node is a Conv, a pooling or a Pad, which reads inputs[0] through `rows`/`cols`. */
  kind: WindowNodeKind;
  /** The segment's model over crops: inputs in `inputs` order, the first node's padding removed. */
  model: Uint8Array;
  /** Row and column geometry of the first node when it slides; null for element-wise segments. */
  rows: SlideAxis | null;
  cols: SlideAxis | null;
  /** What positions outside the input read as (the operator's padding): 0, -Infinity for MaxPool, a Pad's constant. */
  fill: number;
  /**
   * Fewest output rows (and columns) a window may have: 2 for pooling, whose kernel would
   * otherwise cover the whole crop, which ONNX Runtime runs as a global pooling that sums in
   * another order (found by the crop checks on an AveragePool).
   */
  minWindow: number;
  /**
   * Tensor ids of the segment's non-constant inputs, fed under their own names: a sliding
   * segment's first input is cropped around the window's receptive field, every other input at
   * the output window itself.
   */
  inputs: number[];
  output: number;
  /** Rough cost of one output position (multiply-adds, or elements touched). */
  costPerPosition: number;
}

export interface WindowTensor {
  name: string;
  /**
   * Dims of one sample: [C, H, W] for tensors windows are written into (held channels-last, see
   * nhwcName); any for golden-only tail inputs (held as they are).
   */
  sampleDims: number[];
  /** True when a fault can change it (the target, or a windowed node's output). */
  windowed: boolean;
}

export interface WindowPlan {
  /** Tensor 0 is the target; then windowed outputs and golden-only inputs in graph order. */
  tensors: WindowTensor[];
  nodes: WindowNode[];
  /**
   * For each tensor, the last node that reads it (index into `nodes`), `nodes.length` when the
   * tail reads it, -1 when nothing does: a changed window stops mattering after its last reader.
   */
  lastUse: number[];
  /** Takes `tailInputs` (with windows written in) and gives the scores. */
  tail: Uint8Array;
  tailInputs: number[];
  /** Operators of the tail, in graph order (for the manifest). */
  tailOps: string[];
  /** Rough cost of the tail, and of running every windowed node over whole tensors. */
  tailCost: number;
  fullCost: number;
  /** Elements of one sample of the tail's inputs, and of the whole suffix's inputs (copied per copy). */
  tailInputElements: number;
  boundaryElements: number;
}

export type PlanResult = { plan: WindowPlan } | { refused: string };

function numberDims(t: TensorType | undefined): number[] | null {
  if (t === undefined || t.elemType !== 1) return null;
  const d = t.dims.slice(1);
  return d.every((x): x is number => typeof x === 'number' && x > 0) ? d : null;
}

/** Geometry of a Conv/MaxPool/AveragePool node on 4-D tensors, or why it cannot run windowed. */
function slideGeometry(n: NodeInfo, index: GraphIndex, inDims: number[], outDims: number[]): { rows: SlideAxis; cols: SlideAxis; fill: number; kernel: number[] } | string {
  let kernel = ints(n, 'kernel_shape');
  if (n.opType === 'Conv' && kernel === undefined) {
    const w = index.constantTensor(n.inputs[1]);
    if (w !== undefined) kernel = tensorDims(w).slice(2);
  }
  if (kernel === undefined || kernel.length !== 2) return 'not a 2-D kernel';
  const strides = ints(n, 'strides') ?? [1, 1];
  const dilations = ints(n, 'dilations') ?? [1, 1];
  let pads = ints(n, 'pads') ?? [0, 0, 0, 0];
  const autoPad = str(n, 'auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = [0, 0, 0, 0];
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = [0, 0, 0, 0];
    for (let ax = 0; ax < 2; ax++) {
      const total = Math.max(0, (outDims[ax + 1] - 1) * strides[ax] + (kernel[ax] - 1) * dilations[ax] + 1 - inDims[ax + 1]);
      const small = Math.floor(total / 2);
      pads[ax] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[ax + 2] = total - pads[ax];
    }
  } else if (autoPad !== 'NOTSET') return `auto_pad ${autoPad}`;
  let fill = 0;
  if (n.opType === 'MaxPool') {
    if (n.outputs.filter((o) => o !== '').length > 1) return 'MaxPool with an Indices output';
    fill = -Infinity;
  } else if (n.opType === 'AveragePool') {
    if (int(n, 'ceil_mode', 0) !== 0) return 'AveragePool with ceil_mode';
    if (int(n, 'count_include_pad', 0) === 0 && pads.some((p) => p !== 0)) return 'AveragePool that leaves padding out of the average';
  }
  return {
    rows: { kernel: kernel[0], stride: strides[0], dilation: dilations[0], padBegin: pads[0] },
    cols: { kernel: kernel[1], stride: strides[1], dilation: dilations[1], padBegin: pads[1] },
    fill,
    kernel,
  };
}

/**
 * A Pad in constant mode on rows and columns only is a 1x1 window with padding: position (r, c)
 * of its output is position (r - top, c - left) of its input, or the constant outside it. On
 * crops the padding comes with the crop, so the node itself becomes an Identity (windowFirstNode).
 * PyTorch exports an AvgPool2d as a Pad (of zeros, often all of size 0) and an AveragePool, and
 * TensorFlow exports SAME padding on strided convolutions as a Pad before the Conv.
 */
function padGeometry(n: NodeInfo, index: GraphIndex, external: readonly ExternalDataFile[]): { rows: SlideAxis; cols: SlideAxis; fill: number; kernel: number[] } | string {
  if (str(n, 'mode', 'constant') !== 'constant') return `Pad in ${str(n, 'mode', 'constant')} mode`;
  let pads: number[] | undefined = ints(n, 'pads');
  let value = attr(n, 'value')?.f ?? 0;
  if (pads === undefined) {
    // From opset 11 on, pads and the constant are inputs; from 18 on, an `axes` input may follow.
    const p = n.inputs[1] === undefined || n.inputs[1] === '' ? undefined : index.constantTensor(n.inputs[1]);
    if (p === undefined) return 'Pad with pads computed at run time';
    pads = tensorIntegers(p, external).map((v) => Number(v));
    if (n.inputs.length > 3 && n.inputs[3] !== '') {
      // pads name the begin and end of the listed axes only: spread them over all four.
      const a = index.constantTensor(n.inputs[3]);
      if (a === undefined) return 'Pad with axes computed at run time';
      const given = tensorIntegers(a, external).map((v) => Number(v));
      if (given.some((v) => v < -4 || v > 3)) return 'Pad with an axis out of range';
      const axes = given.map((v) => (v + 4) % 4);
      if (pads.length !== 2 * axes.length || new Set(axes).size !== axes.length) return 'Pad whose pads do not match its axes';
      const full = new Array<number>(8).fill(0);
      axes.forEach((ax, k) => {
        full[ax] = pads![k];
        full[ax + 4] = pads![k + axes.length];
      });
      pads = full;
    }
    if (n.inputs.length > 2 && n.inputs[2] !== '') {
      const v = index.constantTensor(n.inputs[2]);
      if (v === undefined || tensorDims(v).reduce((a, b) => a * b, 1) !== 1) return 'Pad with a constant computed at run time';
      try {
        value = tensorFloat32(v, external)[0];
      } catch {
        return 'Pad with a constant that is not float32';
      }
    }
  }
  if (pads.length !== 8) return 'Pad of a tensor that is not [N, C, H, W]';
  if (pads.some((v) => v < 0)) return 'Pad that crops';
  if (pads[0] !== 0 || pads[1] !== 0 || pads[4] !== 0 || pads[5] !== 0) return 'Pad of the batch or channel axis';
  return {
    rows: { kernel: 1, stride: 1, dilation: 1, padBegin: pads[2] },
    cols: { kernel: 1, stride: 1, dilation: 1, padBegin: pads[3] },
    fill: value,
    kernel: [1, 1],
  };
}

/** The attributes of the one-node model: the node's own, with padding now explicit in the crop. */
function windowAttributes(n: NodeInfo, kernel: number[] | null): AttributeProto[] {
  const keep = n.node.attribute.filter((a) => !['pads', 'auto_pad', 'ceil_mode', 'kernel_shape'].includes(a.name));
  if (kernel === null) return keep;
  return [...keep, makeAttribute('pads', [0, 0, 0, 0]), makeAttribute('kernel_shape', kernel)];
}

/** The first node of a segment's model over crops: its padding is in the crop, so a Pad is an Identity. */
function windowFirstNode(e: Eligible): NodeProto {
  if (e.n.opType === 'Pad') return makeNode('Identity', [e.n.inputs[0]], [e.out], { name: e.n.node.name });
  const node = shallowCopy(e.n.node);
  node.attribute = windowAttributes(e.n, e.slide?.kernel ?? null);
  return node;
}

/** A constant's value under the name the node reads it by (Constant nodes carry no name). */
function namedConstant(index: GraphIndex, name: string): TensorProto | undefined {
  const t = index.constantTensor(name);
  if (t === undefined) return undefined;
  if (t.name === name) return t;
  const copy = shallowCopy(t);
  copy.name = name;
  return copy;
}

/** Constants an element-wise node may read: per channel or scalar, never varying along H or W. */
function constantBroadcastsOverSpace(t: TensorProto, opType: string): boolean {
  if (opType === 'BatchNormalization') return true;
  const d = tensorDims(t);
  const last2 = d.slice(-2);
  return last2.every((x) => x === 1) || d.length === 0;
}

/**
 * Element-wise operators whose result at a position depends only on the inputs at that position,
 * whatever the layout, as long as every other input has the same shape or is a single value
 * (not BatchNormalization or PRelu: their per-channel constants broadcast along axis 1).
 */
const LAYOUT_FREE = new Set([...ELEMENTWISE].filter((op) => op !== 'BatchNormalization' && op !== 'PRelu'));

/**
 * Where a segment's nodes can go on channels-last: the first of its trailing nodes that are all
 * layout-free (with single-value constants only), counted from the first node, when it is
 * element-wise, or else from the first node that reads another feed (a residual Add's skip
 * input); `members.length` when there is none. Those nodes then read the channels-last feeds as
 * they come and give the output as it is wanted, which spares a Transpose of the skip input and
 * one of the output (ONNX Runtime turns the Transpose before them into its NCHWc reorder's
 * channels-last output). Starting at a lone Relu instead would undo its fusion into the Conv.
 */
function channelsLastFrom(members: readonly NodeInfo[], feeds: ReadonlySet<string>, constants: ReadonlyMap<string, TensorProto>): number {
  // A Concat along channels runs channels-last along the last axis; a Pad, an Identity on crops
  // (windowFirstNode), on any layout.
  const layoutFree = (n: NodeInfo): boolean =>
    (LAYOUT_FREE.has(n.opType) || n.opType === 'Concat' || n.opType === 'Pad') &&
    n.inputs.every((i) => {
      const t = constants.get(i);
      return t === undefined || tensorDims(t).every((d) => d === 1);
    });
  let from = members.length;
  while (from > 0 && layoutFree(members[from - 1])) from--;
  if (from === 0) return 0;
  for (let k = Math.max(from, 1); k < members.length; k++) {
    const chain = members[k - 1].outputs[0];
    if (members[k].inputs.some((i) => i !== chain && feeds.has(i))) return k;
  }
  return members.length;
}

/**
 * The model of a segment over crops: its nodes (the first one's padding made explicit), its
 * feeds as inputs with symbolic rows and columns, its last node's output as the only output.
 */
function segmentModel(suffix: ModelProto, members: readonly NodeInfo[], firstNode: NodeProto, feeds: { name: string; dims: number[] }[], constants: TensorProto[], output: { name: string; dims: number[] }): Uint8Array {
  const copy = copyModel(suffix);
  const g = copy.graph!;
  const feedNames = new Set(feeds.map((f) => f.name));
  const cl = channelsLastFrom(members, feedNames, new Map(constants.map((t) => [t.name, t])));
  // Tensors the channels-last nodes read or make go by their channels-last names: their own
  // outputs, the feeds, and the output of the node before them (transposed for them).
  const channelsLast = new Set<string>([...members.slice(cl).flatMap((n) => n.outputs), ...feedNames, ...(cl > 0 ? [members[cl - 1].outputs[0]] : [])]);
  const clName = (t: string): string => (channelsLast.has(t) ? nhwcName(t) : t);
  const nodes = members.map((n, k) => {
    if (k > 0 && k < cl) return n.node;
    const node = shallowCopy(k === 0 ? firstNode : n.node);
    if (k >= cl) {
      node.input = node.input.map(clName);
      node.output = node.output.map(clName);
      // A Concat along channels joins channels-last tensors along their last axis.
      if (node.opType === 'Concat') node.attribute = [...node.attribute.filter((a) => a.name !== 'axis'), makeAttribute('axis', 3)];
    }
    return node;
  });
  // Channels-last at the edges (see nhwcName): transposes in, the segment, a transpose out; the
  // channels-last nodes sit after the transpose out and read their feeds as they are.
  const early = members.slice(0, cl);
  const feedsIn = feeds.filter((f) => early.some((n) => n.inputs.includes(f.name)));
  const toNchw = (name: string): NodeProto => makeNode('Transpose', [nhwcName(name)], [name], { attrs: { perm: [0, 3, 1, 2] } });
  const toNhwc = (name: string): NodeProto => makeNode('Transpose', [name], [nhwcName(name)], { attrs: { perm: [0, 2, 3, 1] } });
  const middle = cl === 0 ? [] : [toNhwc(members[cl - 1].outputs[0])];
  g.node = [...feedsIn.map((f) => toNchw(f.name)), ...nodes.slice(0, cl), ...middle, ...nodes.slice(cl)];
  g.initializer = constants;
  // Rows and columns are symbolic: every crop size runs through the same model.
  g.input = feeds.map((f, k) => makeValueInfo(nhwcName(f.name), 1, ['n', `h${k}`, `w${k}`, f.dims[0]]));
  g.output = [makeValueInfo(nhwcName(output.name), 1, ['n', 'ho', 'wo', output.dims[0]])];
  g.valueInfo = [];
  return encodeModel(copy);
}

/**
 * Windowed runs keep [C, H, W] tensors channels-last ([H, W, C]) in memory: a row of a crop is
 * then one contiguous run of floats, copied in one go, where [C, H, W] would need one short copy
 * per channel. Models take and give them under this name; a Transpose inside restores the
 * layout the graph's nodes expect (data movement only: the values are the same).
 */
export function nhwcName(tensor: string): string {
  return `${tensor}:nhwc`;
}

/**
 * The tail with its [C, H, W] inputs taken channels-last under nhwcName(). Each is turned back to
 * [C, H, W] by a Transpose, except where a GlobalAveragePool is its only reader: a ReduceMean
 * over rows and columns of the channels-last tensor gives the same means in one pass over it,
 * and only its [1, 1, C] result is transposed (ONNX Runtime's time for the tail of
 * resnet-small's early layers: 2.8 against 9.6 µs per copy of 32x16x16, BENCHMARKS.md). Golden
 * and faulty windowed scores both come from this tail.
 */
function tailModel(tail: ModelProto, spatial: readonly { name: string; dims: number[] }[]): Uint8Array {
  const copy = copyModel(tail);
  const g = copy.graph!;
  const index = new GraphIndex(copy);
  const opset = index.opsetVersion('');
  const outputs = new Set(g.output.map((o) => o.name));
  const front: NodeProto[] = [];
  const replaced = new Set<NodeProto>();
  for (const t of spatial) {
    const readers = g.node.filter((n) => n.input.includes(t.name));
    const gap = readers.length === 1 && readers[0].opType === 'GlobalAveragePool' && readers[0].domain === '' && !outputs.has(t.name) ? readers[0] : null;
    if (gap === null) {
      front.push(makeNode('Transpose', [nhwcName(t.name)], [t.name], { attrs: { perm: [0, 3, 1, 2] } }));
      continue;
    }
    const mean = `${nhwcName(t.name)}:mean`;
    if (opset >= 18) {
      // From opset 18 on, ReduceMean takes its axes as an input.
      const axes = `${nhwcName(t.name)}:axes`;
      g.initializer.push(makeInt64Tensor(axes, [2], [1, 2]));
      front.push(makeNode('ReduceMean', [nhwcName(t.name), axes], [mean], { attrs: { keepdims: 1 } }));
    } else front.push(makeNode('ReduceMean', [nhwcName(t.name)], [mean], { attrs: { axes: [1, 2], keepdims: 1 } }));
    front.push(makeNode('Transpose', [mean], [gap.output[0]], { attrs: { perm: [0, 3, 1, 2] } }));
    replaced.add(gap);
  }
  g.node = [...front, ...g.node.filter((n) => !replaced.has(n))];
  const isSpatial = new Map(spatial.map((t) => [t.name, t.dims]));
  g.input = g.input.map((vi) => {
    const d = isSpatial.get(vi.name);
    return d === undefined ? vi : makeValueInfo(nhwcName(vi.name), 1, ['n', d[1], d[2], d[0]]);
  });
  return encodeModel(copy);
}

/** A node that can run on windows, with what the plan needs to know of it. */
interface Eligible {
  n: NodeInfo;
  out: string;
  outDims: number[];
  /** Non-constant inputs, without repeats. */
  moving: string[];
  slide: { rows: SlideAxis; cols: SlideAxis; fill: number; kernel: number[] } | null;
  cost: number;
}

/**
 * Plan windowed runs for the suffix of `target`. `boundary` names the suffix's inputs (target
 * first) and `types` gives every tensor's type with the batch axis first.
 *
 * Nodes run in segments: a sliding node (Conv, pooling, Pad) or an element-wise one (a Concat
 * along channels counts as one), then the element-wise nodes that each read the previous one's
 * output as its only reader. A segment is one model, so ONNX Runtime
 * fuses inside it (a Conv with its BatchNormalization and Relu) and one call runs it.
 */
export function planWindows(suffix: ModelProto, target: string, boundary: readonly string[], scoresName: string, types: ReadonlyMap<string, TensorType>, external: readonly ExternalDataFile[] = []): PlanResult {
  const index = new GraphIndex(suffix);
  const targetDims = numberDims(types.get(target));
  if (targetDims === null || targetDims.length !== 3) return { refused: 'the target is not a float32 [N, C, H, W] tensor of known size' };
  const constantNodes = index.constantNodes();
  const boundarySet = new Set(boundary);
  const windowed = new Set<string>([target]);
  const eligible: Eligible[] = [];
  const tailNodes: NodeInfo[] = [];

  for (const n of index.nodes) {
    if (constantNodes.has(n.index)) continue;
    const isSlide = n.opType === 'Conv' || n.opType === 'MaxPool' || n.opType === 'AveragePool' || n.opType === 'Pad';
    // A Concat along channels puts each input's window beside the others': element-wise in rows and columns.
    const isConcat = n.opType === 'Concat';
    const check = ((): Eligible | string => {
      if (n.domain !== '' || (!isSlide && !isConcat && !ELEMENTWISE.has(n.opType))) return `${n.opType} is not element-wise or sliding`;
      const outs = n.outputs.filter((o) => o !== '');
      if (outs.length !== 1) return 'more than one output';
      const outDims = numberDims(types.get(outs[0]));
      if (outDims === null || outDims.length !== 3) return 'output not [N, C, H, W]';
      const reads = n.inputs.filter((i) => i !== '');
      const moving = [...new Set(reads.filter((i) => !index.isConstant(i)))];
      if (!moving.some((i) => windowed.has(i))) return 'reads no changed tensor';
      for (const i of moving) {
        if (!windowed.has(i) && !boundarySet.has(i)) return `reads ${i}, computed after the target outside the windowed part`;
        const d = numberDims(types.get(i));
        if (d === null) return `input ${i} of unknown size`;
        const fits = isSlide ? d.length === 3 : isConcat ? d.length === 3 && d[1] === outDims[1] && d[2] === outDims[2] : d.join() === outDims.join();
        if (!fits) return `input ${i} does not match the output's shape`;
      }
      if (isSlide && (moving.length !== 1 || moving[0] !== n.inputs[0])) return n.opType === 'Pad' ? 'Pad with pads computed at run time' : 'weights computed at run time';
      if (isConcat) {
        const axis = int(n, 'axis', 0);
        if (axis !== 1 && axis !== -3) return 'a Concat along another axis than channels';
        if (reads.some((i) => !moving.includes(i))) return 'a Concat with a constant';
      }
      if (n.opType === 'Div' && !index.isConstant(n.inputs[1])) return 'a Div by a computed tensor';
      for (const i of reads) {
        if (moving.includes(i)) continue;
        const t = index.constantTensor(i);
        if (t === undefined) return `constant ${i} computed by nodes`;
        if (!isSlide && !constantBroadcastsOverSpace(t, n.opType)) return `constant ${i} varies along H or W`;
      }
      let slide: Eligible['slide'] = null;
      let cost = outDims[0] * (isConcat ? 1 : moving.length) * ELEMENT_MACS;
      if (n.opType === 'Pad') {
        const g = padGeometry(n, index, external);
        if (typeof g === 'string') return g;
        slide = g;
        cost = outDims[0] * ELEMENT_MACS;
      } else if (isSlide) {
        const inDims = numberDims(types.get(moving[0]))!;
        const g = slideGeometry(n, index, inDims, outDims);
        if (typeof g === 'string') return g;
        slide = g;
        const k = g.kernel[0] * g.kernel[1];
        cost = n.opType === 'Conv' ? outDims[0] * (inDims[0] / int(n, 'group', 1)) * k : outDims[0] * k;
      }
      return { n, out: outs[0], outDims, moving, slide, cost };
    })();
    if (typeof check === 'string') {
      tailNodes.push(n);
      continue;
    }
    eligible.push(check);
    windowed.add(check.out);
  }
  if (eligible.length === 0) return { refused: `the node after the target cannot run windowed (${tailNodes[0]?.opType ?? 'none'})` };
  if (eligible.some((e) => e.out === scoresName)) return { refused: 'the scores come out of a windowed node' };

  // What the tail reads.
  const producedByTail = new Set(tailNodes.flatMap((n) => n.outputs));
  const tailInputNames: string[] = [];
  for (const n of tailNodes) {
    for (const i of n.allInputs) {
      if (i === '' || producedByTail.has(i) || index.isConstant(i) || tailInputNames.includes(i)) continue;
      if (index.producer.has(i) && constantNodes.has(index.producer.get(i)!)) continue;
      tailInputNames.push(i);
    }
  }

  // Segments: chains through tensors that only the next node of the chain reads.
  const readers = (t: string): number => index.consumers.get(t)?.length ?? 0;
  const segments: Eligible[][] = [];
  const segmentOf = new Map<string, Eligible[]>();
  for (const e of eligible) {
    let joined = false;
    if (e.slide === null) {
      // Join the first segment whose last output this node reads and may join: a DenseNet's
      // Concat reads the block's earlier Concat (read by every later layer) first and its own
      // Conv second, and joins the Conv's segment, which saves a run per copy.
      for (const i of e.moving) {
        const seg = segmentOf.get(i);
        if (seg === undefined || seg[seg.length - 1].out !== i) continue;
        const first = seg[0];
        const private_ = readers(i) === 1 && !tailInputNames.includes(i) && i !== scoresName;
        // A tensor fed to the segment cannot also be fed at another crop (the slide input).
        const clash = first.slide !== null && e.moving.includes(first.moving[0]);
        const internal = new Set(seg.map((x) => x.out));
        const readsInternal = e.moving.some((x) => x !== i && internal.has(x));
        if (private_ && !clash && !readsInternal) {
          seg.push(e);
          segmentOf.set(e.out, seg);
          joined = true;
          break;
        }
      }
    }
    if (!joined) {
      const seg = [e];
      segments.push(seg);
      segmentOf.set(e.out, seg);
    }
  }
  // Run order: by each segment's last node (node order is topological; all its inputs exist by then).
  segments.sort((a, b) => a[a.length - 1].n.index - b[b.length - 1].n.index);

  const tensors: WindowTensor[] = [{ name: target, sampleDims: targetDims, windowed: true }];
  const idOf = new Map<string, number>([[target, 0]]);
  const tensorId = (name: string, dims: number[], isWindowed: boolean): number => {
    let id = idOf.get(name);
    if (id === undefined) {
      id = tensors.length;
      tensors.push({ name, sampleDims: dims, windowed: isWindowed });
      idOf.set(name, id);
    }
    return id;
  };
  const nodes: WindowNode[] = [];
  for (const seg of segments) {
    const internal = new Set(seg.slice(0, -1).map((e) => e.out));
    const feedNames: string[] = [];
    for (const e of seg) for (const i of e.moving) if (!internal.has(i) && !feedNames.includes(i)) feedNames.push(i);
    const feeds = feedNames.map((i) => tensorId(i, numberDims(types.get(i))!, windowed.has(i)));
    const first = seg[0];
    const firstNode = windowFirstNode(first);
    const constantNames = [...new Set(seg.flatMap((e) => (e === first ? firstNode.input : e.n.inputs).filter((i) => i !== '' && index.isConstant(i))))];
    const last = seg[seg.length - 1];
    const outId = tensorId(last.out, last.outDims, true);
    const model = segmentModel(
      suffix,
      seg.map((e) => e.n),
      firstNode,
      feeds.map((id) => ({ name: tensors[id].name, dims: tensors[id].sampleDims })),
      constantNames.map((i) => namedConstant(index, i)!),
      { name: last.out, dims: last.outDims },
    );
    nodes.push({
      name: seg.map((e) => e.n.name).join(' + '),
      opType: seg.map((e) => e.n.opType).join('+'),
      kind: first.slide === null ? 'elementwise' : 'slide',
      model,
      rows: first.slide?.rows ?? null,
      cols: first.slide?.cols ?? null,
      fill: first.slide?.fill ?? 0,
      minWindow: first.n.opType === 'MaxPool' || first.n.opType === 'AveragePool' ? 2 : 1,
      inputs: feeds,
      output: outId,
      costPerPosition: seg.reduce((a, e) => a + e.cost, 0),
    });
  }

  const tailInputs: number[] = [];
  for (const name of tailInputNames) {
    if (!idOf.has(name) && !boundarySet.has(name)) return { refused: `the tail reads ${name}, which is neither windowed nor golden` };
    const t = types.get(name);
    const dims = t?.dims.slice(1);
    if (t === undefined || t.elemType !== 1 || dims === undefined || !dims.every((d): d is number => typeof d === 'number')) return { refused: `tail input ${name} is not a float32 tensor of known shape` };
    tailInputs.push(tensorId(name, dims, windowed.has(name)));
  }
  let tail: ModelProto;
  try {
    tail = extractSubgraph(suffix, tailInputNames, [scoresName], { tensorTypes: types });
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const lastUse = tensors.map((_, id) => (tailInputs.includes(id) ? nodes.length : -1));
  nodes.forEach((w, j) => {
    for (const id of w.inputs) if (lastUse[id] < j) lastUse[id] = j;
  });
  const positions = (id: number): number => tensors[id].sampleDims[1] * tensors[id].sampleDims[2];
  const fullCost = nodes.reduce((a, w) => a + positions(w.output) * w.costPerPosition, 0);
  const tailCost = tailNodes.reduce((a, n) => a + nodeCost(n, index, types), 0);
  return {
    plan: {
      tensors,
      nodes,
      lastUse,
      tail: tailModel(tail, tailInputs.map((id) => tensors[id]).filter((t) => t.sampleDims.length === 3).map((t) => ({ name: t.name, dims: t.sampleDims }))),
      tailInputs,
      tailOps: tailNodes.map((n) => n.opType),
      tailCost,
      fullCost: fullCost + tailCost,
      tailInputElements: tailInputs.reduce((a, id) => a + tensors[id].sampleDims.reduce((x, y) => x * y, 1), 0),
      boundaryElements: boundary.reduce((a, b) => a + (types.get(b)?.dims.slice(1) ?? []).reduce<number>((x, y) => x * (typeof y === 'number' ? y : 1), 1), 0),
    },
  };
}

/** Rough cost of a tail node in multiply-adds: those of a product, else its elements read or written. */
function nodeCost(n: NodeInfo, index: GraphIndex, types: ReadonlyMap<string, TensorType>): number {
  const elements = (names: readonly string[]): number =>
    names.filter((o) => o !== '' && !index.isConstant(o)).reduce((sum, o) => sum + (types.get(o)?.dims.slice(1) ?? []).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1), 0);
  const outElems = elements(n.outputs);
  if (n.opType === 'Gemm' || n.opType === 'MatMul' || n.opType === 'Conv') {
    const w = index.constantTensor(n.inputs[1]);
    if (w !== undefined) {
      const d = tensorDims(w);
      const perOut = n.opType === 'Conv' ? d.slice(1).reduce((a, b) => a * b, 1) : n.opType === 'Gemm' && int(n, 'transB', 0) === 1 ? d[1] : d[0];
      return outElems * perOut;
    }
  }
  return Math.max(outElems, elements(n.inputs)) * ELEMENT_MACS;
}

/**
 * Cost model of the choice between a windowed run and a run of the whole suffix, in nanoseconds
 * per faulty copy on one core, measured on the residual fixture (BENCHMARKS.md). It only picks
 * the faster way; both give exact results, but of slightly different graphs (windowed segments
 * are fused differently from the whole suffix), so the choice is made from the fault's shape
 * alone and never from timings: the same fault always runs the same way.
 */
export const WINDOW_COST = {
  /** One multiply-add inside ONNX Runtime (an element of an element-wise node counts as ELEMENT_MACS). */
  macNs: 0.03,
  /** One element of a crop or window written or compared in JavaScript. */
  elementNs: 2,
  /** One element of a whole tensor copied in one block (the suffix's inputs, the tail's). */
  copyNs: 0.25,
  /** One element of a tail input turned back to [C, H, W] inside the tail. */
  transposeNs: 0.5,
  /** One session call, shared by the copies of a batch (about 64 windowed copies per call). */
  callNs: 250_000 / 64,
  /** Bookkeeping of one windowed copy (its windows, its outcome). */
  copyOverheadNs: 5_000,
};

/** Element-wise work is memory-bound: one element costs about as much as this many multiply-adds. */
const ELEMENT_MACS = 10;

/** What the cost model counts for one fault shape, before it is weighed by WINDOW_COST. */
export interface WindowWork {
  /** Windowed run: multiply-adds of the windows, elements of crops and windows handled in JavaScript, session calls. */
  windowMacs: number;
  windowElements: number;
  calls: number;
  /** The tail, run on whole tensors after the windows. */
  tailMacs: number;
  tailInputElements: number;
  /** Whole-suffix run: multiply-adds, and elements of its inputs copied per copy. */
  wholeMacs: number;
  boundaryElements: number;
  /** Elements of one copy's largest node run (its crops and window) or tail input: what a windowed run holds per copy. */
  largestElements: number;
}

/** The work of a fault whose changed positions span `rows` x `cols` of the target, both ways. */
export function windowWork(plan: WindowPlan, rows: number, cols: number): WindowWork {
  const size: ([number, number] | null)[] = plan.tensors.map(() => null);
  size[0] = [rows, cols];
  const work: WindowWork = { windowMacs: 0, windowElements: 0, calls: 0, tailMacs: plan.tailCost, tailInputElements: plan.tailInputElements, wholeMacs: plan.fullCost, boundaryElements: plan.boundaryElements, largestElements: plan.tailInputElements };
  for (const w of plan.nodes) {
    const out = plan.tensors[w.output].sampleDims;
    let r = 0;
    let q = 0;
    w.inputs.forEach((id, f) => {
      const s = size[id];
      if (s === null) return;
      if (f === 0 && w.rows !== null && w.cols !== null) {
        r = Math.max(r, maxReachedSize(s[0], w.rows, out[1]));
        q = Math.max(q, maxReachedSize(s[1], w.cols, out[2]));
      } else {
        r = Math.max(r, s[0]);
        q = Math.max(q, s[1]);
      }
    });
    if (r === 0) continue;
    size[w.output] = [r, q];
    let elements = out[0] * r * q;
    w.inputs.forEach((id, f) => {
      const inC = plan.tensors[id].sampleDims[0];
      if (f === 0 && w.rows !== null && w.cols !== null) elements += inC * ((r - 1) * w.rows.stride + (w.rows.kernel - 1) * w.rows.dilation + 1) * ((q - 1) * w.cols.stride + (w.cols.kernel - 1) * w.cols.dilation + 1);
      else elements += inC * r * q;
    });
    work.windowMacs += r * q * w.costPerPosition;
    work.windowElements += elements;
    work.largestElements = Math.max(work.largestElements, elements);
    work.calls += 1;
  }
  return work;
}

/** Estimated nanoseconds per copy of a windowed run and of a whole-suffix run of that work. */
export function windowCosts(work: WindowWork): { windowed: number; whole: number } {
  const c = WINDOW_COST;
  const windowed = c.copyOverheadNs + work.tailMacs * c.macNs + work.tailInputElements * (c.copyNs + c.transposeNs) + work.windowMacs * c.macNs + work.windowElements * c.elementNs + work.calls * c.callNs;
  const whole = work.wholeMacs * c.macNs + work.boundaryElements * c.copyNs;
  return { windowed, whole };
}

/** Whether work counted by windowWork is cheaper windowed than through the whole suffix. */
export function windowedWorkPays(work: WindowWork): boolean {
  const { windowed, whole } = windowCosts(work);
  return windowed < whole;
}

/**
 * Whether a fault whose changed positions span `rows` x `cols` of the target is cheaper to run
 * windowed (windows grown node by node as far as they can reach) than through the whole suffix.
 */
export function windowedRunPays(plan: WindowPlan, rows: number, cols: number): boolean {
  return windowedWorkPays(windowWork(plan, rows, cols));
}
