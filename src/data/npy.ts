import { runtimeError } from '../errors.js';
import { readUserFile, writeFileAtomic } from '../util/files.js';

/**
 * NumPy `.npy` files (format versions 1, 2 and 3), little-endian, C order. The element data is
 * copied once into a fresh ArrayBuffer and viewed as a typed array, so parsing costs one memcpy
 * and no per-element work, whatever the alignment of the data inside the file.
 */

export type NpyDtype =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A decoded array. `bool` is held as a Uint8Array of 0/1; 64-bit integers as BigInt arrays. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

interface DtypeInfo {
  dtype: NpyDtype;
  size: number;
  make: (buf: ArrayBuffer) => NpyData;
}

/** numpy's `descr` strings without the byte-order character. */
const DESCR: Record<string, DtypeInfo> = {
  f4: { dtype: 'float32', size: 4, make: (b) => new Float32Array(b) },
  f8: { dtype: 'float64', size: 8, make: (b) => new Float64Array(b) },
  i1: { dtype: 'int8', size: 1, make: (b) => new Int8Array(b) },
  u1: { dtype: 'uint8', size: 1, make: (b) => new Uint8Array(b) },
  i2: { dtype: 'int16', size: 2, make: (b) => new Int16Array(b) },
  u2: { dtype: 'uint16', size: 2, make: (b) => new Uint16Array(b) },
  i4: { dtype: 'int32', size: 4, make: (b) => new Int32Array(b) },
  u4: { dtype: 'uint32', size: 4, make: (b) => new Uint32Array(b) },
  i8: { dtype: 'int64', size: 8, make: (b) => new BigInt64Array(b) },
  u8: { dtype: 'uint64', size: 8, make: (b) => new BigUint64Array(b) },
  b1: { dtype: 'bool', size: 1, make: (b) => new Uint8Array(b) },
};

const DTYPE_DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  bool: '|b1',
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Number of elements of a shape (1 for a 0-d array). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Read and decode a `.npy` file; every problem is a one-line error naming the file. */
export function loadNpy(path: string): NpyArray {
  return parseNpy(readUserFile(path, 'array file'), path);
}

/** Decode `.npy` bytes; `name` is used in error messages. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  // A file that cannot be read as asked is a runtime error (exit 1), as src/errors.ts defines.
  const fail = (why: string, fix: string) => runtimeError(`${name}: ${why}; ${fix}`);
  const resave = 'save it again with numpy.save';
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fail('not a .npy file (no \\x93NUMPY signature)', `write it with numpy.save(path, array)`);
  }
  const major = bytes[6];
  let headerLen: number;
  let headerStart: number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw fail('the file is truncated inside its header', resave);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw fail(`unsupported .npy format version ${major}`, 'save it with a current numpy (format 1.0-3.0)');
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw fail('the file is truncated inside its header', resave);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const { descr, fortranOrder, shape } = parseHeader(header, fail);

  if (descr.startsWith('[')) {
    throw fail('it holds a structured (record) array', 'save a plain numeric array, e.g. numpy.save(path, arr.astype(numpy.float32))');
  }
  const order = descr[0];
  const code = descr.slice(1);
  if (code === 'O') {
    throw fail('it holds Python objects (dtype=object), which cannot be read without pickle', 'save a numeric array, e.g. numpy.save(path, numpy.asarray(arr, dtype=numpy.float32))');
  }
  const info = DESCR[code];
  if (info === undefined || !['<', '|', '='].includes(order)) {
    const what = order === '>' ? 'big-endian data' : `dtype ${descr}`;
    throw fail(`unsupported ${what}`, 'convert it with arr.astype("<f4") (or "<i8" for labels) and save it again');
  }
  if (fortranOrder && shape.filter((d) => d > 1).length > 1) {
    throw fail('the array is in Fortran (column-major) order', 'save it in C order: numpy.save(path, numpy.ascontiguousarray(arr))');
  }
  const count = shapeSize(shape);
  const byteLen = count * info.size;
  const available = bytes.length - dataStart;
  if (available < byteLen) {
    throw fail(`the file is truncated: shape [${shape.join(',')}] needs ${byteLen} data bytes but it has ${available}`, 'copy or save it again');
  }
  if (available > byteLen) {
    throw fail(`the file has ${available - byteLen} bytes after the data of shape [${shape.join(',')}]`, 'save it again with numpy.save (one array per file)');
  }
  // slice() copies into a new, 0-aligned ArrayBuffer: typed-array views need aligned offsets.
  const buf = bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + dataStart + byteLen);
  return { dtype: info.dtype, shape, data: info.make(buf as ArrayBuffer) };
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/**
 * The header is a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`. Only these three keys exist;
 * a small regex reader is enough and avoids evaluating anything.
 */
function parseHeader(header: string, fail: (why: string, fix: string) => Error): Header {
  const bad = () => fail('its header is not a valid .npy header', 'save it again with numpy.save');
  const descrMatch = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(header);
  const listDescr = /['"]descr['"]\s*:\s*\[/.test(header);
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if ((!descrMatch && !listDescr) || !fortranMatch || !shapeMatch) throw bad();
  const shape: number[] = [];
  for (const part of shapeMatch[1].split(',')) {
    const t = part.trim().replace(/L$/, '');
    if (t === '') continue;
    if (!/^\d+$/.test(t)) throw bad();
    shape.push(Number(t));
  }
  return { descr: listDescr ? '[' : descrMatch![2], fortranOrder: fortranMatch[1] === 'True', shape };
}

/** The dtype that matches a typed array, for writing it. */
export function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint64';
}

/** Encode as a version 1.0 `.npy` file (header padded so that the data starts at a multiple of 64). */
export function encodeNpy(array: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }): Uint8Array {
  const dtype = array.dtype ?? dtypeOf(array.data);
  if (shapeSize(array.shape) !== array.data.length) {
    throw runtimeError(`encodeNpy: shape [${array.shape.join(',')}] does not match ${array.data.length} elements`);
  }
  const dims = array.shape.length === 1 ? `${array.shape[0]},` : array.shape.join(', ');
  let header = `{'descr': '${DTYPE_DESCR[dtype]}', 'fortran_order': False, 'shape': (${dims}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), 10 + header.length);
  return out;
}

/**
 * Write a `.npy` file atomically (temporary file + rename). It overwrites: callers that write
 * user-named outputs check `assertWritable` first.
 */
export function saveNpy(path: string, array: { data: NpyData; shape: readonly number[]; dtype?: NpyDtype }): void {
  writeFileAtomic(path, encodeNpy(array));
}
