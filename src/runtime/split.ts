import { GraphIndex, splitAt } from '../onnx/index.js';
import type { ExternalDataFile, ModelProto, SplitResult } from '../onnx/index.js';
import { inferTensorTypes } from './inspect.js';

/**
 * Split a model at a tensor with the boundary types filled in by ONNX Runtime (onnx/split.ts
 * does the graph work). Pass a model prepared by prepareBatchDynamic to get a suffix that takes
 * stacked samples (`batchDynamic` in the result).
 */
export async function splitModel(
  model: ModelProto,
  tensorName: string,
  options: { externalData?: readonly ExternalDataFile[] } = {},
): Promise<SplitResult> {
  // Every tensor the suffix could need is a candidate boundary; ask ORT once for all of them.
  const index = new GraphIndex(model);
  const candidates = new Set<string>();
  for (const n of index.nodes) for (const o of n.outputs) if (o !== '') candidates.add(o);
  for (const i of index.inputs) candidates.add(i.name);
  const constants = index.constantNodes();
  for (const n of index.nodes) if (constants.has(n.index)) for (const o of n.outputs) candidates.delete(o);
  const types = await inferTensorTypes(model, [...candidates], options);
  return splitAt(model, tensorName, { tensorTypes: types });
}
