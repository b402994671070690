import type { AppliedImagePreprocessing } from '../data/images.js';
import { usageError } from '../errors.js';
import { noInputShape } from '../data/inputs.js';
import {
  DataType,
  GraphIndex,
  exposeTensors,
  elemTypeFromName,
  elemTypeName,
  listLayers,
  loadModel,
  modelSha256,
  selectLayers,
  typeOfValueInfo,
  withStableNodeNames,
} from '../onnx/index.js';
import type { ConvStrategy, Layer, LoadedModel, ModelProto } from '../onnx/index.js';
import { createSession, prepareBatchDynamic, scalarValue, twoSamples } from '../runtime/index.js';
import type { HostTensor, Provider, ProviderRequest } from '../runtime/index.js';
import { buildRangeModel } from './range-graph.js';
import { meanKernelTimes } from './timing.js';
import type { LayerProfile, Profile } from './types.js';

/** Samples to profile: `count` samples of `sampleShape`, one after another in `data`. */
export interface ProfileInputs {
  data: Float32Array;
  count: number;
  sampleShape: readonly number[];
  /** A path, or `random(seed=S)`; for the report. */
  source?: string;
  random?: boolean;
  /** Image inputs: the preprocessing applied, recorded in the profile. */
  image?: AppliedImagePreprocessing;
}

export interface ProfileOptions {
  /** A model path, or a model already loaded with onnx/loadModel. */
  model: string | LoadedModel;
  inputs: ProfileInputs;
  /** Profile only these layers (node or output tensor names); default all injectable ones. */
  layers?: readonly string[];
  /** Also list (and measure) the nodes that are not injectable. */
  all?: boolean;
  convStrategy?: ConvStrategy;
  provider?: ProviderRequest;
  /** Timed runs (batch 1) for `ms`, after `warmupRuns`. Defaults 10 and 2. */
  timingRuns?: number;
  warmupRuns?: number;
  /** Samples per range run; default chosen from the activation size (at most 256). */
  batchSize?: number;
  onWarning?: (message: string) => void;
  /** Called after each range batch with samples done and total. */
  onProgress?: (done: number, total: number) => void;
  /** Flag that named the layers, for messages. */
  layersFlag?: string;
}

/** Memory the range runs may use for the profiled activations of one batch. */
const BATCH_BYTES = 64 * 1024 * 1024;
const MAX_BATCH = 256;

/**
 * Profile a model's layers: per-sample output shape, operating range and non-finite count over
 * all inputs, mean kernel time. See range-graph.ts for how ranges are reduced inside the runtime
 * and timing.ts for how time is measured.
 */
export async function profileModel(options: ProfileOptions): Promise<Profile> {
  const loaded = typeof options.model === 'string' ? loadModel(options.model) : options.model;
  const warn = options.onWarning ?? (() => undefined);
  const convStrategy = options.convStrategy ?? 'gemm';
  const index = new GraphIndex(loaded.model);
  const layers = pickLayers(index, options, convStrategy);

  const input = singleInput(index, loaded.path);
  const inputs = options.inputs;
  checkInputs(inputs, input.dims, input.name, loaded.path);
  const sampleSize = inputs.data.length / inputs.count;
  const sampleDims = [...inputs.sampleShape];
  const batchOf = (start: number, n: number): Record<string, HostTensor> => ({
    [input.name]: { type: 'float32', dims: [n, ...sampleDims], data: inputs.data.subarray(start * sampleSize, (start + n) * sampleSize) },
  });

  // Batches when the model takes them (checked bit for bit), else one sample per run.
  const two = twoSamples(inputs.data, inputs.count, sampleSize);
  const prepared = await prepareBatchDynamic(loaded.model, { [input.name]: { type: 'float32', dims: [2, ...sampleDims], data: two } }, { externalData: loaded.externalData, label: loaded.path });
  if (!prepared.batchDynamic) {
    warn(`${loaded.path} runs one sample at a time (${prepared.notes.join('; ') || 'batch is fixed'}); profiling will be slower`);
  }
  const model = withStableNodeNames(prepared.model);

  // Timing run: also gives each layer's shape and element type.
  const timingRuns = Math.max(1, options.timingRuns ?? 10);
  const warmupRuns = Math.max(0, options.warmupRuns ?? 2);
  const timed = await timeLayers(model, loaded, layers, options.provider ?? 'cpu', warn, batchOf, inputs.count, timingRuns, warmupRuns);

  // Range runs over every input.
  const floatLayers = layers.filter((l) => timed.shapes.get(l.output)?.floatType !== undefined);
  const tensors = floatLayers.map((l) => ({ name: l.output, elemType: timed.shapes.get(l.output)!.floatType!, size: product(timed.shapes.get(l.output)!.sample) }));
  const perSample = tensors.reduce((a, t) => a + t.size, 0);
  const batch = prepared.batchDynamic ? Math.max(1, Math.min(MAX_BATCH, options.batchSize ?? Math.floor(BATCH_BYTES / (16 * Math.max(1, perSample))))) : 1;
  const stats = await measureRanges(model, loaded, tensors, timed.provider, batch, inputs.count, batchOf, options.onProgress);

  const profiled: LayerProfile[] = layers.map((l) => {
    const shape = timed.shapes.get(l.output);
    const s = stats.get(l.output);
    const hasRange = s !== undefined && s.min <= s.max;
    if (s !== undefined && !hasRange) warn(`layer ${l.name}: no finite output value on any input; its range is null`);
    return {
      name: l.name,
      op: l.opType,
      output: l.output,
      errorModel: l.errorModel,
      shape: shape?.sample ?? [],
      min: hasRange ? s.min : null,
      max: hasRange ? s.max : null,
      nonFinite: s?.nonFinite ?? 0,
      ms: roundMs(timed.ms.get(l.name)),
      index: l.nodeIndex,
      injectable: l.errorModel !== null,
    };
  });

  return {
    model: loaded.path,
    modelSha256: modelSha256(loaded),
    inputs: inputs.count,
    layers: profiled,
    inputSource: inputs.source,
    ...(inputs.image === undefined ? {} : { image: inputs.image }),
    randomInputs: inputs.random ?? false,
    provider: timed.provider,
    convStrategy,
    batchDynamic: prepared.batchDynamic,
    timing: { method: 'onnxruntime-profiler', runs: timingRuns, warmup: warmupRuns, batch: 1 },
  };
}

