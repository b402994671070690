/**
 * Small shape tests on a sorted list of distinct positions. They are the signatures our
 * pattern generators leave (upstream spec §2.2): arithmetic progressions (random_channels in
 * its regular mode), stride-4 runs (skip_4), contiguous runs (rectangles, a linear run
 * upstream), true 2-D rectangles (real faults), whole aligned blocks (alternated blocks).
 */

/** All consecutive differences are equal (true for fewer than 3 entries). */
export function isArithmetic(a: ArrayLike<number>): boolean {
  if (a.length < 3) return a.length >= 1;
  const d = a[1] - a[0];
  for (let i = 2; i < a.length; i++) if (a[i] - a[i - 1] !== d) return false;
  return true;
}

/** At least 2 entries, every consecutive difference equal to `stride`. */
export function isStrideRun(a: ArrayLike<number>, stride: number): boolean {
  if (a.length < 2) return false;
  for (let i = 1; i < a.length; i++) if (a[i] - a[i - 1] !== stride) return false;
  return true;
}

export function isContiguous(a: ArrayLike<number>): boolean {
  return a.length >= 1 && a[a.length - 1] - a[0] + 1 === a.length;
}

/** True when every position lies in one row of width w. */
export function isOneRow(a: ArrayLike<number>, w: number): boolean {
  return a.length >= 1 && Math.floor(a[0] / w) === Math.floor(a[a.length - 1] / w);
}

/**
 * Width and height when the positions fill a full axis-aligned rectangle of at least 2×2
 * inside a channel of width w, else null.
 */
export function fullRectangle(a: ArrayLike<number>, w: number): { width: number; height: number } | null {
  const m = a.length;
  if (m < 4) return null;
  const top = Math.floor(a[0] / w);
  const bottom = Math.floor(a[m - 1] / w);
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < m; i++) {
    const col = a[i] % w;
    if (col < left) left = col;
    if (col > right) right = col;
  }
  const width = right - left + 1;
  const height = bottom - top + 1;
  // distinct positions inside the bounding box, as many as its area: the box is full
  if (width < 2 || height < 2 || width * height !== m) return null;
  return { width, height };
}

/**
 * Our rectangles generator writes a linear run of rh·rw positions starting at (top, left)
 * (upstream §2.2.10, kept for fidelity). Given such a run, pick the (rw, rh) that the generator
 * could have used: rw·rh = length, rw ≤ w, rh ≤ h, and the start inside the generator's range
 * (left < max(w − rw, 1), top < max(h − rh, 1)), both sides ≥ 2 (as in every published model):
 * such a pair is `reachable`. Prefer reachable pairs, then the squarest.
 */
export function rectangleOfRun(start: number, length: number, w: number, h: number): { width: number; height: number; reachable: boolean } {
  const left = start % w;
  const top = Math.floor(start / w);
  let best: { width: number; height: number; score: number; reachable: boolean } | null = null;
  for (let rw = 1; rw <= Math.min(length, w); rw++) {
    if (length % rw !== 0) continue;
    const rh = length / rw;
    if (rh > h) continue;
    const reachable = left < Math.max(w - rw, 1) && top < Math.max(h - rh, 1) && rw >= 2 && rh >= 2;
    const score = (reachable ? 0 : 1e9) + (rw >= 2 && rh >= 2 ? 0 : 1e6) + Math.abs(rw - rh) * 2 - (rw > rh ? 1 : 0);
    if (best === null || score < best.score) best = { width: rw, height: rh, score, reachable };
  }
  if (best === null) {
    // Not a run the generator can make (e.g. a prime length longer than a row): the closest
    // shape with the same row width keeps the size within one row.
    const width = Math.min(length, w);
    return { width, height: Math.ceil(length / width), reachable: false };
  }
  return { width: best.width, height: best.height, reachable: best.reachable };
}
