/**
 * Types of `classes characterize`: the one-operator models the campaign injects into, and the
 * single-bit faults it injects. Everything here is per sample (no batch dimension) unless it
 * says otherwise.
 */
import type { ModelProto } from '../onnx/index.js';
import type { HostTensor } from '../runtime/index.js';
import type { Shape3 } from '../faults/types.js';
import type { Rng } from '../faults/rng.js';

/** The model-file stems, in the order the campaign runs them (the reference files' names). */
export const OPERATOR_NAMES = [
  'conv_gemm',
  'maxpool',
  'avgpool',
  'batchnorm',
  'relu',
  'clipped_relu',
  'sigmoid',
  'tanh',
  'elu',
  'bias_add',
] as const;
export type OperatorName = (typeof OPERATOR_NAMES)[number];

/**
 * Where a single-bit fault strikes:
 * - `input`: one element of the operator's input tensor;
 * - `parameter`: one element of a weight or parameter (Conv weights, BatchNormalization's
 *   scale/bias/mean/variance, the bias of a bias add, Clip's bounds, Elu's alpha);
 * - `partial_sum`: Conv only: one element of the first half of the GEMM reduction;
 * - `output`: one element of the operator's output.
 */
export const SITE_KINDS = ['input', 'parameter', 'partial_sum', 'output'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/**
 * How the samples are shared between the sites of an operator:
 * - `equal`: every site the operator has gets the same share;
 * - `elements`: each site in proportion to how many float32 elements it holds.
 */
export const SITE_MIXES = ['equal', 'elements'] as const;
export type SiteMix = (typeof SITE_MIXES)[number];

/** A weight or parameter tensor of an operator. */
export interface ParamSpec {
  name: string;
  dims: readonly number[];
  /** `input`: fed to the graph at run time; `attribute`: baked into the graph (Elu's alpha). */
  kind: 'input' | 'attribute';
}

/** Random data for one group of samples: the operator's input and every parameter. */
export interface OperatorData {
  input: Float32Array;
  params: Record<string, Float32Array>;
}

/**
 * One configuration of an operator: one graph, one input shape. Conv has three (1×1, 3×3 and
 * 5×5 kernels); the other operators have one.
 */
export interface OperatorVariant {
  op: OperatorName;
  /** Unique and stable: part of the random-data key, e.g. `conv_gemm/3x3`. */
  label: string;
  /** One line for the README, e.g. "Conv 3×3, 8→16 channels, pad 1, as im2col Gather + MatMul". */
  description: string;
  /** Per-sample shape of the operator's input. */
  input: Shape3;
  /** Per-sample shape of the operator's output (what the error model describes). */
  output: Shape3;
  /** Name of the output in the graph. */
  outputName: string;
  /** The parameters; their elements, concatenated in this order, form the `parameter` site. */
  params: readonly ParamSpec[];
  /**
   * Conv only: graph outputs holding the two halves of the reduction, each with as many
   * elements as the output and in the same order, so that output = first + rest.
   */
  partialSum?: { first: string; rest: string };
  /** How the inputs are drawn, for the README. */
  dataDescription: string;
  /** The one-operator graph; `attrs` gives the values of the `attribute` parameters. */
  buildModel(attrs: Readonly<Record<string, Float32Array>>): ModelProto;
  /** Seeded random input and parameters. */
  drawData(rng: Rng): OperatorData;
  /** Graph feeds for a batch of `batch` inputs stacked in `input` and one set of parameters. */
  feeds(input: Float32Array, batch: number, params: Readonly<Record<string, Float32Array>>): Record<string, HostTensor>;
}

/** One single-bit fault of the campaign. */
export interface Injection {
  /** Sample number within the operator, 0-based. */
  sample: number;
  /** Index into the operator's variants. */
  variant: number;
  site: SiteKind;
  /** Flat index of the element within the site (parameters: into their concatenation). */
  element: number;
  /** Bit flipped, 0 (least significant mantissa bit) to 31 (sign). */
  bit: number;
}
