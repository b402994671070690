import { runtimeError } from '../errors.js';
import {
  DataType,
  GraphIndex,
  addInitializer,
  copyModel,
  makeFloatTensor,
  makeNode,
  makeValueInfo,
} from '../onnx/index.js';
import type { ModelProto } from '../onnx/index.js';

/**
 * The operating-range graphs: the model with, for each profiled tensor x, nodes that reduce it
 * inside ONNX Runtime to a few scalars over the whole batch. Only these scalars leave the
 * runtime: no per-element work in JavaScript. Tensors that are not float32 are cast first.
 *
 * The fast graph (three passes over x):
 *   min = ReduceMin(x), max = ReduceMax(x), sum = ReduceSum(x)
 * When min, max and sum are all finite, x held no NaN or ±Inf (either would make the sum NaN or
 * infinite) and min/max are exact. Otherwise (rare: a broken model, or a sum that overflows) the
 * batch is run again through the exact graph:
 *   finite = Abs(x) < +inf            (false for NaN and ±inf)
 *   min    = ReduceMin(Where(finite, x, +inf))
 *   max    = ReduceMax(Where(finite, x, -inf))
 *   count  = ReduceSum(Cast(finite, int32))   → non-finite = elements - count
 * ReduceMin/ReduceMax alone skip NaN but keep ±inf; the mask keeps the range to finite values.
 */

export interface RangeOutputs {
  tensor: string;
  min: string;
  max: string;
  /** Fast graph: the sum of x. Exact graph: the number of finite values. */
  check: string;
}

export const MIN_RANGE_OPSET = 9; // Where

export function buildRangeModel(
  model: ModelProto,
  tensors: readonly { name: string; elemType: number }[],
  mode: 'fast' | 'exact' = 'fast',
): { model: ModelProto; outputs: RangeOutputs[] } {
  const index = new GraphIndex(model);
  const opset = index.opsetVersion('');
  if (opset < MIN_RANGE_OPSET) {
    throw runtimeError(`the model uses ONNX opset ${opset}; profiling needs opset ${MIN_RANGE_OPSET} or newer: re-export the model with a newer opset`);
  }
  const copy = copyModel(model);
  const graph = copy.graph!;
  graph.output = [];

  // A prefix no tensor or node of the model uses.
  const used = [...index.producer.keys(), ...index.initializers.keys(), ...index.nodes.map((n) => n.name)];
  let prefix = '__classes_range';
  while (used.some((u) => u.startsWith(prefix))) prefix = `_${prefix}`;

  const posInf = `${prefix}_pos_inf`;
  const negInf = `${prefix}_neg_inf`;
  if (mode === 'exact') {
    addInitializer(copy, makeFloatTensor(posInf, [], [Infinity]), DataType.FLOAT, []);
    addInitializer(copy, makeFloatTensor(negInf, [], [-Infinity]), DataType.FLOAT, []);
  }

  const outputs: RangeOutputs[] = [];
  tensors.forEach(({ name, elemType }, k) => {
    const p = `${prefix}_${k}`;
    const node = (op: string, inputs: string[], out: string, attrs?: Record<string, number>) =>
      graph.node.push(makeNode(op, inputs, [out], { name: out, attrs }));
    let x = name;
    if (elemType !== DataType.FLOAT) {
      node('Cast', [name], `${p}_f32`, { to: DataType.FLOAT });
      x = `${p}_f32`;
    }
    let lo = x;
    let hi = x;
    let check: string;
    if (mode === 'fast') {
      node('ReduceSum', [x], `${p}_sum`, { keepdims: 0 });
      check = `${p}_sum`;
    } else {
      node('Abs', [x], `${p}_abs`);
      node('Less', [`${p}_abs`, posInf], `${p}_finite`);
      node('Where', [`${p}_finite`, x, posInf], `${p}_lo`);
      node('Where', [`${p}_finite`, x, negInf], `${p}_hi`);
      node('Cast', [`${p}_finite`], `${p}_finite_i32`, { to: DataType.INT32 });
      node('ReduceSum', [`${p}_finite_i32`], `${p}_count`, { keepdims: 0 });
      lo = `${p}_lo`;
      hi = `${p}_hi`;
      check = `${p}_count`;
    }
    node('ReduceMin', [lo], `${p}_min`, { keepdims: 0 });
    node('ReduceMax', [hi], `${p}_max`, { keepdims: 0 });
    outputs.push({ tensor: name, min: `${p}_min`, max: `${p}_max`, check });
    graph.output.push(makeValueInfo(`${p}_min`), makeValueInfo(`${p}_max`), makeValueInfo(check));
  });
  return { model: copy, outputs };
}
