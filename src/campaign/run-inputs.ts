/**
 * Running a session over every input of a campaign, a batch at a time, and gathering its outputs
 * per input in shared memory (sent to worker threads without copying).
 */
import type { HostTensor, Session } from '../runtime/index.js';
import type { ElemTypeName } from '../onnx/index.js';
import type { BoundaryTensor, NumericArray } from './injector.js';

function sampleCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Where a stack of `count` runs of at most `batch` samples each begins. */
export function* groups(total: number, size: number): Generator<[number, number]> {
  for (let from = 0; from < total; from += size) yield [from, Math.min(size, total - from)];
}

/** A typed array of the same kind, on shared memory (sent to workers without copying). */
export function sharedLike(sample: NumericArray, n: number): NumericArray {
  const Ctor = sample.constructor as { new (b: SharedArrayBuffer): NumericArray; BYTES_PER_ELEMENT: number };
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT));
}

/**
 * Run `session` over all inputs, `batch` at a time, feeding each input's row of `tensors`, and
 * gather `outputs` per input into shared arrays. Null when an output has no batch axis.
 */
export async function runOverInputs(
  session: Session,
  tensors: readonly BoundaryTensor[],
  outputs: readonly string[],
  n: number,
  batch: number,
  pad: boolean,
): Promise<Map<string, { data: NumericArray; sampleDims: number[]; type: ElemTypeName }> | null> {
  const got = new Map<string, { data: NumericArray; sampleDims: number[]; type: ElemTypeName }>();
  for (const [from, count] of groups(n, batch)) {
    const runCount = pad ? batch : count;
    const feeds: Record<string, HostTensor> = {};
    for (const b of tensors) {
      const per = sampleCount(b.sampleDims);
      const Ctor = b.data.constructor as new (n: number) => NumericArray;
      const data = new Ctor(runCount * per);
      for (let c = 0; c < runCount; c++) {
        const x = from + Math.min(c, count - 1);
        (data as Float32Array).set((b.data as Float32Array).subarray(x * per, (x + 1) * per), c * per);
      }
      feeds[b.name] = { type: b.type, dims: b.batched ? [runCount, ...b.sampleDims] : b.sampleDims, data };
    }
    const out = await session.run(feeds, [...outputs]);
    for (const name of outputs) {
      const t = out[name];
      if (t.data instanceof Array || t.dims.length === 0 || t.dims[0] !== runCount) return null;
      let g = got.get(name);
      if (g === undefined) {
        const sampleDims = t.dims.slice(1);
        g = { data: sharedLike(t.data, n * sampleCount(sampleDims)), sampleDims, type: t.type as ElemTypeName };
        got.set(name, g);
      }
      const per = sampleCount(g.sampleDims);
      if (t.data.length !== runCount * per) return null;
      (g.data as Float32Array).set((t.data as Float32Array).subarray(0, count * per), from * per);
    }
  }
  return got;
}

