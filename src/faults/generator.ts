import { runtimeError, usageError } from '../errors.js';
import type { ErrorModel } from '../error-models/index.js';
import { assignClasses, compileModel, resolveParams, type CompiledEntry, type CompiledModel } from './compiled-model.js';
import { Rng } from './rng.js';
import type { Fault, Layout, Shape3, ValueRange } from './types.js';
import { toFloat32Range } from './values/range.js';
import { valueGeneratorTable, type ValueGenerator } from './values/index.js';

/**
 * The seeded fault generator (spec §4.2). Fault `index` of a layer is a pure function of
 * (model, target, seed, layer, index, options): its only randomness is
 * `Rng.forFault(seed, target.layer, index)`, so any fault regenerates alone and a fault list
 * is a cache, not the truth (DESIGN.md, "Independent seeding").
 *
 * Per-fault draw order (spec Appendix A):
 *  1. pattern entry, weighted by `count` (skipped when `opts.pattern` forces one);
 *  2. domain class, weighted by `count`;
 *  3. parameter configuration, weighted by `count`;
 *  4. RANDOM parameters in key order, with the min/max coupling;
 *  5. the pattern generator's own draws;
 *  6. value-class assignment (Double: one uniform, then one draw per position; Random: one
 *     draw per position; Single: none);
 *  7. values, class by class in id order 1..5 (zero, in_range, out_of_range, nan, flip).
 */

/** Where a fault goes: a layer's output tensor, its per-sample shape and operating range. */
export interface LayerTarget {
  /** ONNX node name; part of the RNG key. */
  layer: string;
  /** ONNX tensor name the fault overwrites (carried into the fault, not part of the key). */
  output: string;
  shape: Shape3;
  range: ValueRange;
  /** Layout the indices refer to; CHW (ONNX) by default. */
  layout?: Layout;
}

export interface FaultOptions {
  /** Force this spatial pattern (no entry draw), as upstream's `spatial_class` argument. */
  pattern?: string;
  /**
   * Reproduce upstream's out_of_range artefact: values below a positive range minimum come
   * out as −0.0 instead of uniform over [+0, min) (docs/compatibility.md).
   */
  upstreamNegativeZero?: boolean;
}

const defaultValues = valueGeneratorTable();
const upstreamValues = valueGeneratorTable({ upstreamNegativeZero: true });

export function generateFault(
  model: ErrorModel,
  target: LayerTarget,
  seed: number | string,
  index: number,
  opts: FaultOptions = {},
): Fault {
  checkTarget(target);
  if (!Number.isSafeInteger(index) || index < 0) throw usageError(`fault index must be a non-negative integer (got ${index})`);
  const compiled = compileModel(model);
  return makeFault(compiled, forcedEntry(compiled, opts.pattern), target, seed, index, opts.upstreamNegativeZero ? upstreamValues : defaultValues);
}

/** Faults `start .. start + count − 1` of one layer; each equals `generateFault` of its index. */
export function generateFaults(
  model: ErrorModel,
  target: LayerTarget,
  seed: number | string,
  count: number,
  opts: FaultOptions & { start?: number } = {},
): Fault[] {
  return [...iterateFaults(model, target, seed, count, opts)];
}

/** Lazy form of `generateFaults`, for long lists written as they are made. */
export function* iterateFaults(
  model: ErrorModel,
  target: LayerTarget,
  seed: number | string,
  count: number,
  opts: FaultOptions & { start?: number } = {},
): Generator<Fault, void, undefined> {
  checkTarget(target);
  const start = opts.start ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw usageError(`first fault index must be a non-negative integer (got ${start})`);
  if (!Number.isSafeInteger(count) || count < 0) throw usageError(`fault count must be a non-negative integer (got ${count})`);
  const compiled = compileModel(model);
  const entry = forcedEntry(compiled, opts.pattern);
  const table = opts.upstreamNegativeZero ? upstreamValues : defaultValues;
  for (let i = start; i < start + count; i++) yield makeFault(compiled, entry, target, seed, i, table);
}

function forcedEntry(compiled: CompiledModel, pattern: string | undefined): CompiledEntry | null {
  if (pattern === undefined) return null;
  const entry = compiled.byName.get(pattern);
  if (!entry) {
    throw usageError(
      `spatial pattern "${pattern}" is not in error model ${compiled.source} (it has: ${[...compiled.byName.keys()].join(', ')})`,
    );
  }
  return entry;
}

function checkTarget(t: LayerTarget): void {
  const { c, h, w } = t.shape;
  for (const [k, v] of [['c', c], ['h', h], ['w', w]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw runtimeError(`layer ${t.layer}: shape ${k} must be a positive integer (got ${v})`);
    }
  }
  if (c * h * w > 0xffffffff) throw runtimeError(`layer ${t.layer}: ${c}x${h}x${w} values per sample do not fit 32-bit indices`);
  const layout = t.layout ?? 'CHW';
  if (layout !== 'CHW' && layout !== 'HWC') throw runtimeError(`layer ${t.layer}: layout must be CHW or HWC (got ${String(layout)})`);
  try {
    toFloat32Range(t.range);
  } catch (err) {
    throw runtimeError(`layer ${t.layer}: ${(err as Error).message}`);
  }
}

function makeFault(
  compiled: CompiledModel,
  forced: CompiledEntry | null,
  target: LayerTarget,
  seed: number | string,
  index: number,
  values: readonly ValueGenerator[],
): Fault {
  const rng = Rng.forFault(seed, target.layer, index);
  const entry = forced ?? compiled.entries[rng.weightedIndex(compiled.entryWeights)];
  const domain = entry.domains[rng.weightedIndex(entry.domainWeights)];
  const config = entry.configs[rng.weightedIndex(entry.configWeights)];
  const params = resolveParams(config, rng);
  const indices = entry.generate(target.shape, params, rng, target.layout ?? 'CHW');
  const k = indices.length;
  const valueClasses = assignClasses(domain, k, rng);
  return {
    layer: target.layer,
    output: target.output,
    index,
    pattern: entry.name,
    params,
    indices,
    valueClasses,
    values: fillValues(valueClasses, target.range, rng, values),
  };
}

/** Values per class in id order, scattered to that class's positions in position order. */
function fillValues(classes: Uint8Array, range: ValueRange, rng: Rng, table: readonly ValueGenerator[]): Float32Array {
  const k = classes.length;
  const counts = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < k; i++) counts[classes[i]]++;
  for (let id = 1; id <= 5; id++) {
    if (counts[id] === k) return k === 0 ? new Float32Array(0) : table[id](k, range, rng); // one class: no scatter
  }
  // Draws happen class by class (spec Appendix A step 7); one pass then scatters them.
  const perClass: Float32Array[] = [];
  for (let id = 0; id <= 5; id++) perClass.push(id > 0 && counts[id] > 0 ? table[id](counts[id], range, rng) : EMPTY);
  const cursor = [0, 0, 0, 0, 0, 0];
  const out = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    const id = classes[i];
    out[i] = perClass[id][cursor[id]++];
  }
  return out;
}

const EMPTY = new Float32Array(0);
