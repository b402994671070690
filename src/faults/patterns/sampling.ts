import type { Rng } from '../rng.js';

/**
 * Set-free sampling primitives for the generators' hot loops. They use module-level scratch
 * buffers that grow on demand and are reused across faults (generation is synchronous, so no
 * two calls overlap). Each function returns a VIEW into a scratch buffer that stays valid only
 * until the next call of any function in this module: copy or consume it at once.
 *
 * Invariant: `marks` is all zero between calls.
 */

let marks = new Uint8Array(1024);
let picks = new Uint32Array(1024);

/** Above this many candidates a sparse draw uses a Set rather than a byte per candidate. */
const MARK_LIMIT = 1 << 24;

function ensureMarks(n: number): Uint8Array {
  if (marks.length < n) marks = new Uint8Array(Math.max(n, marks.length * 2));
  return marks;
}

function ensurePicks(n: number): Uint32Array {
  if (picks.length < n) picks = new Uint32Array(Math.max(n, picks.length * 2));
  return picks;
}

/**
 * k distinct integers from [0, n), uniformly over all k-subsets (numpy `choice(n, k,
 * replace=False)` as a set). Sorted ascending when `sorted` is true, otherwise in no
 * particular order. Draws min(k, n - k) integers (Floyd's algorithm on the smaller side).
 */
export function sampleDistinct(rng: Rng, n: number, k: number, sorted: boolean): Uint32Array {
  if (k > n) k = n;
  if (k <= 0) return ensurePicks(0).subarray(0, 0);
  const out = ensurePicks(k);
  if (k === n) {
    for (let i = 0; i < n; i++) out[i] = i;
    return out.subarray(0, n);
  }
  if (2 * k > n) {
    // Dense: mark everything, then exclude n-k values with Floyd's algorithm, then scan.
    const m = ensureMarks(n);
    m.fill(1, 0, n);
    for (let j = k; j < n; j++) {
      const t = rng.quickIndex(j + 1);
      if (m[t] === 0) m[j] = 0;
      else m[t] = 0;
    }
    let c = 0;
    for (let i = 0; i < n; i++) {
      if (m[i] !== 0) {
        out[c++] = i;
        m[i] = 0;
      }
    }
    return out.subarray(0, c);
  }
  if (n > MARK_LIMIT) {
    // Huge candidate range with few picks: a Set is cheaper than n bytes of marks.
    const seen = new Set<number>();
    let c = 0;
    for (let j = n - k; j < n; j++) {
      const t = rng.quickIndex(j + 1);
      const v = seen.has(t) ? j : t;
      seen.add(v);
      out[c++] = v;
    }
  } else {
    // Sparse: Floyd's algorithm with byte marks for membership.
    const m = ensureMarks(n);
    let c = 0;
    for (let j = n - k; j < n; j++) {
      const t = rng.quickIndex(j + 1);
      const v = m[t] !== 0 ? j : t;
      m[v] = 1;
      out[c++] = v;
    }
    for (let i = 0; i < k; i++) m[out[i]] = 0;
  }
  const view = out.subarray(0, k);
  if (sorted) view.sort();
  return view;
}

/**
 * The distinct values of k independent uniform draws from [0, n) (numpy `choice(n, k)` with
 * replacement, reduced to a set), sorted ascending. Draws exactly k integers.
 */
export function sampleWithReplacementUnique(rng: Rng, n: number, k: number): Uint32Array {
  if (k <= 0 || n <= 0) return ensurePicks(0).subarray(0, 0);
  if (k * 8 < n && n <= MARK_LIMIT) {
    // Sparse: dedupe through marks, then sort the few survivors.
    const out = ensurePicks(k);
    const m = ensureMarks(n);
    let c = 0;
    for (let i = 0; i < k; i++) {
      const v = rng.quickIndex(n);
      if (m[v] === 0) {
        m[v] = 1;
        out[c++] = v;
      }
    }
    for (let i = 0; i < c; i++) m[out[i]] = 0;
    const view = out.subarray(0, c);
    view.sort();
    return view;
  }
  if (n > MARK_LIMIT) {
    const out = ensurePicks(k);
    for (let i = 0; i < k; i++) out[i] = rng.quickIndex(n);
    const view = out.subarray(0, k);
    view.sort();
    let c = 0;
    for (let i = 0; i < k; i++) if (c === 0 || view[i] !== view[c - 1]) view[c++] = view[i];
    return view.subarray(0, c);
  }
  // Dense: mark, then scan the whole range (already sorted, no comparison sort).
  const m = ensureMarks(n);
  for (let i = 0; i < k; i++) m[rng.quickIndex(n)] = 1;
  const out = ensurePicks(Math.min(k, n));
  let c = 0;
  for (let i = 0; i < n; i++) {
    if (m[i] !== 0) {
      out[c++] = i;
      m[i] = 0;
    }
  }
  return out.subarray(0, c);
}
