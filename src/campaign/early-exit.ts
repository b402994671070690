/**
 * Early exit (DESIGN.md: "Faults that die out early ... can be detected at intermediate cut
 * points and stopped there"). For a target tensor T, a cut tensor D a few cheap nodes after T is
 * chosen such that every path from T to the model outputs passes through D (D dominates T's
 * outputs). The suffix of T is then run as stage 1 (boundary tensors → D) and stage 2 (D and
 * the tensors it reads from before D → scores); a faulty copy whose D is bit-identical to the
 * golden D cannot change the scores, so it stops after stage 1.
 *
 * This module only decides where to cut; golden.ts builds and runs the stages.
 */
import { GraphIndex, type ModelProto } from '../onnx/index.js';

/** Operators after which a fault often disappears: negative values zeroed, non-maxima dropped. */
const MASKING_OPS = new Set(['Relu', 'Clip', 'MaxPool']);
/** Operators too costly for stage 1 (it runs for every faulty copy, survivors or not). */
const COSTLY_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'ConvInteger', 'QLinearConv', 'MatMulInteger', 'QLinearMatMul', 'Loop', 'Scan', 'If']);
/** Most nodes stage 1 may hold: it must stay cheap next to the suffix. */
export const MAX_STAGE1_NODES = 3;

export type EarlyExitMode = 'auto' | 'off';
export const EARLY_EXIT_MODES: readonly EarlyExitMode[] = ['auto', 'off'];

export interface EarlyExitCut {
  /** The cut tensor D. */
  cut: string;
  /** Operators of stage 1 (T → D), in graph order. */
  stage1Ops: string[];
}

/** Nodes downstream of `from` (not counting its producer), in graph order; `stop` is not followed. */
function downstream(index: GraphIndex, from: string, stop: string | null): { nodes: number[]; tensors: Set<string> } {
  const tensors = new Set<string>([from]);
  const nodes: number[] = [];
  const own = index.producer.get(from);
  for (const n of index.nodes) {
    if (n.index === own) continue;
    if (n.allInputs.some((i) => i !== stop && tensors.has(i))) {
      nodes.push(n.index);
      for (const o of n.outputs) if (o !== '' && o !== stop) tensors.add(o);
    }
  }
  return { nodes, tensors };
}

/**
 * True when every path from `from` to any of `outputs` passes through `cut` (and `cut` itself
 * depends on `from`): with `cut` removed, no output still depends on `from`.
 */
export function isDominator(index: GraphIndex, from: string, cut: string, outputs: readonly string[]): boolean {
  if (cut === from) return false;
  if (!downstream(index, from, null).tensors.has(cut)) return false;
  const without = downstream(index, from, cut).tensors;
  return outputs.every((o) => o !== cut && !without.has(o));
}

/**
 * Where to stop faults of `target` early, or null where it does not pay: the output of the last
 * masking operator (Relu, Clip, MaxPool) among the first MAX_STAGE1_NODES nodes downstream of
 * the target, provided it dominates the model outputs, no costly operator (Conv, Gemm...) comes
 * before it, something runs after it, and its type is float32 (rows are compared bit for bit).
 */
export function chooseEarlyExitCut(model: ModelProto, target: string, isFloat32: (tensor: string) => boolean): EarlyExitCut | null {
  const index = new GraphIndex(model);
  const outputs = index.outputs.map((o) => o.name);
  const { nodes } = downstream(index, target, null);
  let best: EarlyExitCut | null = null;
  const ops: string[] = [];
  for (const i of nodes.slice(0, MAX_STAGE1_NODES)) {
    const n = index.nodes[i];
    if (COSTLY_OPS.has(n.opType) || n.domain !== '') break;
    ops.push(n.opType);
    const out = n.outputs[0];
    if (!MASKING_OPS.has(n.opType) || out === undefined || out === '' || outputs.includes(out)) continue;
    if (!isFloat32(out) || !isDominator(index, target, out, outputs)) continue;
    best = { cut: out, stage1Ops: [...ops] };
  }
  return best;
}
