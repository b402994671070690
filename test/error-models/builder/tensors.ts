/**
 * Hand-made golden/faulty pairs for the builder tests: a golden tensor with distinct values in
 * [1, 2) and a faulty copy with chosen positions overwritten.
 */
import type { Layout, Shape3 } from '../../../src/faults/types.js';

export function goldenTensor(shape: Shape3): Float32Array {
  const n = shape.c * shape.h * shape.w;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 1 + (i % 997) / 1000;
  return g;
}

/** Channel → in-channel positions p = h·W + w. */
export type Corruption = Record<number, number[]>;

/** CHW flat indices of a corruption, ascending. */
export function chwIndices(shape: Shape3, corruption: Corruption): number[] {
  const hw = shape.h * shape.w;
  const out: number[] = [];
  for (const [c, ps] of Object.entries(corruption)) for (const p of ps) out.push(Number(c) * hw + p);
  return out.sort((a, b) => a - b);
}

/** Native flat index of (c, p) in a layout. */
export function nativeIndex(shape: Shape3, layout: Layout, c: number, p: number): number {
  return layout === 'CHW' ? c * shape.h * shape.w + p : p * shape.c + c;
}

/** Golden (in the layout) and a faulty copy with every listed position set to `value`. */
export function makePair(shape: Shape3, corruption: Corruption, value = 50, layout: Layout = 'CHW'): { golden: Float32Array; faulty: Float32Array } {
  const chw = goldenTensor(shape);
  const golden = layout === 'CHW' ? chw : toHwc(chw, shape);
  const faulty = golden.slice();
  for (const [c, ps] of Object.entries(corruption)) for (const p of ps) faulty[nativeIndex(shape, layout, Number(c), p)] = value;
  return { golden, faulty };
}

export function toHwc(chw: Float32Array, shape: Shape3): Float32Array {
  const hw = shape.h * shape.w;
  const out = new Float32Array(chw.length);
  for (let c = 0; c < shape.c; c++) for (let p = 0; p < hw; p++) out[p * shape.c + c] = chw[c * hw + p];
  return out;
}

export function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let x = from; x <= to; x += step) out.push(x);
  return out;
}
