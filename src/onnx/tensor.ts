import { create } from '@bufbuild/protobuf';
import { runtimeError } from '../errors.js';
import { TensorProtoSchema } from './gen/onnx_pb.js';
import type { TensorProto } from './gen/onnx_pb.js';
import { DataType, elemByteSize } from './dtype.js';
import { externalLocation, type ExternalDataFile } from './model.js';

/**
 * Reading and making TensorProtos. raw_data is little-endian in ONNX; the typed-array views below
 * assume a little-endian host (x86-64 and arm64 both are).
 */

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map((d) => Number(d));
}

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * The raw little-endian bytes of a fixed-size tensor, from raw_data or external data, copied into
 * a fresh aligned buffer (raw_data is a view into the file at an arbitrary offset). Undefined
 * when the values are in the typed repeated fields instead.
 */
function rawBytes(t: TensorProto, external: readonly ExternalDataFile[]): Uint8Array | undefined {
  const loc = externalLocation(t);
  if (loc !== undefined) {
    const file = external.find((f) => f.path === loc);
    if (file === undefined) throw runtimeError(`tensor ${t.name} is stored in external file ${loc}, which was not loaded`);
    const offset = Number(t.externalData.find((e) => e.key === 'offset')?.value ?? '0');
    const lengthText = t.externalData.find((e) => e.key === 'length')?.value;
    const length = lengthText === undefined ? file.data.length - offset : Number(lengthText);
    return file.data.slice(offset, offset + length);
  }
  if (t.rawData.length > 0 || Object.prototype.hasOwnProperty.call(t, 'rawData')) return t.rawData.slice();
  return undefined;
}

/** The values of a FLOAT tensor. */
export function tensorFloat32(t: TensorProto, external: readonly ExternalDataFile[] = []): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw runtimeError(`tensor ${t.name} has element type ${t.dataType}, expected float`);
  const raw = rawBytes(t, external);
  if (raw !== undefined) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return Float32Array.from(t.floatData);
}

/** The values of an integer tensor (INT64, INT32, INT16, INT8, UINT8...) as bigints. */
export function tensorIntegers(t: TensorProto, external: readonly ExternalDataFile[] = []): bigint[] {
  const raw = rawBytes(t, external);
  const size = elemByteSize(t.dataType);
  if (raw !== undefined && size !== undefined) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: bigint[] = [];
    for (let off = 0; off + size <= raw.byteLength; off += size) {
      switch (t.dataType) {
        case DataType.INT64: out.push(view.getBigInt64(off, true)); break;
        case DataType.UINT64: out.push(view.getBigUint64(off, true)); break;
        case DataType.INT32: out.push(BigInt(view.getInt32(off, true))); break;
        case DataType.UINT32: out.push(BigInt(view.getUint32(off, true))); break;
        case DataType.INT16: out.push(BigInt(view.getInt16(off, true))); break;
        case DataType.UINT16: out.push(BigInt(view.getUint16(off, true))); break;
        case DataType.INT8: out.push(BigInt(view.getInt8(off))); break;
        case DataType.UINT8:
        case DataType.BOOL: out.push(BigInt(view.getUint8(off))); break;
        default: throw runtimeError(`tensor ${t.name} has element type ${t.dataType}, expected an integer type`);
      }
    }
    return out;
  }
  switch (t.dataType) {
    case DataType.INT64: return [...t.int64Data];
    case DataType.UINT64: case DataType.UINT32: return [...t.uint64Data];
    case DataType.INT32: case DataType.INT16: case DataType.INT8: case DataType.UINT16: case DataType.UINT8: case DataType.BOOL:
      return t.int32Data.map((v) => BigInt(v));
    default: throw runtimeError(`tensor ${t.name} has element type ${t.dataType}, expected an integer type`);
  }
}

/** A FLOAT tensor with its values in raw_data. */
export function makeFloatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const data = Float32Array.from(values as ArrayLike<number>);
  if (data.length !== elementCount(dims)) throw new RangeError(`makeFloatTensor(${name}): ${data.length} values for dims [${dims.join(',')}]`);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}

/** An INT64 tensor with its values in raw_data. */
export function makeInt64Tensor(name: string, dims: readonly number[], values: ArrayLike<number | bigint>): TensorProto {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  if (data.length !== elementCount(dims)) throw new RangeError(`makeInt64Tensor(${name}): ${data.length} values for dims [${dims.join(',')}]`);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: DataType.INT64,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
}
