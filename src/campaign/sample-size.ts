/**
 * Statistical fault injection sample size (Leveugle, Calvez, Maistri, Vanhauwaert, "Statistical
 * fault injection: quantified error and confidence", DATE 2009):
 *
 *     n = N / (1 + e^2 (N - 1) / (t^2 p (1 - p)))
 *
 * with N the population size, e the error margin, t the two-sided normal quantile of the
 * confidence level and p the expected proportion; p = 0.5 is the worst case (largest n). For an
 * unbounded population the formula tends to n = t^2 p (1 - p) / e^2.
 */

export interface SampleSizeOptions {
  /** Error margin e, as a fraction (0.01 = ±1 percentage point). */
  margin: number;
  /** Confidence level, e.g. 0.95. */
  confidence: number;
  /** Population size N; Infinity (or undefined) when the population is unbounded. */
  population?: number;
  /** Expected proportion p; 0.5 (the worst case) unless known. */
  p?: number;
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation). Its relative error is
 * below 1.2e-9, far finer than a sample size needs.
 */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`normalQuantile: q must be in (0, 1), got ${q}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  if (q < pLow) {
    const r = Math.sqrt(-2 * Math.log(q));
    return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1);
  }
  if (q > 1 - pLow) return -normalQuantile(1 - q);
  const r = q - 0.5;
  const s = r * r;
  return ((((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r) / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
}

/** The two-sided quantile t of a confidence level (0.95 → 1.96). */
export function confidenceQuantile(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** Number of faults to inject (rounded up); never more than a finite population. */
export function leveugleSampleSize(opts: SampleSizeOptions): number {
  const { margin, confidence } = opts;
  const p = opts.p ?? 0.5;
  const N = opts.population ?? Infinity;
  if (!(margin > 0 && margin < 1)) throw new RangeError(`margin must be in (0, 1), got ${margin}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  if (!(N >= 1)) throw new RangeError(`population must be >= 1, got ${N}`);
  const t = confidenceQuantile(confidence);
  const base = (t * t * p * (1 - p)) / (margin * margin);
  // Guard the ceiling against rounding noise just above an integer (e.g. 384.00000000001).
  const ceil = (x: number): number => Math.ceil(x - 1e-9);
  if (!Number.isFinite(N)) return ceil(base);
  const n = N / (1 + (margin * margin * (N - 1)) / (t * t * p * (1 - p)));
  return Math.min(N, ceil(n));
}

/**
 * The smallest margin, rounded up to two significant digits, whose unbounded sample
 * (p = 0.5) has at most `maxFaults` faults (for messages that must suggest a margin that works).
 */
export function smallestMargin(confidence: number, maxFaults: number): number {
  const t = confidenceQuantile(confidence);
  const exact = (t * 0.5) / Math.sqrt(maxFaults);
  const scale = 10 ** (Math.floor(Math.log10(exact)) - 1);
  return Number((Math.ceil(exact / scale) * scale).toPrecision(2));
}
