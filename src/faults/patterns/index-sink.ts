import { runtimeError } from '../../errors.js';
import type { Layout, Shape3 } from '../types.js';

/**
 * Collects the positions a generator corrupts as flat indices in the requested layout and
 * turns them into the sorted, unique `Uint32Array` every generator returns.
 *
 * Generators think in logical (channel, p) pairs, where p = row*W + col is the row-major
 * position inside a channel whatever the layout (spec §2.0). The flat index is
 * c*cStride + p*pStride: CHW has (H*W, 1), HWC has (1, C), because h*W*C + w*C + c = p*C + c.
 *
 * The buffer is a module-level scratch reused across faults (no per-fault allocation besides
 * the returned copy). When a generator adds indices in ascending order, which the CHW paths
 * do, `finish` skips the sort.
 */
export class IndexSink {
  private buf = new Uint32Array(4096);
  private n = 0;
  private last = -1;
  private ascending = true;
  /** Strictly ascending so far: then `finish` needs neither sort nor dedupe. */
  private strict = true;
  private tmp = new Uint32Array(0);
  private readonly counts = new Uint32Array(256);
  cStride = 0;
  pStride = 0;

  /** Starts a new fault for `shape` in `layout`. */
  begin(shape: Shape3, layout: Layout): this {
    const { c, h, w } = shape;
    if (!(isDim(c) && isDim(h) && isDim(w))) {
      throw runtimeError(`pattern generator: invalid layer shape ${JSON.stringify(shape)}; C, H and W must be integers >= 1`);
    }
    if (c * h * w > 0x100000000) {
      throw runtimeError(`pattern generator: layer shape ${c}x${h}x${w} has more than 2^32 values per sample; flat indices are 32-bit`);
    }
    if (layout === 'CHW') {
      this.cStride = h * w;
      this.pStride = 1;
    } else if (layout === 'HWC') {
      this.cStride = 1;
      this.pStride = c;
    } else {
      throw runtimeError(`pattern generator: unknown layout ${JSON.stringify(layout)}; use CHW or HWC`);
    }
    this.n = 0;
    this.last = -1;
    this.ascending = true;
    this.strict = true;
    return this;
  }

  /** Adds position p of channel c. */
  add(c: number, p: number): void {
    this.addFlat(c * this.cStride + p * this.pStride);
  }

  /** Adds an already-computed flat index. */
  addFlat(flat: number): void {
    if (this.n === this.buf.length) this.grow(this.n + 1);
    if (flat <= this.last) {
      this.strict = false;
      if (flat < this.last) this.ascending = false;
    }
    this.last = flat;
    this.buf[this.n++] = flat;
  }

  /**
   * Adds `base + offsets[i]` as positions of channel c, for STRICTLY ASCENDING offsets: the
   * bulk path of the per-channel generators (one capacity check, no per-element call).
   */
  addChannelRun(c: number, base: number, offsets: Uint32Array): void {
    const m = offsets.length;
    if (m === 0) return;
    if (this.n + m > this.buf.length) this.grow(this.n + m);
    const buf = this.buf;
    const ps = this.pStride;
    const c0 = c * this.cStride + base * ps;
    let n = this.n;
    for (let i = 0; i < m; i++) buf[n++] = c0 + offsets[i] * ps;
    if (buf[this.n] <= this.last) {
      this.strict = false;
      if (buf[this.n] < this.last) this.ascending = false;
    }
    this.last = buf[n - 1];
    this.n = n;
  }

  /**
   * LSD radix sort, 8 bits per pass, only as many passes as the largest value needs. The
   * unsorted case is HWC with per-channel position sets (full_channels, multi_channel_block,
   * ...), where it beats the comparison sort several times over on thousands of indices.
   */
  private radixSort(view: Uint32Array): void {
    const n = view.length;
    let max = 0;
    for (let i = 0; i < n; i++) if (view[i] > max) max = view[i];
    if (this.tmp.length < n) this.tmp = new Uint32Array(Math.max(n, this.tmp.length * 2));
    let src: Uint32Array = view;
    let dst: Uint32Array = this.tmp.subarray(0, n);
    const counts = this.counts;
    for (let shift = 0; shift < 32 && max >>> shift > 0; shift += 8) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(src[i] >>> shift) & 0xff]++;
      let sum = 0;
      for (let d = 0; d < 256; d++) {
        const c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const v = src[i];
        dst[counts[(v >>> shift) & 0xff]++] = v;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    if (src !== view) view.set(src);
  }

  private grow(min: number): void {
    const bigger = new Uint32Array(Math.max(min, this.buf.length * 2));
    bigger.set(this.buf.subarray(0, this.n));
    this.buf = bigger;
  }

  /** The sorted, unique indices added since `begin`, as a fresh array. */
  finish(): Uint32Array {
    const view = this.buf.subarray(0, this.n);
    if (this.strict) return view.slice();
    if (!this.ascending) {
      if (view.length < RADIX_MIN) view.sort();
      else this.radixSort(view);
    }
    let u = 0;
    for (let i = 0; i < view.length; i++) {
      if (u === 0 || view[i] !== view[u - 1]) view[u++] = view[i];
    }
    return view.slice(0, u);
  }
}

function isDim(x: number): boolean {
  return Number.isInteger(x) && x >= 1;
}

/** Below this many indices the built-in comparison sort is faster than radix passes. */
const RADIX_MIN = 256;

/** The one sink all generators share (generation is synchronous and never re-entrant). */
export const sink = new IndexSink();
