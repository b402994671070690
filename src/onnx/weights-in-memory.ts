/**
 * A model's weights held once, in shared memory, as ONNX external data.
 *
 * A campaign cuts the model into a prefix, a suffix and windowed segments for every layer, and
 * each of those models is encoded to bytes for ONNX Runtime (and, for workers, posted to each
 * thread). With the weights inside the model, every layer encoded and copied nearly all of them
 * again: 46 MB for a ResNet-18, several times per layer. As external data, the encoded models
 * only refer to the weights (location, offset, length), and ONNX Runtime reads them from one
 * in-memory file that every session and worker shares (BENCHMARKS.md, ninth and eleventh sessions).
 * The values are the same bytes, so results do not change.
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, type ModelProto, type TensorProto } from './gen/onnx_pb.js';
import { copyModel, shallowCopy } from './graph.js';
import { externalLocation, graphOf, type ExternalDataFile } from './model.js';

/** Smaller tensors stay inside the model: shapes, axes and pads are read by the planners, and cost nothing to copy. */
export const MIN_EXTERNAL_BYTES = 1024;
/** Offsets of the weights in the in-memory file (a cache line: ONNX Runtime may use the bytes in place). */
const ALIGNMENT = 64;

/** EXTERNAL in TensorProto.DataLocation. */
const EXTERNAL = 1;

export interface WeightsInMemory {
  model: ModelProto;
  /** The model's own external data files, then the in-memory file (when any weight moved). */
  externalData: ExternalDataFile[];
  /** How many initializers moved, and their bytes. */
  moved: number;
  bytes: number;
}

/**
 * The in-memory file's name (never a file on disk): named by its content, because sessions are
 * cached by their model's bytes and their data files' names (window/executor.ts), and two models
 * of one shape with other weights must not meet in that cache.
 */
function locationFor(data: Uint8Array, taken: readonly ExternalDataFile[]): string {
  const names = new Set(taken.map((f) => f.path));
  const base = `classes-weights-${createHash('sha256').update(data).digest('hex').slice(0, 32)}`;
  let name = `${base}.bin`;
  for (let k = 2; names.has(name); k++) name = `${base}-${k}.bin`;
  return name;
}

/**
 * A copy of `model` whose initializers of at least `minBytes` bytes of raw data refer to one
 * in-memory external data file (in a SharedArrayBuffer, so that worker threads share it), and
 * the data files to give ONNX Runtime with it. Initializers already stored externally, kept in
 * typed fields instead of raw bytes, or smaller than `minBytes` stay as they are.
 */
export function holdWeightsInMemory(model: ModelProto, externalData: readonly ExternalDataFile[], minBytes = MIN_EXTERNAL_BYTES): WeightsInMemory {
  const graph = graphOf(model);
  const movable = (t: TensorProto): boolean => externalLocation(t) === undefined && t.rawData.length >= minBytes;
  let size = 0;
  for (const t of graph.initializer) if (movable(t)) size = Math.ceil(size / ALIGNMENT) * ALIGNMENT + t.rawData.length;
  if (size === 0) return { model, externalData: [...externalData], moved: 0, bytes: 0 };

  const data = new Uint8Array(new SharedArrayBuffer(size));
  const offsets = new Map<TensorProto, number>();
  let offset = 0;
  for (const t of graph.initializer) {
    if (!movable(t)) continue;
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
    data.set(t.rawData, offset);
    offsets.set(t, offset);
    offset += t.rawData.length;
  }
  const location = locationFor(data, externalData);
  const copy = copyModel(model);
  copy.graph!.initializer = graph.initializer.map((t) => {
    const offset = offsets.get(t);
    if (offset === undefined) return t;
    const out = shallowCopy(t);
    out.rawData = new Uint8Array(0);
    out.dataLocation = EXTERNAL;
    out.externalData = [
      create(StringStringEntryProtoSchema, { key: 'location', value: location }),
      create(StringStringEntryProtoSchema, { key: 'offset', value: String(offset) }),
      create(StringStringEntryProtoSchema, { key: 'length', value: String(t.rawData.length) }),
    ];
    return out;
  });
  return { model: copy, externalData: [...externalData, { path: location, data }], moved: offsets.size, bytes: size };
}
