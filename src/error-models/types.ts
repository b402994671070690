/**
 * In-memory form of a CLASSES error model (spec §1). Everything the sampler reads is kept, in
 * JSON key order: the order of patterns, domain classes, parameter configurations and
 * parameter names is part of the model's meaning (it fixes sampling index order and the
 * RANDOM resolution order). The `*frequency` and `categories_count` fields are not kept:
 * every choice is weighted by the `count` fields, as upstream does.
 */

/** Value-class names as they appear in the JSON (spec §3.1), in upstream enum order. */
export const DOMAIN_CLASS_NAMES = ['zero', 'in_range', 'out_of_range', 'nan', 'flip'] as const;
export type DomainClassName = (typeof DOMAIN_CLASS_NAMES)[number];

/** A percentage range [lo, hi], 0 <= lo <= hi <= 100. */
export type PctRange = [number, number];

/** A parameter value after RANDOM resolution: a positive integer or a [lo, hi] pair. */
export type ParamValue = number | [number, number];

/** One parameter as written in the JSON: a fixed value or `{"RANDOM": [...]}`. */
export type ParamSpec = { kind: 'fixed'; value: ParamValue } | { kind: 'random'; choices: ParamValue[] };

export interface NamedParamSpec {
  name: string;
  spec: ParamSpec;
}

/** One `parameters[i]` object (spec §1.3). */
export interface ParameterConfig {
  /** Sampling weight. */
  count: number;
  /** `keys` then `stats` flattened as Python's `{**keys, **stats}`: keys order first, stats wins a clash. */
  params: NamedParamSpec[];
}

/**
 * One `domain_classes[j]` object (spec §1.4, §3.4).
 * - single: every corrupted value gets `cls`.
 * - double: the first class in JSON key order gets a share drawn uniformly from `firstPct`
 *   (percent), the second the rest; `secondPct` is kept for display only (upstream ignores it).
 * - random: each value independently gets `classes[i]` with probability `weights[i] / Σ weights`.
 */
export type DomainClass =
  | { kind: 'single'; count: number; cls: DomainClassName }
  | {
      kind: 'double';
      count: number;
      first: DomainClassName;
      firstPct: PctRange;
      second: DomainClassName;
      secondPct: PctRange;
    }
  | { kind: 'random'; count: number; classes: DomainClassName[]; weights: number[] };

/** One spatial pattern (a top-level key that does not start with `_`). */
export interface PatternEntry {
  name: string;
  /** Sampling weight of the pattern. */
  count: number;
  domainClasses: DomainClass[];
  parameters: ParameterConfig[];
}

export interface ErrorModel {
  /** Where the model came from (file path or a caller-given name); used in every error message. */
  source: string;
  /** sha256 of the file bytes when loaded from a file, for run manifests. */
  sha256?: string;
  /** The `_`-prefixed metadata keys, verbatim (never read by the sampler). */
  meta: Record<string, unknown>;
  /** Patterns in JSON key order. */
  patterns: PatternEntry[];
}
