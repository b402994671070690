import { runtimeError } from '../errors.js';
import type { ModelProto, TensorProto, ValueInfoProto } from './gen/onnx_pb.js';
import { GraphIndex, copyModel } from './graph.js';
import { makeValueInfo } from './build.js';

/** Element type and full shape (batch first) of a tensor; strings are symbolic dims, null unknown. */
export interface TensorType {
  elemType: number;
  dims: (number | string | null)[];
}

export interface SplitResult {
  /** Computes every boundary tensor the suffix needs, plus the model outputs the cut cannot reach. */
  prefix: ModelProto;
  /** Everything downstream of the cut: takes the boundary tensors, gives the affected model outputs. */
  suffix: ModelProto;
  /**
   * The suffix's inputs, the cut tensor first, then the other tensors it reads from before the cut
   * (skip connections, model inputs) in graph order.
   */
  boundary: string[];
  /** Type of each boundary tensor, aligned with `boundary`. */
  boundaryTypes: TensorType[];
  /** The prefix's outputs: the boundary tensors it computes, then `unaffectedOutputs`. */
  prefixOutputs: string[];
  /** Model outputs that depend on the cut tensor: the suffix's outputs, in model order. */
  suffixOutputs: string[];
  /** Model outputs that do not depend on the cut tensor (computed by the prefix). */
  unaffectedOutputs: string[];
  /**
   * True when every boundary tensor has a symbolic dim 0, so several samples (faulty copies of
   * the cut tensor, with the other boundary tensors repeated) can be stacked along the batch.
   * Split a model passed through makeBatchDynamic for this to hold; `batchNotes` says why not.
   */
  batchDynamic: boolean;
  batchNotes: string[];
}

export interface SplitOptions {
  /**
   * Types of the boundary tensors. Needed for every boundary tensor the model does not declare
   * in value_info; runtime's inferTensorTypes() gets them from ONNX Runtime.
   */
  tensorTypes?: ReadonlyMap<string, TensorType>;
}

/** The declared type of a tensor, from a ValueInfoProto. */
export function typeOfValueInfo(vi: ValueInfoProto | undefined): TensorType | undefined {
  if (vi?.type?.value.case !== 'tensorType') return undefined;
  const tt = vi.type.value.value;
  const dims = (tt.shape?.dim ?? []).map((d) =>
    d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null,
  );
  return { elemType: tt.elemType, dims };
}

/**
 * Split a model at a tensor into a prefix and a suffix (DESIGN.md, "Run only what a fault can
 * change"). The suffix holds every node that depends on the cut tensor and feeds a model output;
 * it takes as inputs the cut tensor and every other tensor it reads that is computed before the
 * cut or is a model input. Constant nodes it needs are copied into it rather than passed in.
 * The prefix holds what is needed to compute those boundary tensors and the unaffected outputs.
 *
 * Running the prefix, then the suffix on the prefix's boundary outputs, computes exactly what the
 * original graph computes; ONNX Runtime may fuse differently across the cut, so compare faulty
 * suffix runs only with fault-free runs of the same suffix.
 */
