import type { Layout, ResolvedParams, Shape3 } from '../types.js';
import type { Rng } from '../rng.js';

/**
 * One spatial-pattern generator (spec §2). It receives the per-sample shape, the parameters of
 * one configuration AFTER RANDOM resolution (spec §4.2 step 4; scalars or [lo, hi] percentage
 * pairs, named as in the error-model JSON), the fault's RNG and the layout the indices refer to.
 *
 * It returns the SORTED, UNIQUE flat indices it corrupts in the per-sample tensor:
 * CHW: c*H*W + h*W + w; HWC: h*W*C + w*C + c. The array is freshly allocated (the caller owns
 * it). Only `single_block` may return an empty array (spec §2.2.5), and `skip_4` when
 * indexes_corruption_pct is below 1 (%), which no published model has.
 */
export type PatternGenerator = (shape: Shape3, params: ResolvedParams, rng: Rng, layout: Layout) => Uint32Array;

/**
 * The parameters a generator reads, for loaders that want to validate an entry before drawing
 * from it and for the model builder. `ints` are integer scalars, `pcts` are [lo, hi] percentage
 * pairs. `unused` are names the reference models carry for this pattern but no generator reads.
 */
export interface PatternParamSpec {
  readonly ints: readonly string[];
  readonly pcts: readonly string[];
  readonly unused: readonly string[];
}

/** A generator with its parameter description; one per file under `patterns/`. */
export interface PatternDefinition {
  /** Name of the upstream generator function, for messages and docs. */
  readonly upstreamName: string;
  readonly generate: PatternGenerator;
  readonly params: PatternParamSpec;
}