function pickLayers(index: GraphIndex, options: ProfileOptions, convStrategy: ConvStrategy): Layer[] {
  const all = listLayers(index, { convStrategy, all: true });
  const candidates = options.all ? all : all.filter((l) => l.errorModel !== null);
  if (options.layers === undefined || options.layers.length === 0) {
    if (candidates.length === 0) throw usageError(`the model has no injectable layers; pass --all to profile every node`);
    return candidates;
  }
  const flag = options.layersFlag ?? '--layers';
  if (!options.all) {
    for (const name of options.layers) {
      const l = all.find((x) => x.name === name || x.output === name);
      if (l !== undefined && l.errorModel === null) throw usageError(`${flag}: layer "${name}" (${l.opType}) is not injectable; pass --all to profile it anyway`);
    }
  }
  return selectLayers(candidates, options.layers, flag);
}

interface InputInfo {
  name: string;
  dims: (number | string | null)[];
}

function singleInput(index: GraphIndex, path: string): InputInfo {
  if (index.inputs.length !== 1) {
    throw usageError(`${path} has ${index.inputs.length} inputs (${index.inputs.map((i) => i.name).join(', ')}); profile supports models with one input`);
  }
  const vi = index.inputs[0];
  const type = typeOfValueInfo(vi);
  if (type === undefined || type.elemType !== DataType.FLOAT) {
    throw usageError(`${path}: input "${vi.name}" is ${type === undefined ? 'of no declared type' : (elemTypeName(type.elemType) ?? `of ONNX type ${type.elemType}`)}; profile supports float32 inputs`);
  }
  if (type.dims.length === 0) throw usageError(noInputShape(path, vi.name));
  return { name: vi.name, dims: type.dims };
}

/** The model's per-sample input shape with -1 for symbolic dims (what src/data expects). */
export function modelSampleShape(model: ModelProto, path = 'model'): number[] {
  const input = singleInput(new GraphIndex(model), path);
  return input.dims.slice(1).map((d) => (typeof d === 'number' ? d : -1));
}

function checkInputs(inputs: ProfileInputs, modelDims: readonly (number | string | null)[], name: string, path: string): void {
  const sample = inputs.sampleShape;
  const want = modelDims.slice(1);
  const fits = sample.length === want.length && want.every((d, i) => typeof d !== 'number' || d === sample[i]);
  if (!fits) {
    throw usageError(
      `the inputs have samples of shape [${sample.join(',')}] but ${path} input "${name}" takes [${want.map((d) => (typeof d === 'number' ? d : '?')).join(',')}]; give --data with arrays of shape [N,${want.map((d) => (typeof d === 'number' ? d : '?')).join(',')}]`,
    );
  }
  if (!(inputs.count > 0) || inputs.data.length !== inputs.count * product(sample)) {
    throw usageError(`the inputs hold ${inputs.data.length} values, not ${inputs.count} samples of [${sample.join(',')}]`);
  }
}

