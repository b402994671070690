/**
 * The sparse view of one corrupted tensor the spatial rules work on: the corrupted values as
 * C-major tensor positions t = c·HW + p (p = h·W + w, whatever the file layout), grouped by
 * channel, plus the union of in-channel positions with their multiplicities.
 *
 * All arrays live in module-level scratch buffers that grow on demand and are reused by the
 * next tensor, so classifying allocates almost nothing. A SparseFault is valid until the next
 * call of `toSparse`.
 */
import type { Layout, Shape3 } from '../../faults/types.js';

export interface Geometry {
  c: number;
  h: number;
  w: number;
  hw: number;
}

export interface SparseFault {
  geo: Geometry;
  n: number;
  /** Sorted tensor positions, length n. */
  t: Uint32Array;
  /** In-channel position of each entry of t. */
  pos: Uint32Array;
  /** Number of corrupted channels. */
  k: number;
  /** Corrupted channel ids, ascending, length k. */
  chans: Uint32Array;
  /** Entries chanStart[j] .. chanStart[j+1]−1 of t/pos belong to chans[j]; length k+1. */
  chanStart: Uint32Array;
  /** Sorted union of in-channel positions over all channels. */
  union: Uint32Array;
  /** Largest number of channels that share one in-channel position. */
  maxMult: number;
  /** Smallest position with multiplicity maxMult. */
  maxMultPos: number;
}

let tBuf: Uint32Array = new Uint32Array(256);
let posBuf: Uint32Array = new Uint32Array(256);
let chanBuf: Uint32Array = new Uint32Array(64);
let startBuf: Uint32Array = new Uint32Array(65);
let unionBuf: Uint32Array = new Uint32Array(256);
/** Per-position counters, kept all-zero between calls (only touched entries are reset). */
let multBuf: Uint32Array = new Uint32Array(256);

function atLeast(buf: Uint32Array, n: number): Uint32Array {
  if (buf.length >= n) return buf;
  let size = buf.length;
  while (size < n) size *= 2;
  return new Uint32Array(size);
}

export function geometryOf(shape: Shape3): Geometry {
  return { c: shape.c, h: shape.h, w: shape.w, hw: shape.h * shape.w };
}

/** Builds the sparse view from ascending native flat indices of one sample. */
export function toSparse(native: Uint32Array, shape: Shape3, layout: Layout): SparseFault {
  const geo = geometryOf(shape);
  const { c: C, hw } = geo;
  const n = native.length;
  tBuf = atLeast(tBuf, n);
  posBuf = atLeast(posBuf, n);
  const t = tBuf.subarray(0, n);
  if (layout === 'CHW') {
    t.set(native);
  } else {
    // HWC: native = p·C + c. Re-index C-major and sort, so that both layouts give the same view.
    for (let i = 0; i < n; i++) {
      const idx = native[i];
      const p = Math.floor(idx / C);
      t[i] = (idx - p * C) * hw + p;
    }
    t.sort();
  }
  const pos = posBuf.subarray(0, n);
  // k ≤ min(n, C): size the channel arrays once, before the loop.
  chanBuf = atLeast(chanBuf, Math.min(n, C) + 1);
  startBuf = atLeast(startBuf, Math.min(n, C) + 1);
  let k = 0;
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const ch = Math.floor(t[i] / hw);
    pos[i] = t[i] - ch * hw;
    if (ch !== prev) {
      chanBuf[k] = ch;
      startBuf[k] = i;
      k++;
      prev = ch;
    }
  }
  startBuf[k] = n;

  // Union of in-channel positions, with multiplicities.
  if (multBuf.length < hw) multBuf = new Uint32Array(Math.max(hw, multBuf.length * 2));
  unionBuf = atLeast(unionBuf, Math.min(n, hw));
  let u = 0;
  for (let i = 0; i < n; i++) {
    const p = pos[i];
    if (multBuf[p]++ === 0) unionBuf[u++] = p;
  }
  const union = unionBuf.subarray(0, u);
  if (k > 1) union.sort();
  let maxMult = 0;
  let maxMultPos = 0;
  for (let i = 0; i < u; i++) {
    const p = union[i];
    const m = multBuf[p];
    if (m > maxMult) {
      maxMult = m;
      maxMultPos = p;
    }
    multBuf[p] = 0;
  }
  return {
    geo,
    n,
    t,
    pos,
    k,
    chans: chanBuf.subarray(0, k),
    chanStart: startBuf.subarray(0, k + 1),
    union,
    maxMult,
    maxMultPos,
  };
}

/** Sorted in-channel positions of the j-th corrupted channel. */
export function channelPositions(s: SparseFault, j: number): Uint32Array {
  return s.pos.subarray(s.chanStart[j], s.chanStart[j + 1]);
}

/** Number of corrupted values of the j-th corrupted channel. */
export function channelCount(s: SparseFault, j: number): number {
  return s.chanStart[j + 1] - s.chanStart[j];
}
