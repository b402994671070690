import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './gen/onnx_pb.js';
import { graphOf } from './model.js';
import { makeValueInfo } from './build.js';

/** Identity nodes looked through to find a constant (a chain longer than this is not an alias). */
const MAX_IDENTITY_HOPS = 8;

/**
 * A read-only index over a model's main graph: stable node names, who produces and who consumes
 * each tensor, initializers, constants and value types. Build it once per model; rewrites return
 * new models and need a new index.
 */

export interface NodeInfo {
  /** Position in graph.node (topological order, as ONNX requires). */
  index: number;
  /**
   * The node's name, made stable and unique: ONNX allows empty and repeated names, so an unnamed
   * node is called `<OpType>_<index>` and a repeated name gets `_<index>` appended.
   */
  name: string;
  opType: string;
  /** '' for the default ONNX domain. */
  domain: string;
  /** Explicit inputs ('' marks an omitted optional input). */
  inputs: readonly string[];
  /** Explicit inputs plus tensors of this graph that its subgraphs (If, Loop, Scan) read. */
  allInputs: readonly string[];
  outputs: readonly string[];
  node: NodeProto;
}

/** Stable, unique names for the nodes of a graph (see NodeInfo.name). */
export function stableNodeNames(nodes: readonly NodeProto[]): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  nodes.forEach((n, i) => {
    let name = n.name !== '' ? n.name : `${n.opType}_${i}`;
    while (seen.has(name)) name = `${name}_${i}`;
    seen.add(name);
    names.push(name);
  });
  return names;
}

/** Names a subgraph reads from enclosing scopes (used but defined neither inside nor as its inputs). */
export function outerScopeReads(graph: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const i of graph.input) defined.add(i.name);
  for (const t of graph.initializer) defined.add(t.name);
  for (const n of graph.node) for (const o of n.output) defined.add(o);
  const reads = new Set<string>();
  for (const n of graph.node) {
    for (const name of nodeReads(n)) if (name !== '' && !defined.has(name)) reads.add(name);
  }
  return reads;
}

function subgraphsOf(a: AttributeProto): GraphProto[] {
  return a.g !== undefined ? [a.g, ...a.graphs] : a.graphs;
}

/** Every tensor name a node reads: its inputs and its subgraphs' outer-scope reads. */
export function nodeReads(n: NodeProto): string[] {
  const reads = [...n.input];
  for (const a of n.attribute) for (const g of subgraphsOf(a)) reads.push(...outerScopeReads(g));
  return reads;
}

/** A node's attribute by name. */
export function nodeAttr(n: NodeInfo, name: string): AttributeProto | undefined {
  return n.node.attribute.find((a) => a.name === name);
}

/** An INT attribute, or `fallback` when the node has none (ONNX defaults are per operator). */
export function attrInt(n: NodeInfo, name: string, fallback: number): number {
  const a = nodeAttr(n, name);
  return a === undefined ? fallback : Number(a.i);
}

/** An INTS attribute, or undefined when the node has none. */
export function attrInts(n: NodeInfo, name: string): number[] | undefined {
  const a = nodeAttr(n, name);
  return a === undefined ? undefined : a.ints.map((v) => Number(v));
}

/** A STRING attribute, or `fallback`. */
export function attrString(n: NodeInfo, name: string, fallback: string): string {
  const a = nodeAttr(n, name);
  return a === undefined ? fallback : new TextDecoder().decode(a.s);
}

export class GraphIndex {
  readonly model: ModelProto;
  readonly graph: GraphProto;
  readonly nodes: readonly NodeInfo[];
  /** Tensor name → index of the node that produces it. */
  readonly producer: ReadonlyMap<string, number>;
  /** Tensor name → indices of the nodes that read it (including through subgraphs). */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly initializers: ReadonlyMap<string, TensorProto>;
  /** Graph inputs that are real inputs (older models also list initializers as inputs). */
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  private readonly byName = new Map<string, NodeInfo>();
  private readonly valueInfos = new Map<string, ValueInfoProto>();

  constructor(model: ModelProto) {
    this.model = model;
    this.graph = graphOf(model);
    const g = this.graph;
    const names = stableNodeNames(g.node);
    const producer = new Map<string, number>();
    const consumers = new Map<string, number[]>();
    this.nodes = g.node.map((node, index) => {
      const allInputs = nodeReads(node);
      for (const o of node.output) if (o !== '') producer.set(o, index);
      for (const i of new Set(allInputs)) {
        if (i === '') continue;
        let list = consumers.get(i);
        if (list === undefined) consumers.set(i, (list = []));
        list.push(index);
      }
      const info: NodeInfo = {
        index,
        name: names[index],
        opType: node.opType,
        domain: node.domain === 'ai.onnx' ? '' : node.domain,
        inputs: node.input,
        allInputs,
        outputs: node.output,
        node,
      };
      this.byName.set(info.name, info);
      return info;
    });
    this.producer = producer;
    this.consumers = consumers;
    this.initializers = new Map(g.initializer.map((t) => [t.name, t]));
    this.inputs = g.input.filter((i) => !this.initializers.has(i.name));
    this.outputs = g.output;
    for (const vi of [...g.valueInfo, ...g.input, ...g.output]) this.valueInfos.set(vi.name, vi);
  }

