/**
 * Index arithmetic of windowed runs (window/plan.ts): which rows and columns of a layer's output a
 * change in a rectangle of its input can reach, which input rows a window of output rows reads,
 * and where to put a window of a given size so that it holds a rectangle. Pure functions on one
 * spatial axis at a time; rows and columns use the same ones.
 */

/** Inclusive range of indices on one axis. */
export interface Span {
  lo: number;
  hi: number;
}

/** A sliding operator (Conv, MaxPool, AveragePool) along one axis. */
export interface SlideAxis {
  kernel: number;
  stride: number;
  dilation: number;
  /** Padding before the first element. */
  padBegin: number;
}

/** Extent of the kernel along the axis, dilation included. */
function reach(a: SlideAxis): number {
  return (a.kernel - 1) * a.dilation + 1;
}

/**
 * Output indices (0..outSize-1) whose kernel window touches input indices `input`, or null when
 * none does (a strided 1x1 kernel can step over a changed row).
 */
export function reachedOutputs(input: Span, a: SlideAxis, outSize: number): Span | null {
  // Output o reads input rows o*stride - padBegin + t*dilation for t in 0..kernel-1.
  let lo = Math.max(0, Math.ceil((input.lo + a.padBegin - (reach(a) - 1)) / a.stride));
  let hi = Math.min(outSize - 1, Math.floor((input.hi + a.padBegin) / a.stride));
  if (a.dilation > 1) {
    // With gaps in the kernel an output near either end may skip the span entirely.
    const touches = (o: number): boolean => {
      for (let t = 0; t < a.kernel; t++) {
        const r = o * a.stride - a.padBegin + t * a.dilation;
        if (r >= input.lo && r <= input.hi) return true;
      }
      return false;
    };
    while (lo <= hi && !touches(lo)) lo++;
    while (hi >= lo && !touches(hi)) hi--;
  }
  return lo <= hi ? { lo, hi } : null;
}

/** Input indices that output indices `output` read; may start below 0 or end past the input (padding). */
export function inputSpan(output: Span, a: SlideAxis): Span {
  return { lo: output.lo * a.stride - a.padBegin, hi: output.hi * a.stride - a.padBegin + reach(a) - 1 };
}

/** Most output indices that `inSize` consecutive input indices can reach, over every alignment. */
export function maxReachedSize(inSize: number, a: SlideAxis, outSize: number): number {
  return Math.min(outSize, Math.floor((inSize - 1 + reach(a) - 1) / a.stride) + 1);
}

/** Where a window of `size` indices (size ≤ dim) starts so that it holds `span` and stays inside 0..dim-1. */
export function placeWindow(span: Span, size: number, dim: number): number {
  return Math.max(0, Math.min(span.lo, dim - size));
}

export function spanSize(s: Span): number {
  return s.hi - s.lo + 1;
}

export function unionSpan(a: Span | null, b: Span): Span {
  return a === null ? { lo: b.lo, hi: b.hi } : { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) };
}

/**
 * Rows and columns that flat [C, H, W] indices indices[from..to) span in one sample (inclusive),
 * whatever their channels.
 */
export function spanOfIndices(indices: Uint32Array, from: number, to: number, H: number, W: number): { rows: Span; cols: Span } {
  let rLo = Infinity;
  let rHi = -1;
  let cLo = Infinity;
  let cHi = -1;
  for (let k = from; k < to; k++) {
    const p = indices[k] % (H * W);
    const r = Math.floor(p / W);
    const c = p - r * W;
    if (r < rLo) rLo = r;
    if (r > rHi) rHi = r;
    if (c < cLo) cLo = c;
    if (c > cHi) cHi = c;
  }
  return { rows: { lo: rLo, hi: rHi }, cols: { lo: cLo, hi: cHi } };
}

/** A rectangle of rows r0..r0+h-1 and columns c0..c0+w-1. */
export interface Rect {
  r0: number;
  c0: number;
  h: number;
  w: number;
}

/** Rows [rLo, rHi) and columns [cLo, cHi) that two rectangles share, or null when none. */
export function overlap(a: Rect, b: Rect): { rLo: number; rHi: number; cLo: number; cHi: number } | null {
  const rLo = Math.max(a.r0, b.r0);
  const rHi = Math.min(a.r0 + a.h, b.r0 + b.h);
  const cLo = Math.max(a.c0, b.c0);
  const cHi = Math.min(a.c0 + a.w, b.c0 + b.w);
  return rLo < rHi && cLo < cHi ? { rLo, rHi, cLo, cHi } : null;
}
