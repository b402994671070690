import { create } from '@bufbuild/protobuf';
import { TensorShapeProto_DimensionSchema } from './gen/onnx_pb.js';
import type { ModelProto, TensorShapeProto_Dimension, TypeProto_Tensor, ValueInfoProto } from './gen/onnx_pb.js';
import { GraphIndex, addInitializer, copyModel, shallowCopy } from './graph.js';
import { DataType } from './dtype.js';
import { makeInt64Tensor, tensorIntegers } from './tensor.js';
import type { ExternalDataFile } from './model.js';

/**
 * Make dimension 0 (the batch) of a model's inputs and outputs symbolic, so that one run can take
 * several samples (the profiler's batches, the campaign's stacked faulty copies).
 *
 * Exporters often freeze the batch: the inputs say 1, and a Reshape's constant shape says
 * `[1, -1]`. The input/output dims are rewritten to a symbol, declared intermediate shapes
 * (value_info) are dropped so ONNX Runtime re-infers them, and a Reshape constant whose first
 * entry is the frozen batch gets 0 there ("copy the input's dim 0"), or -1 where the Reshape has
 * allowzero=1. Expand, Tile and ConstantOfShape with constant shapes can still hide the batch;
 * they are reported in `warnings`, and only a run with a batch > 1 can tell (see
 * runtime/batching.ts).
 */

export interface BatchDynamicResult {
  model: ModelProto;
  /** False when something certainly prevents batching (listed in `problems`). */
  dynamic: boolean;
  /** The batch size the model had frozen (1 for most exports); null when it was already symbolic. */
  frozenBatch: number | null;
  /** Names of Reshape nodes whose constant shape was patched. */
  patchedReshapes: string[];
  /** Things that may hide the batch; a test run with batch > 1 decides. */
  warnings: string[];
  /** Things that prevent batching for certain. */
  problems: string[];
}

export const BATCH_SYMBOL = 'N';

/** A copy of a tensor's value info with other declared dims. */
function withDims(vi: ValueInfoProto, tt: TypeProto_Tensor, dims: TensorShapeProto_Dimension[]): ValueInfoProto {
  const shape = shallowCopy(tt.shape!);
  shape.dim = dims;
  const tensorType = shallowCopy(tt);
  tensorType.shape = shape;
  const type = shallowCopy(vi.type!);
  type.value = { case: 'tensorType', value: tensorType };
  const out = shallowCopy(vi);
  out.type = type;
  return out;
}

/**
 * A copy of the model whose input `inputName` declares the data's sample dims where the exporter
 * left them symbolic (rows and columns exported as dynamic axes), the batch axis untouched, and no
 * declared intermediate shapes: ONNX Runtime then infers a number for every dim after the batch,
 * which windowed runs need. Every sample of a campaign has these dims. The model itself is
 * returned when nothing is symbolic.
 */
export function withSampleDims(model: ModelProto, inputName: string, sampleDims: readonly number[]): ModelProto {
  const graph = model.graph!;
  const k = graph.input.findIndex((i) => i.name === inputName);
  const vi = graph.input[k];
  const tt = vi?.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  const dims = tt?.shape?.dim;
  if (tt === undefined || dims === undefined || dims.length !== sampleDims.length + 1) return model;
  if (dims.slice(1).every((d) => d.value.case === 'dimValue')) return model;
  const fixed = dims.map((d, j) => (j === 0 || d.value.case === 'dimValue' ? d : create(TensorShapeProto_DimensionSchema, { value: { case: 'dimValue', value: BigInt(sampleDims[j - 1]) } })));
  const copy = copyModel(model);
  copy.graph!.input[k] = withDims(vi, tt, fixed);
  copy.graph!.valueInfo = [];
  return copy;
}

