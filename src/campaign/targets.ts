/**
 * Which layers a campaign injects: `--layers all` or a list of node or output tensor names,
 * resolved against the model and against where the faults come from (error models: the layer
 * needs a model file; a stored fault list: the layer needs faults in it). Targets come back in
 * graph order, the order of every report.
 */
import { usageError } from '../errors.js';
import type { ErrorModelSet } from '../error-models/index.js';
import type { FaultList, FaultListLayer } from '../faults/faultlist.js';
import { GraphIndex, listLayers, selectLayers } from '../onnx/index.js';

export interface Target {
  /** Node name (as reports show it). */
  name: string;
  /** The tensor faults overwrite. */
  output: string;
  opType: string;
  /** Position of the producing node, for graph order. */
  nodeIndex: number;
  /** Error-model stem, or null with a stored fault list. */
  errorModel: string | null;
  /** The fault-list layer, with a stored fault list. */
  listLayer: FaultListLayer | null;
}

export type FaultOrigin = { kind: 'models'; models: ErrorModelSet } | { kind: 'list'; list: FaultList };

export function resolveTargets(
  index: GraphIndex,
  layers: 'all' | string[],
  origin: FaultOrigin,
  modelPath: string,
  notice: (msg: string) => void,
): Target[] {
  const everyNode = listLayers(index, { all: true });
  let targets: Target[];
  if (origin.kind === 'models') {
    const models = origin.models;
    if (layers === 'all') {
      const injectable = listLayers(index);
      const missing = injectable.filter((l) => !models.has(l.errorModel!));
      if (missing.length > 0) {
        const files = [...new Set(missing.map((l) => `${l.errorModel}.json`))].join(', ');
        notice(`skipping ${missing.length} layer(s) with no error model in ${models.dir} (no ${files})`);
      }
      targets = injectable
        .filter((l) => models.has(l.errorModel!))
        .map((l) => ({ name: l.name, output: l.output, opType: l.opType, nodeIndex: l.nodeIndex, errorModel: l.errorModel, listLayer: null }));
      if (targets.length === 0) throw usageError(`${modelPath} has no layer that the error models in ${models.dir} cover; check --error-models`);
    } else {
      targets = selectLayers(everyNode, layers).map((l) => {
        if (l.errorModel === null) {
          throw usageError(`--layers: ${l.name} is ${/^[AEIOU]/.test(l.opType) ? 'an' : 'a'} ${l.opType}, which has no CLASSES error model; pick an injectable layer (classes profile MODEL lists them) or give a --faults list`);
        }
        models.require(l.errorModel);
        return { name: l.name, output: l.output, opType: l.opType, nodeIndex: l.nodeIndex, errorModel: l.errorModel, listLayer: null };
      });
    }
  } else {
    const list = origin.list;
    // One tensor, one layer: two names for one tensor would split its faults in two layers (a
    // hand-edited "layer" field), and --layers would find only one of them.
    const nameOf = new Map<string, string>();
    for (const ll of list.layers) {
      const other = nameOf.get(ll.output);
      if (other !== undefined) throw usageError(`--faults ${list.path}: layers ${other} and ${ll.name} both target tensor ${ll.output}; give all faults of a tensor the same "layer"`);
      nameOf.set(ll.output, ll.name);
    }
    const fromList = list.layers.map((ll) => {
      const p = index.producer.get(ll.output);
      if (p === undefined) {
        throw usageError(`--faults ${list.path}: faults target tensor "${ll.output}" (layer ${ll.name}), which ${modelPath} does not have; the list was made for another model: generate one for this model`);
      }
      const node = index.nodes[p];
      return { name: node.name, output: ll.output, opType: node.opType, nodeIndex: p, errorModel: null, listLayer: ll } satisfies Target;
    });
    // The tensor decides where faults go; a "layer" that names another node (a hand-written
    // list) would otherwise vanish from the reports without a word.
    const renamed = fromList.filter((t) => t.listLayer.name !== t.name);
    if (renamed.length > 0) {
      const e = renamed[0];
      notice(`--faults ${list.path}: ${renamed.length} layer name(s) of the list are not the model's names for their tensors (${e.listLayer.name} writes ${e.output}, which node ${e.name} makes); reports use the model's names`);
    }
    if (layers === 'all') targets = fromList;
    else {
      targets = selectLayers(everyNode, layers).map((l) => {
        const t = fromList.find((x) => x.name === l.name || x.output === l.output);
        if (!t) throw usageError(`--layers: the fault list ${list.path} has no faults for layer ${l.name}`);
        return t;
      });
    }
  }
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.output)) {
      // With every layer taken, two targets on one tensor are two nodes writing it: not valid ONNX.
      if (layers === 'all') throw usageError(`${modelPath}: two nodes write tensor ${t.output}, which valid ONNX does not allow; re-export the model`);
      throw usageError(`--layers: tensor ${t.output} is named twice; list each layer once`);
    }
    seen.add(t.output);
  }
  return [...targets].sort((a, b) => a.nodeIndex - b.nodeIndex);
}

