/**
 * The `--png` option of the commands, in one place so that each command adds one option and
 * one call: `show-faults --png DIR` draws faults of a fault list, `build-models --png DIR` the
 * corrupted tensors the builder classified.
 */
import { readdirSync, statSync } from 'node:fs';
import { usageError } from '../errors.js';
import { isRejection, type ClassifiedTensor, type Rejection, type TensorPair } from '../error-models/builder/index.js';
import type { FaultListLayer } from '../faults/faultlist.js';
import { HeatmapCollector, heatmapItemFromPair, heatmapJobs, writeHeatmapJobs, DEFAULT_FAULTS_PER_PATTERN } from './collect.js';

/**
 * Refuse a --png folder that already holds pictures, unless --force: the file names are known
 * only at the end, and a long run must not end in a refusal.
 */
export function assertHeatmapDirUsable(dir: string, force: boolean, flag = '--png'): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return; // created when the pictures are written
  }
  if (!st.isDirectory()) throw usageError(`${flag} ${dir} is a file; give a folder for the pictures`);
  if (!force && readdirSync(dir).some((f) => f.toLowerCase().endsWith('.png'))) {
    throw usageError(`${flag} ${dir} already holds .png files; pass --force to overwrite them or choose another folder`);
  }
}

/**
 * `show-faults --png`: for each layer, one picture per pattern, `<layer>_<pattern>.png`, with the
 * layer's first `perPattern` faults of that pattern. Needs the shapes a .tar archive records.
 */
export function writeFaultListHeatmaps(
  dir: string,
  layers: readonly FaultListLayer[],
  opts: { force?: boolean; perPattern?: number } = {},
): string[] {
  const missing = layers.filter((l) => l.shape === null).map((l) => l.name);
  if (missing.length > 0) {
    throw usageError(`--png needs each layer's shape, which only .tar fault lists record (not for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? `, … ${missing.length} layers in all` : ''}); write the list with gen-faults -o faults.tar`);
  }
  assertHeatmapDirUsable(dir, opts.force ?? false);
  const jobs = layers.flatMap((l) => {
    const shape = l.shape!; // checked above
    const collector = new HeatmapCollector(opts.perPattern ?? DEFAULT_FAULTS_PER_PATTERN);
    for (const f of l.faults()) {
      if (collector.wants(f.pattern)) collector.add({ pattern: f.pattern, shape, indices: f.indices, valueClasses: f.valueClasses });
    }
    return heatmapJobs(dir, collector, `${l.name}_`);
  });
  return writeHeatmapJobs(jobs, { force: opts.force });
}

/**
 * `build-models --png`: pass `onTensor` to the builder, then `write(dir)` draws the first
 * classified tensors of each pattern, `<pattern>.png`, as the builder saw them (same tolerance).
 */
export class TensorHeatmaps {
  private readonly collector: HeatmapCollector;

  constructor(private readonly opts: { tolerance?: number; perPattern?: number } = {}) {
    this.collector = new HeatmapCollector(opts.perPattern ?? DEFAULT_FAULTS_PER_PATTERN);
  }

  readonly onTensor = (pair: TensorPair, outcome: ClassifiedTensor | Rejection): void => {
    if (isRejection(outcome) || !this.collector.wants(outcome.pattern)) return;
    this.collector.add(heatmapItemFromPair(pair, outcome.pattern, { tolerance: this.opts.tolerance }));
  };

  write(dir: string, force = false): string[] {
    return writeHeatmapJobs(heatmapJobs(dir, this.collector), { force });
  }
}
