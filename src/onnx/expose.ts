import { runtimeError } from '../errors.js';
import { GraphIndex, copyModel } from './graph.js';
import type { ModelProto } from './gen/onnx_pb.js';
import { makeValueInfo } from './build.js';

/**
 * A copy of the model that also outputs the named intermediate tensors. The new outputs carry a
 * name only: ONNX Runtime infers their type and shape. With `replaceOutputs` the model's own
 * outputs are dropped (ONNX Runtime then skips nodes that feed none of the requested tensors).
 *
 * Exposing a tensor stops ONNX Runtime from fusing operators across it, so an exposed model can
 * differ from the plain one in the last bits where the plain one fused (DESIGN.md, "Golden means
 * the same graph").
 */
export function exposeTensors(model: ModelProto, names: readonly string[], options: { replaceOutputs?: boolean } = {}): ModelProto {
  const index = new GraphIndex(model);
  const copy = copyModel(model);
  const graph = copy.graph!;
  if (options.replaceOutputs) graph.output = [];
  const present = new Set(graph.output.map((o) => o.name));
  for (const name of names) {
    if (present.has(name)) continue;
    if (!index.producer.has(name) && !index.isGraphInput(name)) {
      throw runtimeError(`cannot expose tensor "${name}": no node of the model produces it`);
    }
    // A bare name, even where value_info declares a shape: a declared batch of 1 would clash
    // with batched runs of a model made batch-dynamic.
    graph.output.push(makeValueInfo(name));
    present.add(name);
  }
  return copy;
}
