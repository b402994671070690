import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
} from './gen/onnx_pb.js';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, TensorShapeProto, ValueInfoProto } from './gen/onnx_pb.js';

/**
 * Small constructors for graph pieces: used by the graph rewrites (inserted reductions, patched
 * constants) and by tests that build models in code.
 */

export type AttrValue = number | bigint | string | number[] | bigint[] | TensorProto | { floats: number[] } | { float: number };

/**
 * An attribute from a plain value: integers (number without fraction or bigint) → INT, arrays of
 * integers → INTS, strings → STRING, tensors → TENSOR. Floats need `{ float: x }` /
 * `{ floats: [...] }` so that 1.0 is not mistaken for an INT.
 */
export function makeAttribute(name: string, value: AttrValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  if (typeof value === 'bigint') return create(AttributeProtoSchema, { name, type: T.INT, i: value });
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`makeAttribute(${name}): use { float: ${value} } for float attributes`);
    return create(AttributeProtoSchema, { name, type: T.INT, i: BigInt(value) });
  }
  if (typeof value === 'string') return create(AttributeProtoSchema, { name, type: T.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return create(AttributeProtoSchema, { name, type: T.INTS, ints: (value as (number | bigint)[]).map((v) => BigInt(v)) });
  if ('float' in value) return create(AttributeProtoSchema, { name, type: T.FLOAT, f: value.float });
  if ('floats' in value) return create(AttributeProtoSchema, { name, type: T.FLOATS, floats: value.floats });
  return create(AttributeProtoSchema, { name, type: T.TENSOR, t: value });
}

export function makeNode(
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  options: { name?: string; domain?: string; attrs?: Record<string, AttrValue> } = {},
): NodeProto {
  const node = create(NodeProtoSchema, {
    opType,
    input: [...inputs],
    output: [...outputs],
    attribute: Object.entries(options.attrs ?? {}).map(([k, v]) => makeAttribute(k, v)),
  });
  if (options.name !== undefined) node.name = options.name;
  if (options.domain !== undefined) node.domain = options.domain;
  return node;
}

/** A tensor shape; numbers are fixed dims, strings symbolic ones, null unknown ones. */
export function makeShape(dims: readonly (number | string | null)[]): TensorShapeProto {
  return create(TensorShapeProtoSchema, {
    dim: dims.map((d) =>
      create(TensorShapeProto_DimensionSchema, {
        value:
          d === null
            ? { case: undefined }
            : typeof d === 'number'
              ? { case: 'dimValue', value: BigInt(d) }
              : { case: 'dimParam', value: d },
      }),
    ),
  });
}

/** A graph input/output description; `dims` undefined leaves the shape unknown. */
export function makeValueInfo(name: string, elemType?: number, dims?: readonly (number | string | null)[]): ValueInfoProto {
  const vi = create(ValueInfoProtoSchema, { name });
  if (elemType !== undefined) {
    const tensorType = create(TypeProto_TensorSchema, { elemType });
    if (dims !== undefined) tensorType.shape = makeShape(dims);
    vi.type = create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } });
  }
  return vi;
}

export interface ModelSpec {
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
  opset?: number;
  irVersion?: number;
  name?: string;
}

/** A model with one default-domain opset import (13 unless told). */
export function makeModel(spec: ModelSpec): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: BigInt(spec.irVersion ?? 8),
    producerName: 'classes',
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(spec.opset ?? 13) })],
    graph: create(GraphProtoSchema, {
      name: spec.name ?? 'graph',
      node: spec.nodes,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers ?? [],
    }),
  });
}
