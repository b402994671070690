import { createSession, float32Tensor, type HostTensor, type OptimizationLevel } from '../../src/runtime/index.js';
import type { ModelProto } from '../../src/onnx/index.js';

/** Run a model once on the CPU (one thread) and return all its outputs. */
export async function runOnce(
  model: ModelProto,
  feeds: Record<string, HostTensor>,
  optimization: OptimizationLevel = 'extended',
): Promise<Record<string, HostTensor>> {
  const s = await createSession(model, { provider: 'cpu', optimization });
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export function feed(data: Float32Array, dims: number[]): HostTensor {
  return float32Tensor(data, dims);
}

/** Bitwise equality of two tensors' data (NaN payloads and -0 included). */
export function sameBits(a: HostTensor, b: HostTensor): boolean {
  if (a.dims.join(',') !== b.dims.join(',')) return false;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  return Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.byteLength), Buffer.from(y.buffer, y.byteOffset, y.byteLength)) === 0;
}
