/**
 * Outcome of one (fault, input) run: pure functions on the golden and faulty class scores of one
 * sample. Nothing here knows about ONNX Runtime; scores are float32 values read at an offset in a
 * (possibly batched) output buffer, so the runner never copies a sample to classify it.
 */

export type Outcome = 'masked' | 'sdc-safe' | 'sdc-critical' | 'non-finite';
/** Every outcome, in the order reports list them. */
export const OUTCOMES: readonly Outcome[] = ['masked', 'sdc-safe', 'sdc-critical', 'non-finite'];
/** Compact code of each outcome (index in OUTCOMES), used to pass results between threads. */
export const OUTCOME_CODE: Readonly<Record<Outcome, number>> = { masked: 0, 'sdc-safe': 1, 'sdc-critical': 2, 'non-finite': 3 };

/**
 * `default`: the rules of DESIGN.md ("Outcomes"). `classes`: the reference implementation's
 * classification metric (spec §6.3, `compute_classification_run_metrics`), reproduced with its
 * quirks so that rates can be compared with published CLASSES numbers.
 */
export type Criteria = 'default' | 'classes';
export const CRITERIA: readonly Criteria[] = ['default', 'classes'];

/** Absolute tolerance of the reference metric when none is given (its `tolerance` default). */
export const CLASSES_DEFAULT_TOLERANCE = 1e-3;
/** The reference's fixed critical threshold on the top score (absolute, though commented "5%"). */
export const CLASSES_CRITICAL_DELTA = 0.05;

export interface ClassifyOptions {
  criteria: Criteria;
  /** default criteria: critical when the golden top-1 class is not among the faulty top-K. */
  topK: number;
  /**
   * default criteria: a run whose largest absolute difference is <= tolerance is masked; 0 means
   * "bit-identical". classes criteria: the reference's `tolerance` (SDC when any |diff| > it).
   */
  tolerance: number;
}

export interface Verdict {
  outcome: Outcome;
  /** Faulty top-1 class, or -1 where it is undefined (non-finite output under `default`). */
  faultyTop1: number;
  /** max |faulty - golden| over the scores; NaN when a faulty score is NaN. */
  maxAbsDiff: number;
}

/**
 * Index of the largest score, the first one on ties. Under `nanIsLargest` (PyTorch's ordering in
 * topk/argmax, used by the reference) the first NaN wins; otherwise NaN never wins.
 */
export function argmax(scores: Float32Array, offset: number, n: number, nanIsLargest = false): number {
  let best = -1;
  let bestVal = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = scores[offset + j];
    if (v !== v) {
      if (nanIsLargest) return j;
      continue;
    }
    if (best < 0 || v > bestVal) {
      best = j;
      bestVal = v;
    }
  }
  return best < 0 ? 0 : best;
}

/**
 * Rank of class `cls` in the scores (0 = top-1), ordering by score descending and breaking ties
 * by class index, which agrees with `argmax`. Scores are assumed finite.
 */
export function rankOf(scores: Float32Array, offset: number, n: number, cls: number): number {
  const v = scores[offset + cls];
  let rank = 0;
  for (let j = 0; j < n; j++) {
    const s = scores[offset + j];
    if (s > v || (s === v && j < cls)) rank++;
  }
  return rank;
}

/** Largest |a - b|, NaN if any difference is NaN. */
function maxAbsDiffOf(g: Float32Array, go: number, f: Float32Array, fo: number, n: number): number {
  let m = 0;
  for (let j = 0; j < n; j++) {
    const d = Math.abs(f[fo + j] - g[go + j]);
    if (d !== d) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** True when the two score vectors have the same float32 bit patterns. */
function bitIdentical(g: Float32Array, go: number, f: Float32Array, fo: number, n: number): boolean {
  const gb = new Uint32Array(g.buffer, g.byteOffset, g.length);
  const fb = new Uint32Array(f.buffer, f.byteOffset, f.length);
  for (let j = 0; j < n; j++) if (gb[go + j] !== fb[fo + j]) return false;
  return true;
}

/**
 * Classify one faulty sample against its golden reference.
 * @param golden golden scores, `n` values at `go`
 * @param goldenTop1 argmax of the golden scores (computed once per input by the caller)
 * @param faulty faulty scores, `n` values at `fo`
 */
export function classify(
  golden: Float32Array,
  go: number,
  goldenTop1: number,
  faulty: Float32Array,
  fo: number,
  n: number,
  opts: ClassifyOptions,
): Verdict {
  if (opts.criteria === 'classes') return classifyClasses(golden, go, faulty, fo, n, opts.tolerance);
  // Non-finite first: an argmax over NaN is meaningless (spec notes: `>` keeps a leading NaN).
  let nonFinite = false;
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(faulty[fo + j])) {
      nonFinite = true;
      break;
    }
  }
  const maxAbsDiff = maxAbsDiffOf(golden, go, faulty, fo, n);
  if (nonFinite) return { outcome: 'non-finite', faultyTop1: -1, maxAbsDiff };
  const masked = opts.tolerance > 0 ? maxAbsDiff <= opts.tolerance : bitIdentical(golden, go, faulty, fo, n);
  const faultyTop1 = argmax(faulty, fo, n);
  if (masked) return { outcome: 'masked', faultyTop1, maxAbsDiff };
  const critical = opts.topK <= 1 ? faultyTop1 !== goldenTop1 : rankOf(faulty, fo, n, goldenTop1) >= opts.topK;
  return { outcome: critical ? 'sdc-critical' : 'sdc-safe', faultyTop1, maxAbsDiff };
}

/**
 * The reference rule (spec §6.3): SDC iff some |faulty - golden| > tolerance (NaN compares false,
 * so an all-NaN output is masked); an SDC is critical iff the top-1 class changed or
 * |faulty[top1_faulty] - golden[top1_golden]| > 0.05. Top-1 follows PyTorch: NaN ranks first.
 * There is no non-finite outcome under this rule.
 */
function classifyClasses(g: Float32Array, go: number, f: Float32Array, fo: number, n: number, tolerance: number): Verdict {
  // The reference compares float32 tensors with Python scalars, which PyTorch casts to float32:
  // differences and thresholds are rounded to float32 before they are compared.
  const tol = Math.fround(tolerance);
  let sdc = false;
  for (let j = 0; j < n; j++) {
    if (Math.fround(Math.abs(f[fo + j] - g[go + j])) > tol) {
      sdc = true;
      break;
    }
  }
  const maxAbsDiff = maxAbsDiffOf(g, go, f, fo, n);
  const faultyTop1 = argmax(f, fo, n, true);
  if (!sdc) return { outcome: 'masked', faultyTop1, maxAbsDiff };
  const goldenTop1 = argmax(g, go, n, true);
  const critical = faultyTop1 !== goldenTop1 || Math.fround(Math.abs(f[fo + faultyTop1] - g[go + goldenTop1])) > Math.fround(CLASSES_CRITICAL_DELTA);
  return { outcome: critical ? 'sdc-critical' : 'sdc-safe', faultyTop1, maxAbsDiff };
}

/** The verdict of a fault whose values equal the golden ones: nothing changes, nothing runs. */
export function unchangedVerdict(goldenTop1: number): Verdict {
  return { outcome: 'masked', faultyTop1: goldenTop1, maxAbsDiff: 0 };
}
