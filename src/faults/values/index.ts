import type { Rng } from '../rng.js';
import { ValueClassId, type ValueClassIdNumber, type ValueClassName, type ValueRange } from '../types.js';
import { flipValues } from './flip.js';
import { inRangeValues } from './in-range.js';
import { nanValues } from './nan.js';
import { makeOutOfRangeValues, outOfRangeValues, type OutOfRangeOptions } from './out-of-range.js';
import { zeroValues } from './zero.js';

/** A value class: `count` corrupted float32 values for a layer with operating range `range`. */
export type ValueGenerator = (count: number, range: ValueRange, rng: Rng) => Float32Array;

export interface ValueOptions extends OutOfRangeOptions {}

/** Default generators by class name (intended behaviour, spec §3; see docs/compatibility.md). */
export const VALUE_GENERATORS: Readonly<Record<ValueClassName, ValueGenerator>> = {
  zero: zeroValues,
  in_range: inRangeValues,
  out_of_range: outOfRangeValues,
  nan: nanValues,
  flip: flipValues,
};

/**
 * Generators indexed by value-class id (1..5; index 0 unused), honouring `opts`. Built once
 * per fault generator, so the per-fault path is an array lookup.
 */
export function valueGeneratorTable(opts: ValueOptions = {}): readonly ValueGenerator[] {
  const table: ValueGenerator[] = [];
  table[0] = zeroValues; // placeholder: id 0 means "not corrupted" and is never generated
  table[ValueClassId.zero] = zeroValues;
  table[ValueClassId.in_range] = inRangeValues;
  table[ValueClassId.out_of_range] = opts.upstreamNegativeZero ? makeOutOfRangeValues(opts) : outOfRangeValues;
  table[ValueClassId.nan] = nanValues;
  table[ValueClassId.flip] = flipValues;
  return table;
}

export function valueGenerator(id: ValueClassIdNumber, opts: ValueOptions = {}): ValueGenerator {
  return valueGeneratorTable(opts)[id];
}

export { zeroValues, inRangeValues, outOfRangeValues, makeOutOfRangeValues, nanValues, flipValues };
export { outOfRangeRegions, type OutOfRangeOptions } from './out-of-range.js';
export { toFloat32Range, type Float32Range } from './range.js';
export { bitsOf, fromBits } from './float-bits.js';
