import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { runtimeError, usageError } from '../errors.js';
import { readUserFile } from '../util/files.js';
import { ModelProtoSchema } from './gen/onnx_pb.js';
import type { GraphProto, ModelProto, TensorProto } from './gen/onnx_pb.js';

/** A file of tensor data that a model refers to (ONNX "external data"). */
export interface ExternalDataFile {
  /** The location exactly as written in the model (relative to the model's folder). */
  path: string;
  data: Uint8Array;
}

/** A model read from disk, with the bytes it came from and any external data files. */
export interface LoadedModel {
  /** The path the user gave. */
  path: string;
  /** The .onnx file's bytes (not including external data). */
  bytes: Uint8Array;
  model: ModelProto;
  externalData: ExternalDataFile[];
}

/**
 * The model's identity in manifests, profiles and fault lists: the SHA-256 of its .onnx bytes,
 * and, when its weights live in external data files, of those files too (by name, length and
 * bytes, in name order), so that changed weights are another model. A model without external
 * data keeps the plain file hash.
 */
export function modelSha256(loaded: Pick<LoadedModel, 'bytes' | 'externalData'>): string {
  const h = createHash('sha256').update(loaded.bytes);
  for (const f of [...loaded.externalData].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(`\0${f.path}\0${f.data.length}\0`).update(f.data);
  }
  return h.digest('hex');
}

/**
 * Decode an ONNX model. `source` names the file in error messages. Unknown fields (parts of the
 * format our schema leaves out) are kept and written back by `encodeModel`.
 */
export function decodeModel(bytes: Uint8Array, source = 'model'): ModelProto {
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
  } catch (err) {
    throw runtimeError(
      `${source} is not a valid ONNX model (${(err as Error).message}); the file may be truncated or not ONNX: re-export or re-download it`,
    );
  }
  // Protobuf decoding accepts many byte strings that are not models; ask for the parts every
  // ONNX model has.
  if (model.graph === undefined || model.irVersion <= 0n || model.opsetImport.length === 0) {
    throw runtimeError(`${source} is not an ONNX model (no graph, IR version or opset); pass a .onnx file exported by your framework`);
  }
  return model;
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model, { writeUnknownFields: true });
}

/** The graph of a decoded model (decodeModel guarantees one). */
export function graphOf(model: ModelProto): GraphProto {
  if (model.graph === undefined) throw runtimeError('ONNX model has no graph');
  return model.graph;
}

/**
 * Read a model file and the external data files it refers to. Errors name the file and the fix:
 * missing file (usage, exit 2), not ONNX or truncated (exit 1), missing external data (exit 1).
 */
export function loadModel(path: string): LoadedModel {
  const bytes = new Uint8Array(readUserFile(path, 'model'));
  const model = decodeModel(bytes, path);
  const externalData = readExternalData(model, path);
  return { path, bytes, model, externalData };
}

/** The external-data location of a tensor, or undefined when its data is inside the model. */
export function externalLocation(t: TensorProto): string | undefined {
  if (t.dataLocation !== 1) return undefined;
  return t.externalData.find((e) => e.key === 'location')?.value;
}

/** All tensors stored in a graph, including Constant-node values and subgraphs. */
export function* allTensors(graph: GraphProto): Generator<TensorProto> {
  yield* graph.initializer;
  for (const node of graph.node) {
    for (const a of node.attribute) {
      if (a.t !== undefined) yield a.t;
      yield* a.tensors;
      if (a.g !== undefined) yield* allTensors(a.g);
      for (const g of a.graphs) yield* allTensors(g);
    }
  }
}

function readExternalData(model: ModelProto, modelPath: string): ExternalDataFile[] {
  const locations = new Set<string>();
  for (const t of allTensors(graphOf(model))) {
    const loc = externalLocation(t);
    if (loc !== undefined) locations.add(loc);
  }
  const baseDir = resolve(dirname(modelPath));
  const files: ExternalDataFile[] = [];
  for (const loc of locations) {
    const full = resolve(baseDir, loc);
    // ONNX Runtime refuses data files outside the model's folder; say so before it does.
    if (isAbsolute(loc) || !(full + sep).startsWith(baseDir + sep)) {
      throw runtimeError(`${modelPath} refers to external data "${loc}" outside its folder; re-save the model with its data file next to it`);
    }
    let isFile = false;
    try {
      isFile = statSync(full).isFile();
    } catch {
      isFile = false;
    }
    if (!isFile) {
      throw usageError(`${modelPath} needs its external data file ${full}, which is missing; keep the data file next to the model`);
    }
    // In shared memory: the campaign's worker threads then share the file instead of each
    // receiving a copy with every layer.
    const bytes = readUserFile(full, 'external data file');
    const data = new Uint8Array(new SharedArrayBuffer(bytes.length));
    data.set(bytes);
    files.push({ path: loc, data });
  }
  return files;
}

/** Throw a usage error when a model path is not a readable file (checked before long work). */
export function assertModelPath(path: string): void {
  try {
    if (!statSync(path).isFile()) throw usageError(`model ${path} is not a file; pass the path of a .onnx file`);
  } catch (err) {
    if (err instanceof Error && err.name === 'ClassesError') throw err;
    throw usageError(`model ${path} does not exist; check the path`);
  }
}
