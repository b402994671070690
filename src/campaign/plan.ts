/**
 * The campaign plan: which faults of which layers run on which inputs, in report order.
 *
 * A *unit* is one (layer, fault) pair; it runs on every input of the plan, giving one report row
 * per input. Units are numbered globally in (layer, fault) order; reports follow that order, then
 * input order. A shard i/n takes the units u with u mod n == i - 1 (round robin), so every shard
 * gets the same mix of cheap and costly layers; `classes merge` interleaves them back.
 * A *chunk* is a run of consecutive units of one layer within a shard: the piece of work handed
 * to a worker and the step at which progress is checkpointed. Chunking never changes results.
 */
import type { Shard } from './settings.js';

export interface PlanLayer {
  /** ONNX node name. */
  name: string;
  /** The tensor its faults overwrite. */
  output: string;
  /** Number of faults of this layer (fault indices 0..faults-1). */
  faults: number;
}

export interface Plan {
  layers: PlanLayer[];
  /** Number of inputs each fault runs on (input indices 0..inputs-1). */
  inputs: number;
}

export interface Chunk {
  /** Position of the chunk in the shard's chunk list. */
  seq: number;
  /** Index into plan.layers. */
  layer: number;
  /** Fault indices, increasing. */
  faults: number[];
  /** How many of the shard's units come before this chunk. */
  unitsBefore: number;
}

/** Global unit number of each layer's fault 0. */
export function layerOffsets(plan: Plan): number[] {
  const out: number[] = [];
  let acc = 0;
  for (const l of plan.layers) {
    out.push(acc);
    acc += l.faults;
  }
  return out;
}

export function totalUnits(plan: Plan): number {
  return plan.layers.reduce((a, l) => a + l.faults, 0);
}

/** Fault indices of layer `layer` that belong to `shard` (all when shard is null), increasing. */
export function shardFaults(plan: Plan, layer: number, shard: Shard | null): number[] {
  const n = plan.layers[layer].faults;
  if (!shard || shard.count === 1) return Array.from({ length: n }, (_, i) => i);
  const offset = layerOffsets(plan)[layer];
  const s = shard.index - 1;
  // first f with (offset + f) mod count == s
  const first = (((s - offset) % shard.count) + shard.count) % shard.count;
  const out: number[] = [];
  for (let f = first; f < n; f += shard.count) out.push(f);
  return out;
}

/** Number of units a shard runs. */
export function shardUnitCount(plan: Plan, shard: Shard | null): number {
  let total = 0;
  for (let l = 0; l < plan.layers.length; l++) total += shardFaults(plan, l, shard).length;
  return total;
}

/** The shard that runs global unit u. */
export function shardOfUnit(u: number, count: number): number {
  return (u % count) + 1;
}

/**
 * Split a shard's units into chunks of at most `unitsPerChunk` units, never across layers.
 */
export function makeChunks(plan: Plan, shard: Shard | null, unitsPerChunk: number): Chunk[] {
  if (!(unitsPerChunk >= 1)) throw new RangeError(`makeChunks: unitsPerChunk must be >= 1, got ${unitsPerChunk}`);
  const chunks: Chunk[] = [];
  let before = 0;
  for (let l = 0; l < plan.layers.length; l++) {
    const faults = shardFaults(plan, l, shard);
    for (let i = 0; i < faults.length; i += unitsPerChunk) {
      const part = faults.slice(i, i + unitsPerChunk);
      chunks.push({ seq: chunks.length, layer: l, faults: part, unitsBefore: before });
      before += part.length;
    }
  }
  return chunks;
}

/**
 * Units per chunk: enough (fault, input) runs to fill a few stacked batches, so workers stay
 * busy, yet small enough that a checkpoint never lags far behind.
 */
export function unitsPerChunkFor(inputs: number, batch: number): number {
  return Math.max(1, Math.ceil((4 * batch) / Math.max(1, inputs)));
}
