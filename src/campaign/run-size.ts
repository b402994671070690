/**
 * How many samples one ONNX Runtime run stacks on the CPU. Stacking faulty copies along the batch
 * axis pays while a run's tensors stay in the processor's caches: on the residual fixture (64 KiB
 * per copy and tensor) 32 copies per run cost about 0.6 of one copy each. On ImageNet-sized maps
 * one copy's tensor alone takes megabytes, and runs of 32 copies cost 1.4 to 2.5 times as much per
 * copy as runs of a few, runs of 64 windowed copies up to 3.6 times (BENCHMARKS.md, "Models of
 * ImageNet size").
 * So the largest tensor of a run, all its copies together, is held to RUN_CACHE_BYTES. Results do
 * not depend on the number of copies per run (every sample is computed on its own), only the
 * speed does.
 */
import { elemByteSize, GraphIndex, type ModelProto, type TensorType } from '../onnx/index.js';
import type { Provider } from './settings.js';

/** Most bytes the largest tensor of one CPU run may take, all copies together. */
export const RUN_CACHE_BYTES = 8 * 2 ** 20;

/** Copies per run: at most `batch`, fewer where `bytesPerCopy` (the largest tensor of one copy) is large; at least 1. */
export function cacheBoundBatch(batch: number, bytesPerCopy: number): number {
  if (!(bytesPerCopy > 0)) return batch;
  return Math.max(1, Math.min(batch, Math.floor(RUN_CACHE_BYTES / bytesPerCopy)));
}

/**
 * Samples per run of `model` (at least 1): `batch` on a GPU provider, whose golden and faulty runs
 * use the same padded batch; on the CPU, fewer where the model's largest tensor is large.
 */
export function samplesPerRun(batch: number, provider: Provider, model: ModelProto, types: ReadonlyMap<string, TensorType>): number {
  const most = Math.max(1, batch);
  return provider === 'cpu' ? cacheBoundBatch(most, largestSampleBytes(model, types)) : most;
}

/**
 * Bytes of one sample of the largest tensor `model` reads or computes, from the tensor types of
 * the whole model (the first axis is the batch; tensors whose other dims are unknown count as 0).
 */
export function largestSampleBytes(model: ModelProto, types: ReadonlyMap<string, TensorType>): number {
  const index = new GraphIndex(model);
  const names = new Set<string>(index.inputs.map((i) => i.name));
  for (const n of index.nodes) for (const o of n.outputs) if (o !== '') names.add(o);
  let largest = 0;
  for (const name of names) {
    const t = types.get(name);
    if (t === undefined || t.dims.length === 0) continue;
    const bytes = elemByteSize(t.elemType) ?? 0;
    let elements = 1;
    for (const d of t.dims.slice(1)) elements = typeof d === 'number' && d >= 0 ? elements * d : 0;
    largest = Math.max(largest, elements * bytes);
  }
  return largest;
}

/**
 * `--batch auto` on a GPU provider, the default there. A GPU run costs a fixed time (launches,
 * copies between host and device) that the copies of one run share, so larger batches pay: on an
 * H100, WebGPU ran the built-in campaign 2.6 times as fast at 256 copies per run as at 32, and a
 * ResNet-18's suffix runs 1.7 times as fast at 128 (BENCHMARKS.md). But every layer's golden runs
 * are padded to its batch (for the same kernels as its faulty runs), so a batch near the layer's
 * copy count would double its work: the batch stays at most 1/16 of them.
 */
export const GPU_AUTO_BATCH = {
  /** No fewer copies per run than the CPU default. */
  least: 32,
  most: 256,
  /** At most this fraction of a layer's copies (faults × inputs) per run, inverted. */
  runsPerLayer: 16,
  /** Most bytes of the layer output in one run, all copies together (GPU memory). */
  runBytes: 256 * 2 ** 20,
} as const;

/** Copies per run of a layer with `copies` copies in the campaign and `bytesPerCopy` of output each (null when unknown). */
export function gpuLayerBatch(copies: number, bytesPerCopy: number | null): number {
  const g = GPU_AUTO_BATCH;
  let batch = Math.min(g.most, Math.max(g.least, Math.ceil(copies / g.runsPerLayer)));
  if (bytesPerCopy !== null && bytesPerCopy > 0) batch = Math.min(batch, Math.floor(g.runBytes / bytesPerCopy));
  return Math.max(1, Math.min(batch, copies));
}