interface ShapeInfo {
  /** Per-sample dims. */
  sample: number[];
  /** ONNX element type when it is a float type, else undefined. */
  floatType: number | undefined;
}

interface Timed {
  shapes: Map<string, ShapeInfo>;
  ms: Map<string, number>;
  provider: Provider;
}

async function timeLayers(
  model: ModelProto,
  loaded: LoadedModel,
  layers: readonly Layer[],
  provider: ProviderRequest,
  warn: (m: string) => void,
  batchOf: (start: number, n: number) => Record<string, HostTensor>,
  count: number,
  runs: number,
  warmup: number,
): Promise<Timed> {
  // Expose every computed tensor: nothing is fused, each node is its own kernel.
  const index = new GraphIndex(model);
  const constant = index.constantNodes();
  const everything = index.nodes.filter((n) => !constant.has(n.index)).flatMap((n) => n.outputs.filter((o) => o !== ''));
  const exposed = exposeTensors(model, everything);
  const session = await createSession(exposed, { provider, profiling: true, externalData: loaded.externalData, onWarning: warn, label: loaded.path });
  const shapes = new Map<string, ShapeInfo>();
  let ms: Map<string, number>;
  try {
    const fetches = [...new Set(layers.map((l) => l.output))];
    for (let r = 0; r < warmup + runs; r++) {
      const out = await session.run(batchOf(r % count, 1), fetches);
      if (r === 0) {
        for (const name of fetches) {
          const t = out[name];
          const elemType = elemTypeFromName(t.type);
          const floatType = elemType === DataType.FLOAT || elemType === DataType.FLOAT16 || elemType === DataType.DOUBLE ? elemType : undefined;
          shapes.set(name, { sample: t.dims.length > 0 && t.dims[0] === 1 ? t.dims.slice(1) : [...t.dims], floatType });
        }
      }
    }
    ms = meanKernelTimes(session.endProfiling(), warmup);
  } finally {
    await session.release();
  }
  return { shapes, ms, provider: session.provider };
}

interface RangeStats {
  min: number;
  max: number;
  nonFinite: number;
}

/**
 * Operating range and non-finite count of each tensor over all inputs, reduced inside ONNX
 * Runtime (range-graph.ts). A batch whose fast check finds a NaN or Inf is run again through the
 * exact graph.
 */
async function measureRanges(
  model: ModelProto,
  loaded: LoadedModel,
  tensors: readonly { name: string; elemType: number; size: number }[],
  provider: Provider,
  batch: number,
  count: number,
  batchOf: (start: number, n: number) => Record<string, HostTensor>,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<Map<string, RangeStats>> {
  const stats = new Map<string, RangeStats>(tensors.map((t) => [t.name, { min: Infinity, max: -Infinity, nonFinite: 0 }]));
  if (tensors.length === 0) return stats;
  const open = (mode: 'fast' | 'exact') => {
    const built = buildRangeModel(model, tensors, mode);
    return createSession(built.model, { provider, externalData: loaded.externalData, label: loaded.path }).then((session) => ({ session, outputs: built.outputs }));
  };
  const fast = await open('fast');
  let exact: Awaited<ReturnType<typeof open>> | undefined;
  try {
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      const feeds = batchOf(start, n);
      const quick = await fast.session.run(feeds);
      const clean = fast.outputs.every((o) => Number.isFinite(scalarValue(quick[o.min]) + scalarValue(quick[o.max]) + scalarValue(quick[o.check])));
      if (clean) {
        for (const o of fast.outputs) {
          const s = stats.get(o.tensor)!;
          s.min = Math.min(s.min, scalarValue(quick[o.min]));
          s.max = Math.max(s.max, scalarValue(quick[o.max]));
        }
      } else {
        exact ??= await open('exact');
        const full = await exact.session.run(feeds);
        exact.outputs.forEach((o, k) => {
          const s = stats.get(o.tensor)!;
          s.min = Math.min(s.min, scalarValue(full[o.min]));
          s.max = Math.max(s.max, scalarValue(full[o.max]));
          s.nonFinite += tensors[k].size * n - scalarValue(full[o.check]);
        });
      }
      onProgress?.(start + n, count);
    }
  } finally {
    await fast.session.release();
    await exact?.session.release();
  }
  return stats;
}

/** Milliseconds to 0.1 µs: ORT's profiler counts whole microseconds, so more digits are noise. */
function roundMs(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms * 1e4) / 1e4;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
