import { selectNamedLayers } from '../util/layer-names.js';
import type { GraphIndex, NodeInfo } from './graph.js';
import { opToErrorModelName } from '../error-models/op-map.js';

/**
 * Which nodes can take a fault and which CLASSES error model each one gets (spec §5.1, extended
 * to the operators CLASSES has models for but the PyTorch frontend never mapped: Clip and bias
 * Add).
 */

export type ConvStrategy = 'gemm' | 'fft' | 'win';
export const CONV_STRATEGIES: readonly ConvStrategy[] = ['gemm', 'fft', 'win'];

export interface Layer {
  /** Stable node name (see NodeInfo.name). */
  name: string;
  opType: string;
  /** The tensor a fault overwrites: the node's first output. */
  output: string;
  /** Error-model file stem, or null when the node is not injectable. */
  errorModel: string | null;
  nodeIndex: number;
}

/** The error model of a node, or null when CLASSES has none for it. */
export function errorModelFor(index: GraphIndex, n: NodeInfo, convStrategy: ConvStrategy = 'gemm'): string | null {
  if (n.domain !== '' || n.outputs.length === 0 || n.outputs[0] === '') return null;
  // A bias add: exactly one operand of an Add is fixed at export time (a residual Add is not one).
  const biasAdd = n.opType === 'Add' && index.isConstant(n.inputs[0]) !== index.isConstant(n.inputs[1]);
  // The op -> model table is error-models' (one mapping for the whole tool).
  return opToErrorModelName(n.opType, `conv_${convStrategy}`, { biasAdd });
}

/**
 * The layers of a model in graph order: injectable ones only, or every node (`all`), nodes that
 * compute constants excepted (Constant nodes, and the Identity aliases of weights PyTorch
 * exports): they hold weights, not activations, and ONNX Runtime folds them away, so their
 * outputs cannot even be fetched.
 */
export function listLayers(index: GraphIndex, options: { convStrategy?: ConvStrategy; all?: boolean } = {}): Layer[] {
  const layers: Layer[] = [];
  const constants = options.all ? index.constantNodes() : new Set<number>();
  for (const n of index.nodes) {
    const errorModel = errorModelFor(index, n, options.convStrategy);
    if (n.outputs.length === 0 || n.outputs[0] === '') continue;
    if (errorModel === null && (!options.all || n.opType === 'Constant' || constants.has(n.index))) continue;
    layers.push({ name: n.name, opType: n.opType, output: n.outputs[0], errorModel, nodeIndex: n.index });
  }
  return layers;
}

/**
 * Pick layers by node name or output tensor name, in graph order (as run-campaign and gen-faults
 * list them). Unknown names are a usage error naming `flag` and a few valid names.
 */
export function selectLayers(layers: readonly Layer[], names: readonly string[], flag = '--layers'): Layer[] {
  const wanted = names.map((n) => n.trim()).filter((n) => n !== '');
  return selectNamedLayers(layers, wanted, (name) => {
    const sample = layers.slice(0, 6).map((l) => l.name).join(', ');
    return `${flag}: no layer named "${name}" (by node or output tensor name); valid names include ${sample || '(none)'}${layers.length > 6 ? ', ...' : ''}; run \`classes profile MODEL --all\` to list them`;
  });
}