export function splitAt(model: ModelProto, tensorName: string, options: SplitOptions = {}): SplitResult {
  const index = new GraphIndex(model);
  const cutProducer = index.producer.get(tensorName);
  if (cutProducer === undefined) {
    throw runtimeError(`cannot split at "${tensorName}": it is not produced by a node (a model input, weight or unknown name)`);
  }
  const constantNodes = index.constantNodes();
  if (constantNodes.has(cutProducer)) throw runtimeError(`cannot split at "${tensorName}": it is a constant`);

  // Forward pass: nodes downstream of the cut.
  const tainted = new Set<string>([tensorName]);
  const taintedNodes = new Set<number>();
  for (const n of index.nodes) {
    if (n.index === cutProducer) continue;
    if (n.allInputs.some((i) => tainted.has(i))) {
      taintedNodes.add(n.index);
      for (const o of n.outputs) if (o !== '') tainted.add(o);
    }
  }
  const modelOutputs = index.outputs.map((o) => o.name);
  const suffixOutputs = modelOutputs.filter((o) => tainted.has(o));
  const unaffectedOutputs = modelOutputs.filter((o) => !tainted.has(o));
  if (suffixOutputs.length === 0) {
    throw runtimeError(`cannot split at "${tensorName}": no model output depends on it`);
  }

  // Backward pass for the suffix: live downstream nodes, copied constants, boundary tensors.
  const suffixNodes = new Set<number>();
  const boundarySet = new Set<string>();
  const needed = new Set<string>(suffixOutputs);
  for (let i = index.nodes.length - 1; i >= 0; i--) {
    const n = index.nodes[i];
    if (!n.outputs.some((o) => o !== '' && needed.has(o))) continue;
    if (taintedNodes.has(i) || constantNodes.has(i)) {
      suffixNodes.add(i);
      for (const input of n.allInputs) if (input !== '') needed.add(input);
    } else {
      for (const o of n.outputs) if (needed.has(o)) boundarySet.add(o);
    }
  }
  for (const input of index.inputs) if (needed.has(input.name)) boundarySet.add(input.name);
  // The cut tensor is needed by construction (every suffix node descends from it).
  const position = (t: string): number => (index.producer.has(t) ? index.producer.get(t)! : -1);
  const boundary = [tensorName, ...[...boundarySet].filter((t) => t !== tensorName).sort((a, b) => position(a) - position(b))];

  // Backward pass for the prefix.
  const prefixOutputs = [...boundary.filter((t) => index.producer.has(t)), ...unaffectedOutputs];
  const prefixNodes = new Set<number>();
  const prefixNeeded = new Set<string>(prefixOutputs);
  for (let i = index.nodes.length - 1; i >= 0; i--) {
    const n = index.nodes[i];
    if (!n.outputs.some((o) => o !== '' && prefixNeeded.has(o))) continue;
    prefixNodes.add(i);
    for (const input of n.allInputs) if (input !== '') prefixNeeded.add(input);
  }

  // Types of the suffix inputs.
  const boundaryTypes = boundary.map((t) => {
    const type = options.tensorTypes?.get(t) ?? typeOfValueInfo(index.valueInfo(t));
    if (type === undefined) {
      throw runtimeError(`cannot split at "${tensorName}": the type of boundary tensor "${t}" is unknown; infer it first (runtime inferTensorTypes)`);
    }
    return type;
  });
  const batchNotes: string[] = [];
  boundary.forEach((t, k) => {
    const d0 = boundaryTypes[k].dims[0];
    if (typeof d0 !== 'string') batchNotes.push(`boundary tensor "${t}" has ${d0 === undefined ? 'no dim 0' : `a fixed dim 0 (${d0 ?? 'unknown'})`}`);
  });

  const keepIn = (nodes: Set<number>, graphInputs: ValueInfoProto[], outputs: ValueInfoProto[]): ModelProto => keepNodes(model, index, nodes, graphInputs, outputs);

  const prefixInputs = index.inputs.filter((vi) => prefixNeeded.has(vi.name));
  const prefix = keepIn(prefixNodes, [...prefixInputs], prefixOutputs.map((t) => index.outputs.find((o) => o.name === t) ?? makeValueInfo(t)));
  const suffixInputs = boundary.map((t, k) => makeValueInfo(t, boundaryTypes[k].elemType, boundaryTypes[k].dims));
  const suffix = keepIn(suffixNodes, suffixInputs, index.outputs.filter((o) => suffixOutputs.includes(o.name)));

  return {
    prefix,
    suffix,
    boundary,
    boundaryTypes,
    prefixOutputs,
    suffixOutputs,
    unaffectedOutputs,
    batchDynamic: batchNotes.length === 0,
    batchNotes,
  };
}

/**
 * A copy of `model` with only the given nodes, the initializers they read, and new inputs and
 * outputs. Value info is kept for the tensors the kept nodes produce.
 */
function keepNodes(model: ModelProto, index: GraphIndex, nodes: ReadonlySet<number>, graphInputs: ValueInfoProto[], outputs: ValueInfoProto[]): ModelProto {
  const copy = copyModel(model);
  const g = copy.graph!;
  g.node = index.nodes.filter((n) => nodes.has(n.index)).map((n) => n.node);
  const reads = new Set<string>();
  const produced = new Set<string>();
  for (const n of g.node) {
    for (const r of n.input) reads.add(r);
    for (const o of n.output) produced.add(o);
  }
  for (const n of index.nodes) if (nodes.has(n.index)) for (const r of n.allInputs) reads.add(r);
  g.initializer = index.graph.initializer.filter((t: TensorProto) => reads.has(t.name));
  const keptInits = new Set(g.initializer.map((t) => t.name));
  // Older IR versions list initializers among the inputs too; keep those that stay.
  const legacyInitInputs = index.graph.input.filter((vi) => keptInits.has(vi.name));
  g.input = [...graphInputs, ...legacyInitInputs];
  g.output = outputs;
  g.valueInfo = index.graph.valueInfo.filter((vi) => produced.has(vi.name));
  return copy;
}

/**
 * The part of a model that computes `outputs` from `inputs`: every node on the way, walking back
 * from the outputs and stopping at the inputs; constant nodes it needs are copied in. Every other
 * tensor it would read must be an input too, or this throws.
 */
export function extractSubgraph(model: ModelProto, inputs: readonly string[], outputs: readonly string[], options: SplitOptions = {}): ModelProto {
  const index = new GraphIndex(model);
  const isInput = new Set(inputs);
  const needed = new Set<string>(outputs);
  const nodes = new Set<number>();
  for (let i = index.nodes.length - 1; i >= 0; i--) {
    const n = index.nodes[i];
    if (!n.outputs.some((o) => o !== '' && needed.has(o) && !isInput.has(o))) continue;
    nodes.add(i);
    for (const input of n.allInputs) if (input !== '' && !isInput.has(input)) needed.add(input);
  }
  for (const t of needed) {
    if (isInput.has(t) || index.producer.has(t) || index.isConstant(t)) continue;
    throw runtimeError(`cannot extract a subgraph: it reads "${t}", which is neither computed inside it nor one of its inputs`);
  }
  const graphInputs = inputs.map((t) => {
    const type = options.tensorTypes?.get(t) ?? typeOfValueInfo(index.valueInfo(t));
    if (type === undefined) throw runtimeError(`cannot extract a subgraph: the type of its input "${t}" is unknown; infer it first (runtime inferTensorTypes)`);
    return makeValueInfo(t, type.elemType, type.dims);
  });
  return keepNodes(model, index, nodes, graphInputs, outputs.map((t) => index.outputs.find((o) => o.name === t) ?? makeValueInfo(t)));
}
