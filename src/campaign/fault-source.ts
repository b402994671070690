/**
 * Where a campaign's faults come from: regenerated on the fly from (seed, layer, index) with
 * the error models (DESIGN.md, "Independent seeding": no list is stored), or read from a stored
 * fault list (--faults), in which each fault names its layer and target tensor.
 */
import { runtimeError, usageError } from '../errors.js';
import type { ErrorModel } from '../error-models/index.js';
import { generateFault, type LayerTarget } from '../faults/generator.js';
import type { FaultListLayer } from '../faults/faultlist.js';
import type { Fault } from '../faults/types.js';

/** The faults of one target layer. */
export interface LayerFaultSource {
  /** How many distinct faults the layer can draw from: Infinity when generated. */
  readonly population: number;
  /** The layer's k-th fault. */
  fault(k: number): Fault;
}

/** Fault k is generated from (seed, layer, k): a pure function, so any shard regenerates it alone. */
export class GeneratedFaults implements LayerFaultSource {
  readonly population = Infinity;
  constructor(
    private readonly model: ErrorModel,
    private readonly target: LayerTarget,
    private readonly seed: number,
  ) {}

  fault(k: number): Fault {
    return generateFault(this.model, this.target, this.seed, k);
  }
}

/**
 * The k-th fault of a stored list's layer, by ascending fault index. Reports show the fault's own
 * index (the JSONL `index`), which need not equal k.
 */
export class StoredFaults implements LayerFaultSource {
  private faults: Fault[] | null = null;
  readonly population: number;

  constructor(
    private readonly path: string,
    private readonly layer: FaultListLayer,
  ) {
    this.population = layer.count;
  }

  fault(k: number): Fault {
    if (this.faults === null) this.faults = this.layer.faults();
    const f = this.faults[k];
    if (f === undefined) throw runtimeError(`${this.path}: layer ${this.layer.name} has only ${this.faults.length} faults`);
    return f;
  }
}

/**
 * Check that a fault fits its target tensor (indices inside one sample, values aligned), so a
 * fault list made for another model fails with a clear message instead of writing out of bounds.
 */
export function checkFaultFits(f: Fault, sampleSize: number, where: string): void {
  if (f.values.length !== f.indices.length) throw runtimeError(`${where}: fault ${f.index} of layer ${f.layer} has ${f.indices.length} indices but ${f.values.length} values`);
  for (let k = 0; k < f.indices.length; k++) {
    if (f.indices[k] >= sampleSize) {
      // The list itself may be sound: it does not fit this model, like a list for another model.
      throw usageError(
        `${where}: fault ${f.index} of layer ${f.layer} writes index ${f.indices[k]}, beyond the ${sampleSize} values of tensor ${f.output}; the fault list was made for another model: generate one for this model`,
      );
    }
  }
}