export function makeBatchDynamic(
  model: ModelProto,
  options: { symbol?: string; externalData?: readonly ExternalDataFile[] } = {},
): BatchDynamicResult {
  const symbol = options.symbol ?? BATCH_SYMBOL;
  const index = new GraphIndex(model);
  const copy = copyModel(model);
  const graph = copy.graph!;
  const problems: string[] = [];
  const warnings: string[] = [];
  const patchedReshapes: string[] = [];
  let frozenBatch: number | null = null;

  const freeDim0 = (vi: ValueInfoProto, what: string): ValueInfoProto => {
    const tt = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
    const dims = tt?.shape?.dim;
    if (tt === undefined || dims === undefined) return vi; // no declared shape: nothing to free
    if (dims.length === 0) {
      problems.push(`${what} ${vi.name} is a scalar and has no batch dimension`);
      return vi;
    }
    const d0 = dims[0];
    if (d0.value.case === 'dimParam') return vi;
    if (d0.value.case === 'dimValue') {
      const v = Number(d0.value.value);
      if (frozenBatch === null) frozenBatch = v;
      else if (frozenBatch !== v) problems.push(`${what} ${vi.name} has dim 0 = ${v}, other tensors ${frozenBatch}`);
    }
    const newDim0 = create(TensorShapeProto_DimensionSchema, { value: { case: 'dimParam', value: symbol } });
    return withDims(vi, tt, [newDim0, ...dims.slice(1)]);
  };

  const realInputs = new Set(index.inputs.map((i) => i.name));
  graph.input = graph.input.map((vi) => (realInputs.has(vi.name) ? freeDim0(vi, 'input') : vi));
  graph.output = graph.output.map((vi) => freeDim0(vi, 'output'));
  graph.valueInfo = [];

  const constant = index.constantNodes();
  const taken = new Set<string>([...index.initializers.keys(), ...index.producer.keys()]);
  for (const n of index.nodes) {
    if (constant.has(n.index) || n.domain !== '') continue;
    const shapeInputPos = n.opType === 'Reshape' || n.opType === 'Expand' ? 1 : n.opType === 'Tile' ? 1 : n.opType === 'ConstantOfShape' ? 0 : -1;
    if (shapeInputPos < 0) continue;
    const shapeName = n.inputs[shapeInputPos];
    const t = shapeName === undefined ? undefined : index.constantTensor(shapeName);
    if (t === undefined) continue; // computed at run time (e.g. from Shape): follows the batch
    const values = tensorIntegers(t, options.externalData ?? []);
    if (n.opType !== 'Reshape') {
      warnings.push(`${n.name} (${n.opType}) uses a constant shape [${values.join(', ')}] that may fix the batch size`);
      continue;
    }
    const batch = BigInt(frozenBatch ?? 1);
    if (values.length === 0 || values[0] === 0n || values[0] === -1n) continue;
    if (values[0] !== batch) {
      warnings.push(`${n.name} (Reshape) has constant shape [${values.join(', ')}]; its first entry is not the batch`);
      continue;
    }
    const allowZero = n.node.attribute.some((a) => a.name === 'allowzero' && a.i === 1n);
    const patched = [...values];
    if (!allowZero) patched[0] = 0n;
    else if (!values.includes(-1n)) patched[0] = -1n;
    else {
      problems.push(`${n.name} (Reshape, allowzero=1) hard-codes the batch in [${values.join(', ')}]`);
      continue;
    }
    let name = `${shapeName}__batch_dynamic`;
    for (let k = 1; taken.has(name); k++) name = `${shapeName}__batch_dynamic${k}`;
    taken.add(name);
    addInitializer(copy, makeInt64Tensor(name, [patched.length], patched), DataType.INT64, [patched.length]);
    const node = shallowCopy(n.node);
    node.input = [...n.node.input];
    node.input[shapeInputPos] = name;
    graph.node[n.index] = node;
    patchedReshapes.push(n.name);
  }
  return { model: copy, dynamic: problems.length === 0, frozenBatch, patchedReshapes, warnings, problems };
}
