/**
 * What `classes show-faults` prints about a fault list: per layer its size and origin, per
 * spatial pattern how often it occurs and how large its faults are, and the share of each
 * value class among the corrupted values.
 */
import type { FaultList, FaultListLayer } from './faultlist.js';
import { VALUE_CLASS_NAMES, type Fault, type Shape3, type ValueClassName, type ValueRange } from './types.js';

export interface PatternSummary {
  pattern: string;
  count: number;
  /** count / faults of the layer */
  share: number;
  cardinality: { min: number; median: number; max: number; mean: number };
  /** Mean number of distinct channels a fault touches; null when the shape is unknown (JSONL). */
  meanChannels: number | null;
}

export interface LayerSummary {
  name: string;
  output: string;
  count: number;
  shape: Shape3 | null;
  range: ValueRange | null;
  errorModel: string | null;
  corruptedValues: number;
  patterns: PatternSummary[];
  /** Share of corrupted values per value class. */
  valueClasses: Record<ValueClassName, number>;
}

export interface FaultListSummary {
  path: string;
  format: 'tar' | 'jsonl';
  seed: number | string | null;
  modelSha256: string | null;
  errorModels: Record<string, string> | null;
  /** Faults and layers of the whole list; `layers` may be a selection of them. */
  totalFaults: number;
  totalLayers: number;
  layers: LayerSummary[];
}

function median(sorted: number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function channelsTouched(f: Fault, shape: Shape3): number {
  const plane = shape.h * shape.w;
  let n = 0;
  let last = -1;
  // indices are ascending, so channels come in order
  for (let i = 0; i < f.indices.length; i++) {
    const ch = Math.floor(f.indices[i] / plane);
    if (ch !== last) {
      n++;
      last = ch;
    }
  }
  return n;
}

export function summarizeFaults(layer: Pick<FaultListLayer, 'name' | 'output' | 'shape' | 'range' | 'errorModel'>, faults: readonly Fault[]): LayerSummary {
  const byPattern = new Map<string, { sizes: number[]; channels: number }>();
  const classCounts = [0, 0, 0, 0, 0, 0];
  let values = 0;
  for (const f of faults) {
    let p = byPattern.get(f.pattern);
    if (!p) byPattern.set(f.pattern, (p = { sizes: [], channels: 0 }));
    p.sizes.push(f.indices.length);
    if (layer.shape) p.channels += channelsTouched(f, layer.shape);
    for (let i = 0; i < f.valueClasses.length; i++) classCounts[f.valueClasses[i]]++;
    values += f.valueClasses.length;
  }
  const patterns: PatternSummary[] = [...byPattern.entries()]
    .map(([pattern, p]) => {
      const sorted = [...p.sizes].sort((a, b) => a - b);
      return {
        pattern,
        count: sorted.length,
        share: sorted.length / faults.length,
        cardinality: { min: sorted[0], median: median(sorted), max: sorted[sorted.length - 1], mean: sorted.reduce((s, x) => s + x, 0) / sorted.length },
        meanChannels: layer.shape ? p.channels / sorted.length : null,
      };
    })
    .sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
  const valueClasses = Object.fromEntries(VALUE_CLASS_NAMES.map((n, i) => [n, values ? classCounts[i + 1] / values : 0])) as Record<ValueClassName, number>;
  return { name: layer.name, output: layer.output, count: faults.length, shape: layer.shape, range: layer.range, errorModel: layer.errorModel, corruptedValues: values, patterns, valueClasses };
}

/** Summary of the whole list, or of the layers named in `only` (already resolved). */
export function summarizeFaultList(list: FaultList, only?: readonly FaultListLayer[]): FaultListSummary {
  const layers = only ?? list.layers;
  return {
    path: list.path,
    format: list.format,
    seed: list.manifest?.seed ?? null,
    modelSha256: list.manifest?.modelSha256 ?? null,
    errorModels: list.manifest?.errorModels ?? null,
    totalFaults: list.totalFaults,
    totalLayers: list.layers.length,
    layers: layers.map((l) => summarizeFaults(l, l.faults())),
  };
}
