/**
 * Plain-data types shared by the fault generator, the fault-list archive, the JSONL format and
 * the campaign runner. A fault knows nothing of ONNX Runtime: it is a set of flat indices into
 * one sample of a layer's output tensor (row-major CHW order) and the values written there.
 */

/** Per-sample shape of a layer output. `c`, `h`, `w` are all >= 1. */
export interface Shape3 {
  c: number;
  h: number;
  w: number;
}

/** Memory layout the indices refer to. CHW is what ONNX uses (NCHW tensors). */
export type Layout = 'CHW' | 'HWC';

/** Value-class ids, as stored in masks upstream (spec §3.1). */
export const ValueClassId = {
  zero: 1,
  in_range: 2,
  out_of_range: 3,
  nan: 4,
  flip: 5,
} as const;
export type ValueClassName = keyof typeof ValueClassId;
export type ValueClassIdNumber = (typeof ValueClassId)[ValueClassName];
export const VALUE_CLASS_NAMES: readonly ValueClassName[] = ['zero', 'in_range', 'out_of_range', 'nan', 'flip'];

/** A resolved parameter value: a scalar or a [lo, hi] pair (percentages or bounds). */
export type ParamValue = number | [number, number];
export type ResolvedParams = Record<string, ParamValue>;

/** Operating range of a layer output, [min, max] (float32 values). */
export interface ValueRange {
  min: number;
  max: number;
}

export interface Fault {
  /** ONNX node name of the target layer. */
  layer: string;
  /** ONNX tensor name the fault overwrites. */
  output: string;
  /** Index of the fault within its layer's list. */
  index: number;
  /** Spatial pattern name as in the error-model JSON. */
  pattern: string;
  /** Parameters of the pattern after RANDOM resolution. */
  params: ResolvedParams;
  /** Sorted, unique flat indices into the per-sample tensor (row-major CHW). */
  indices: Uint32Array;
  /** Value-class id (1..5) of each corrupted position, aligned with `indices`. */
  valueClasses: Uint8Array;
  /** Corrupted float32 values, aligned with `indices`. */
  values: Float32Array;
}
