/**
 * ONNX element types (TensorProto.DataType), their names as ONNX Runtime's JavaScript API spells
 * them, and their sizes. Values are facts of the ONNX format.
 */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

/** The element type names used by onnxruntime's Tensor (`'float32'`, `'int64'`...). */
export type ElemTypeName =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64';

const NAMES: Record<number, ElemTypeName> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

const SIZES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

/** Name of an ONNX element type, or undefined for types onnxruntime-node cannot hold. */
export function elemTypeName(dataType: number): ElemTypeName | undefined {
  return NAMES[dataType];
}

/** ONNX element type of a name as onnxruntime spells it. */
export function elemTypeFromName(name: string): number | undefined {
  for (const [k, v] of Object.entries(NAMES)) if (v === name) return Number(k);
  return undefined;
}

/** Bytes per element in raw_data, or undefined for variable-size types (string). */
export function elemByteSize(dataType: number): number | undefined {
  return SIZES[dataType];
}

/** Float types whose values have an operating range worth profiling. */
export function isFloatType(dataType: number): boolean {
  return dataType === DataType.FLOAT || dataType === DataType.FLOAT16 || dataType === DataType.DOUBLE || dataType === DataType.BFLOAT16;
}