  /** The version of an operator set the model imports ('' = default ONNX domain); 0 if absent. */
  opsetVersion(domain = ''): number {
    for (const o of this.model.opsetImport) {
      const d = o.domain === 'ai.onnx' ? '' : o.domain;
      if (d === domain) return Number(o.version);
    }
    return 0;
  }

  nodeByName(name: string): NodeInfo | undefined {
    return this.byName.get(name);
  }

  /** A node by its (stable) name, or else the node that produces the named tensor. */
  findNode(nameOrTensor: string): NodeInfo | undefined {
    const byName = this.byName.get(nameOrTensor);
    if (byName !== undefined) return byName;
    const p = this.producer.get(nameOrTensor);
    return p === undefined ? undefined : this.nodes[p];
  }

  /** Declared type info of a tensor (value_info, graph input or output), if the model has it. */
  valueInfo(name: string): ValueInfoProto | undefined {
    return this.valueInfos.get(name);
  }

  isGraphInput(name: string): boolean {
    return this.inputs.some((i) => i.name === name);
  }

  /**
   * Where a tensor's value comes from once Identity nodes are looked through: PyTorch exports
   * parameters of equal value (every BatchNormalization scale of ones, zero biases) once, and
   * Identity nodes alias the copy for the others.
   */
  private unaliased(name: string): string {
    for (let hops = 0; hops < MAX_IDENTITY_HOPS && !this.initializers.has(name); hops++) {
      const p = this.producer.get(name);
      if (p === undefined || this.nodes[p].opType !== 'Identity' || this.nodes[p].domain !== '') break;
      name = this.nodes[p].inputs[0];
    }
    return name;
  }

  /**
   * The constant value of a tensor: an initializer that is not also a graph input (those can be
   * overridden at run time), or the `value` of a Constant node, also through Identity nodes.
   * Undefined otherwise. The tensor keeps the name of its source (see unaliased).
   */
  constantTensor(name: string): TensorProto | undefined {
    name = this.unaliased(name);
    const init = this.initializers.get(name);
    if (init !== undefined) return this.graph.input.some((i) => i.name === name) ? undefined : init;
    const p = this.producer.get(name);
    if (p === undefined) return undefined;
    const n = this.nodes[p];
    if (n.opType !== 'Constant' || n.domain !== '') return undefined;
    return n.node.attribute.find((a) => a.name === 'value')?.t;
  }

  /** True when a tensor is fixed at export time: an initializer or a Constant node's output, also through Identity nodes. */
  isConstant(name: string): boolean {
    name = this.unaliased(name);
    if (this.initializers.has(name)) return !this.graph.input.some((i) => i.name === name);
    const p = this.producer.get(name);
    return p !== undefined && this.nodes[p].opType === 'Constant' && this.nodes[p].domain === '';
  }

  /**
   * Nodes whose outputs do not depend on any graph input (Constant nodes and anything computed
   * only from constants). Rewrites copy these freely instead of passing their outputs around.
   */
  constantNodes(): Set<number> {
    const constTensors = new Set<string>();
    for (const [name] of this.initializers) if (this.isConstant(name)) constTensors.add(name);
    const result = new Set<number>();
    for (const n of this.nodes) {
      const reads = n.allInputs.filter((i) => i !== '');
      if (reads.every((i) => constTensors.has(i))) {
        result.add(n.index);
        for (const o of n.outputs) if (o !== '') constTensors.add(o);
      }
    }
    return result;
  }
}

/**
 * A copy of a model whose graph arrays (nodes, initializers, inputs, outputs, value_info) can be
 * changed without touching the original. Nodes, tensors and the rest are shared: rewrites must
 * replace a node or tensor instead of editing it.
 */
export function copyModel(model: ModelProto): ModelProto {
  const g = graphOf(model);
  const graph = shallowCopy(g);
  graph.node = [...g.node];
  graph.initializer = [...g.initializer];
  graph.input = [...g.input];
  graph.output = [...g.output];
  graph.valueInfo = [...g.valueInfo];
  const copy = shallowCopy(model);
  copy.opsetImport = [...model.opsetImport];
  copy.graph = graph;
  return copy;
}

/**
 * A shallow copy of a protobuf-es message. proto2 messages keep field presence in their own
 * properties over a prototype of defaults, so the copy keeps the prototype.
 */
export function shallowCopy<T extends object>(msg: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(msg) as object) as T, msg);
}

/**
 * Add an initializer to a model copy (see copyModel). IR versions before 4 require every
 * initializer to be listed among the graph inputs too.
 */
export function addInitializer(model: ModelProto, tensor: TensorProto, elemType: number, dims: readonly number[]): void {
  const graph = graphOf(model);
  graph.initializer.push(tensor);
  if (model.irVersion < 4n) graph.input.push(makeValueInfo(tensor.name, elemType, dims));
}

/**
 * A copy of the model whose nodes carry their stable names (NodeInfo.name), so that names ONNX
 * Runtime reports (profiler events, errors) match the names this tool shows.
 */
export function withStableNodeNames(model: ModelProto): ModelProto {
  const copy = copyModel(model);
  const graph = copy.graph!;
  const names = stableNodeNames(graph.node);
  graph.node = graph.node.map((n, i) => {
    if (n.name === names[i]) return n;
    const renamed = shallowCopy(n);
    renamed.name = names[i];
    return renamed;
  });
  return copy;
}
