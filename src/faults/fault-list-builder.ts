/**
 * Turns "these layers, this many faults each, this seed" into fault lists: the library side of
 * `classes gen-faults`. Layers come from a profile (shape, operating range, error-model name)
 * or are given directly (a synthetic layer).
 */
import { usageError } from '../errors.js';
import { selectNamedLayers } from '../util/layer-names.js';
import type { ErrorModel } from '../error-models/index.js';
import type { FaultLayerSpec, LayerFaults } from './archive/index.js';
import { iterateFaults } from './generator.js';
import { toShape3 } from './shape3.js';
import type { Fault } from './types.js';

/** One layer as the profile (profile.json) describes it; only the fields used here. */
export interface ProfiledLayer {
  name: string;
  output: string;
  /** Error-model name (a file stem in the error-model folder); null if none applies. */
  errorModel: string | null;
  /** Per-sample shape, usually [C, H, W]. */
  shape: readonly number[];
  /** Operating range; null when the profile saw no finite value. */
  min: number | null;
  max: number | null;
}

export interface LayerJob {
  spec: FaultLayerSpec;
  model: ErrorModel;
}

/**
 * The profiled layers to inject, in profile order: all with an error model, or those named in
 * `wanted` (node or output names; an unknown name or one without a model is a usage error).
 */
export function selectProfiledLayers(layers: readonly ProfiledLayer[], wanted?: readonly string[]): ProfiledLayer[] {
  if (!wanted || wanted.length === 0) return layers.filter((l) => l.errorModel);
  const chosen = selectNamedLayers(layers, wanted, (name, known) => `--layers: ${name} is not a profiled layer (known: ${known})`);
  const bare = chosen.find((l) => !l.errorModel);
  if (bare !== undefined) throw usageError(`--layers: ${bare.name} has no error model (its operator is not injectable)`);
  return chosen;
}

/** A profiled layer as archive layer info; its shape read as run-campaign reads it (shape3.ts). */
export function layerSpecFromProfile(l: ProfiledLayer): FaultLayerSpec {
  const { c, h, w } = toShape3(l.shape);
  if (![c, h, w].every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw usageError(`profile: layer ${l.name} has output shape [${l.shape.join(', ')}], which is not [C, H, W]; leave it out with --layers`);
  }
  if (l.min === null || l.max === null) {
    throw usageError(`profile: layer ${l.name} has no operating range (the profile saw no finite value); leave it out with --layers or profile it on real inputs`);
  }
  return { name: l.name, output: l.output, shape: { c, h, w }, range: { min: l.min, max: l.max }, errorModel: l.errorModel ?? '' };
}

/**
 * Faults 0 .. count-1 of one layer, each a pure function of (seed, layer, index).
 * `onFault` is called after every fault.
 */
export function generateLayerFaults(job: LayerJob, seed: number | string, count: number, onFault?: () => void): Fault[] {
  const { spec, model } = job;
  const faults: Fault[] = [];
  for (const f of iterateFaults(model, { layer: spec.name, output: spec.output, shape: spec.shape, range: spec.range }, seed, count)) {
    faults.push(f);
    onFault?.();
  }
  return faults;
}

/** Faults 0 .. count-1 of every layer (all kept in memory; see generateLayerFaults). */
export function generateFaultList(jobs: readonly LayerJob[], seed: number | string, count: number): LayerFaults[] {
  return jobs.map((job) => ({ info: job.spec, faults: generateLayerFaults(job, seed, count) }));
}
