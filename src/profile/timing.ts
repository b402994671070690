/**
 * Mean time per layer from ONNX Runtime's own profiler.
 *
 * How: a copy of the model with every node output exposed (so that no node is fused into
 * another and each profiled layer is its own kernel) runs on one sample at a time, on one
 * thread; ORT's profiler records one `<node name>_kernel_time` event per node per run. The first
 * `warmup` runs are dropped and `ms` is the mean kernel duration of the remaining runs. This is
 * the time of the layer's kernel alone, not of the whole model up to it; on CUDA it is the
 * host-side time of the kernel call, which need not include the GPU's execution.
 */
import type { ProfileEvent } from '../runtime/index.js';

const SUFFIX = '_kernel_time';

/** Mean kernel time in milliseconds per node name, skipping each node's first `warmup` runs. */
export function meanKernelTimes(events: readonly ProfileEvent[], warmup: number): Map<string, number> {
  const durations = new Map<string, number[]>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith(SUFFIX)) continue;
    const node = e.name.slice(0, -SUFFIX.length);
    let list = durations.get(node);
    if (list === undefined) durations.set(node, (list = []));
    list.push(e.dur);
  }
  const means = new Map<string, number>();
  for (const [node, list] of durations) {
    const timed = list.slice(warmup);
    if (timed.length === 0) continue;
    means.set(node, timed.reduce((a, b) => a + b, 0) / timed.length / 1000);
  }
  return means;
}
