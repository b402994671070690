import { usageError } from '../errors.js';
import type { NpyArray } from './npy.js';

/**
 * The values of any numeric array as float32, the type ONNX models take. A float32 array is
 * returned as it is (no copy). Values are converted as numpy's `astype(float32)` does: uint8
 * images stay in 0..255, nothing is rescaled.
 */
export function toFloat32(array: NpyArray): Float32Array {
  const src = array.data;
  if (src instanceof Float32Array) return src;
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
    return out;
  }
  // Float32Array.from on a typed array converts in native code, without a JS loop.
  return Float32Array.from(src);
}

/**
 * Class labels as Int32Array: an integer (or bool) array of shape [N] or [N, 1]. Floats are
 * accepted when every value is a whole number, since labels saved from pandas or torch often
 * are. `name` is the file, for messages.
 */
export function toLabels(array: NpyArray, name: string): Int32Array {
  const { shape, data } = array;
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    const hint = shape.length === 2 ? ' (one-hot labels: save labels.argmax(1))' : '';
    throw usageError(`${name}: labels must have shape [N] but it has shape [${shape.join(',')}]${hint}; save a 1-D integer array of class indices`);
  }
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]);
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw usageError(`${name}: label ${i} is ${String(data[i])}, not a class index; save non-negative integer class indices (dtype int64)`);
    }
    out[i] = v;
  }
  return out;
}
