/**
 * The operators with one data input X [N, C, H, W] and one output Y: pools, activations,
 * BatchNormalization and the bias add. Each is described by its node, its parameters and how
 * its data is drawn; this file turns that description into an `OperatorVariant`.
 */
import { DataType, makeModel, makeNode, makeValueInfo, type AttrValue, type ModelProto, type TensorProto } from '../../onnx/index.js';
import { float32Tensor, type HostTensor } from '../../runtime/index.js';
import type { Rng } from '../../faults/rng.js';
import { bitsOf } from '../../faults/values/float-bits.js';
import type { Shape3 } from '../../faults/types.js';
import type { OperatorData, OperatorName, OperatorVariant, ParamSpec } from '../types.js';

export interface SimpleOperator {
  op: OperatorName;
  opType: string;
  description: string;
  dataDescription: string;
  input: Shape3;
  output: Shape3;
  params?: readonly ParamSpec[];
  /** Node attributes; `attribute` parameters are added from their current values. */
  attrs?: Record<string, AttrValue>;
  /** Constant node inputs after X and the `input` parameters. */
  initializers?: TensorProto[];
  drawData(rng: Rng): OperatorData;
}

export function simpleVariant(s: SimpleOperator): OperatorVariant {
  const params = s.params ?? [];
  const fed = params.filter((p) => p.kind === 'input');
  const models = new Map<string, ModelProto>();
  return {
    op: s.op,
    label: s.op,
    description: s.description,
    input: s.input,
    output: s.output,
    outputName: 'Y',
    params,
    dataDescription: s.dataDescription,
    buildModel(attrValues) {
      const attrs: Record<string, AttrValue> = { ...s.attrs };
      for (const p of params) if (p.kind === 'attribute') attrs[p.name] = { float: attrValues[p.name][0] };
      // One graph per distinct set of attribute values (bit patterns, so NaN and −0 are keys too).
      const key = params
        .filter((p) => p.kind === 'attribute')
        .map((p) => bitsOf(attrValues[p.name][0]))
        .join(',');
      let m = models.get(key);
      if (!m) {
        const F = DataType.FLOAT;
        const inits = s.initializers ?? [];
        m = makeModel({
          name: s.op,
          nodes: [makeNode(s.opType, ['X', ...fed.map((p) => p.name), ...inits.map((t) => t.name)], ['Y'], { name: s.op, attrs })],
          initializers: inits,
          inputs: [
            makeValueInfo('X', F, ['N', s.input.c, s.input.h, s.input.w]),
            ...fed.map((p) => makeValueInfo(p.name, F, p.dims)),
          ],
          outputs: [makeValueInfo('Y', F, ['N', s.output.c, s.output.h, s.output.w])],
        });
        models.set(key, m);
      }
      return m;
    },
    drawData: (rng) => s.drawData(rng),
    feeds(input, batch, values) {
      const out: Record<string, HostTensor> = { X: float32Tensor(input, [batch, s.input.c, s.input.h, s.input.w]) };
      for (const p of fed) out[p.name] = float32Tensor(values[p.name], p.dims);
      return out;
    },
  };
}
