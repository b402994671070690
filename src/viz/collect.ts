/**
 * Choosing which faults to draw, and writing one PNG per pattern. The first `perPattern`
 * items of each pattern are kept, in the order they come: fault lists are random draws
 * already, so the first few are a fair sample, and the choice is reproducible.
 */
import { join } from 'node:path';
import { assertWritable, writeFileAtomic } from '../util/files.js';
import { classifyValue, goldenRange, scanCorrupted, type TensorPair } from '../error-models/builder/index.js';
import { DEFAULT_TOLERANCE } from '../error-models/builder/types.js';
import { renderHeatmap, type HeatmapItem, type HeatmapOptions } from './heatmap.js';

export const DEFAULT_FAULTS_PER_PATTERN = 4;

export class HeatmapCollector {
  private readonly byPattern = new Map<string, HeatmapItem[]>();

  constructor(readonly perPattern = DEFAULT_FAULTS_PER_PATTERN) {}

  /** Keeps the item if its pattern has room; the arrays are copied. Returns whether it was kept. */
  add(item: HeatmapItem): boolean {
    if (item.indices.length === 0) return false;
    let list = this.byPattern.get(item.pattern);
    if (!list) this.byPattern.set(item.pattern, (list = []));
    if (list.length >= this.perPattern) return false;
    list.push({ ...item, indices: Uint32Array.from(item.indices), valueClasses: Uint8Array.from(item.valueClasses) });
    return true;
  }

  /** Whether a pattern still has room (to skip expensive work for full ones). */
  wants(pattern: string): boolean {
    return (this.byPattern.get(pattern)?.length ?? 0) < this.perPattern;
  }

  /** Patterns in first-seen order with their kept items. */
  patterns(): [string, HeatmapItem[]][] {
    return [...this.byPattern.entries()];
  }
}

/** File name of a pattern's picture: `<prefix><pattern>.png` with unsafe characters replaced. */
export function heatmapFileName(pattern: string, prefix = ''): string {
  return `${prefix}${pattern}.png`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** One picture to write. */
export interface HeatmapJob {
  path: string;
  items: HeatmapItem[];
}

/** The pictures of one collector: `<dir>/<prefix><pattern>.png`, in pattern order. */
export function heatmapJobs(dir: string, collector: HeatmapCollector, prefix = ''): HeatmapJob[] {
  return collector.patterns().map(([pattern, items]) => ({ path: join(dir, heatmapFileName(pattern, prefix)), items }));
}

/**
 * Write the pictures. Every path is checked before the first is written, so a refusal to
 * overwrite leaves nothing half done. Returns the paths written, in order.
 */
export function writeHeatmapJobs(jobs: readonly HeatmapJob[], opts: HeatmapOptions & { force?: boolean } = {}): string[] {
  const unique = uniquePaths(jobs.map((j) => j.path));
  for (const p of unique) assertWritable(p, opts.force ?? false, '--force');
  jobs.forEach((j, i) => writeFileAtomic(unique[i], renderHeatmap(j.items, opts).png));
  return unique;
}

/**
 * Names made safe can meet (layers `a/b` and `a_b`, or `A` and `a` on a file system that ignores
 * case): a later one gets `_2`, `_3`, ... before `.png`, so that no picture replaces another.
 */
export function uniquePaths(paths: readonly string[]): string[] {
  const taken = new Set<string>();
  return paths.map((p) => {
    const stem = p.replace(/\.png$/, '');
    let name = p;
    for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${stem}_${k}.png`;
    taken.add(name.toLowerCase());
    return name;
  });
}

/** Write one PNG per pattern of `collector` into `dir`. */
export function writeHeatmaps(
  dir: string,
  collector: HeatmapCollector,
  opts: HeatmapOptions & { force?: boolean; prefix?: string } = {},
): string[] {
  return writeHeatmapJobs(heatmapJobs(dir, collector, opts.prefix), opts);
}

/**
 * A heatmap item from a golden/faulty pair (build-models, characterize): the corrupted
 * positions and value classes as the builder sees them (same tolerance, same range).
 */
export function heatmapItemFromPair(pair: TensorPair, pattern: string, opts: { tolerance?: number } = {}): HeatmapItem {
  const range = pair.range ?? goldenRange(pair.golden);
  const scan = scanCorrupted(pair.golden, pair.faulty, opts.tolerance ?? DEFAULT_TOLERANCE, range);
  const indices = Uint32Array.from(scan.indices);
  const valueClasses = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    valueClasses[i] = classifyValue(pair.faulty[indices[i]], pair.golden[indices[i]], range.min, range.max);
  }
  return { pattern, shape: pair.shape, indices, valueClasses, layout: pair.layout ?? 'CHW' };
}
