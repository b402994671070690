/**
 * The profile: what `classes profile` prints with --json and writes with -o, and what later
 * commands read. Scripts depend on the documented fields: extend, don't break.
 */

import type { AppliedImagePreprocessing } from '../data/images.js';

export interface LayerProfile {
  /** ONNX node name (stable name for unnamed nodes: `<OpType>_<index>`). */
  name: string;
  op: string;
  /** The output tensor a fault overwrites. */
  output: string;
  /** Error-model file stem (e.g. conv_gemm); null for nodes listed by --all that are not injectable. */
  errorModel: string | null;
  /** Per-sample output shape (batch dimension removed), e.g. [C, H, W]. */
  shape: number[];
  /** Smallest and largest finite output value over all inputs; null when there was none (or not a float tensor). */
  min: number | null;
  max: number | null;
  /** How many output values were NaN or ±Inf, over all inputs. */
  nonFinite: number;
  /** Mean kernel time of the layer in milliseconds (see profile/timing.ts); null when unmeasured. */
  ms: number | null;
  /** Extension: position of the node in the graph. */
  index: number;
  /** Extension: whether faults can be injected here (errorModel !== null). */
  injectable: boolean;
}

export interface Profile {
  /** The model path as given. */
  model: string;
  modelSha256: string;
  /** How many inputs the ranges were measured on. */
  inputs: number;
  layers: LayerProfile[];
  /** Extension: where the inputs came from (a path, or `random(seed=S)`). */
  inputSource?: string;
  /** Extension: for image inputs, the preprocessing applied (defaults filled in): ranges depend on it. */
  image?: AppliedImagePreprocessing;
  /** Extension: true when the inputs were random (ranges then say little). */
  randomInputs?: boolean;
  /** Extension: the execution provider that ran the profile. */
  provider?: string;
  convStrategy?: string;
  /** Extension: whether the model ran batches (false: one sample per run). */
  batchDynamic?: boolean;
  /** Extension: how `ms` was measured. */
  timing?: { method: string; runs: number; warmup: number; batch: number };
}
