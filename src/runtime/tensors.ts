import type { ElemTypeName } from '../onnx/dtype.js';

/**
 * Tensors as plain data, so that nothing outside src/runtime needs onnxruntime-node's types.
 * `dims` includes the batch dimension.
 */
export type TensorArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

export interface HostTensor {
  type: ElemTypeName;
  dims: readonly number[];
  data: TensorArray;
}

export function float32Tensor(data: Float32Array, dims: readonly number[]): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new RangeError(`float32Tensor: ${data.length} values for dims [${dims.join(', ')}]`);
  return { type: 'float32', dims: [...dims], data };
}

/** The Float32Array of a float32 tensor (throws for other types). */
export function asFloat32(t: HostTensor, what = 'tensor'): Float32Array {
  if (t.type !== 'float32' || !(t.data instanceof Float32Array)) throw new TypeError(`${what} is ${t.type}, expected float32`);
  return t.data;
}

/** Scalar value of a one-element numeric tensor as a JavaScript number. */
export function scalarValue(t: HostTensor): number {
  if (t.data.length !== 1) throw new RangeError(`expected a one-element tensor, got dims [${t.dims.join(', ')}]`);
  const v = t.data[0];
  return Number(v);
}

/**
 * `copies` copies of a tensor stacked along dim 0 (a batch of identical samples): used to repeat
 * golden boundary tensors next to stacked faulty copies of the cut tensor.
 */
export function repeatBatch(t: HostTensor, copies: number): HostTensor {
  if (t.data instanceof Array) throw new TypeError('repeatBatch: string tensors are not supported');
  const src = t.data;
  const Ctor = src.constructor as new (n: number) => Exclude<TensorArray, string[]>;
  const out = new Ctor(src.length * copies);
  for (let k = 0; k < copies; k++) (out as Float32Array).set(src as Float32Array, k * src.length);
  const dims = t.dims.length === 0 ? [copies] : [t.dims[0] * copies, ...t.dims.slice(1)];
  return { type: t.type, dims, data: out };
}
