/**
 * Types of the error-model builder (`classes build-models`): what one classified tensor carries,
 * why a tensor can be rejected, and the options shared by the core and the aggregator.
 */
import type { Layout, Shape3, ValueRange } from '../../faults/types.js';

/** The 13 spatial classes the builder can emit (the names the CLASSES generators read). */
export const PATTERN_NAMES = [
  'single',
  'same_row',
  'bullet_wake',
  'skip_4',
  'single_block',
  'single_channel_alternated_blocks',
  'full_channels',
  'multi_channel_block',
  'shattered_channel',
  'quasi_shattered_channel',
  'rectangles',
  'single_channel_random',
  'multiple_channels_uncategorized',
] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** A bucketed `keys` value: a scalar or a `[lo, hi]` percentage bucket. */
export type KeyValue = number | [number, number];

/** How a per-tensor stat is folded over the tensors of one configuration. */
export type Aggregator = 'min' | 'max';
export interface StatValue {
  value: number;
  agg: Aggregator;
}

/** Output of the spatial classifier for one tensor. Key and stat order is the JSON order. */
export interface SpatialResult {
  pattern: PatternName;
  keys: Record<string, KeyValue>;
  stats: Record<string, StatValue>;
}

/**
 * Per-tensor value-class distribution (error-classifier spec §4.2), already in the form one
 * `domain_classes` element takes. `classes` is in JSON key order (the generator reads the
 * first key's range for a Double).
 */
export type DomainDistribution =
  | { kind: 'single'; classes: [string, [number, number]][] }
  | { kind: 'double'; classes: [string, [number, number]][] }
  | { kind: 'random' };

export interface ClassifiedTensor extends SpatialResult {
  /** Corrupted values per value class, indexed by class id − 1 (zero, in_range, out_of_range, nan, flip). */
  valueClassCounts: number[];
  domain: DomainDistribution;
  corruptedCount: number;
  channelCount: number;
}

/** Why a tensor is not part of the model. `masked` is not an error: the fault changed nothing. */
export type RejectReason =
  | 'masked'
  | 'shape-mismatch'
  | 'batch-size'
  | 'bad-rank'
  | 'unreadable'
  | 'golden-missing'
  | 'golden-unreadable'
  | 'golden-bad-rank'
  | 'rare-pattern'
  | 'rare-configuration';

export interface Rejection {
  rejected: RejectReason;
  detail: string;
}

export function isRejection(x: ClassifiedTensor | Rejection): x is Rejection {
  return (x as Rejection).rejected !== undefined;
}

export interface ClassifyOptions {
  /** A value is corrupted when |faulty − golden| ≥ tolerance (float32 difference). Default 1e-3. */
  tolerance?: number;
  /** Range for in_range/out_of_range; default: the golden tensor's finite min and max. */
  range?: ValueRange;
  /**
   * Classify a value one bit away from its golden value as `flip` (the reference classifier's
   * rule; default true). Our fault generator writes `flip` as a one-hot bit pattern, not as a
   * flipped golden value, so a model meant to be replayed by our generator (e.g. the output of
   * `classes characterize`) turns this off and lets such values fall into the class of where
   * they land (zero, in_range, out_of_range, nan), which the generator does realise.
   */
  goldenBitFlip?: boolean;
}

/** One golden/faulty pair for the in-memory API (`buildErrorModelFromTensors`). */
export interface TensorPair {
  golden: Float32Array;
  faulty: Float32Array;
  /** Per-sample shape (no batch dimension). */
  shape: Shape3;
  /** Memory order of both arrays; default CHW. */
  layout?: Layout;
  /** Overrides the golden range for the value classes (e.g. a profiled layer range). */
  range?: ValueRange;
  /** Where the pair comes from, for the report (file path, fault id, ...). */
  source?: string;
}

export const DEFAULT_TOLERANCE = 1e-3;
