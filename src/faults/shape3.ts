import type { Shape3 } from './types.js';

/**
 * The per-sample shape of a layer output as the fault generator's {c, h, w}. gen-faults (from a
 * profile) and run-campaign (from the golden run) both read shapes here, so that one seed gives
 * the same faults either way.
 *
 * - [C, H, W] as it is.
 * - [C, L] (a Conv1d's output) as C channels of one row of L: channels stay channels.
 * - [F] (a flat vector) as F channels of 1x1, as a global pooling's [C, 1, 1] output before it is
 *   flattened: the same values get the same patterns whatever rank the export gives them.
 * - Longer shapes lose leading 1s; then [C, ..., H, W] is C channels of (all middle dims × H)
 *   rows of W, so that a row stays a row of the map.
 *
 * Every reading keeps the flat (C-order) index of each value, so a fault list applies the same
 * way whichever reading made it.
 */
export function toShape3(dims: readonly number[]): Shape3 {
  const d = [...dims];
  while (d.length > 3 && d[0] === 1) d.shift();
  if (d.length === 0) return { c: 1, h: 1, w: 1 };
  if (d.length === 1) return { c: d[0], h: 1, w: 1 };
  if (d.length === 2) return { c: d[0], h: 1, w: d[1] };
  return { c: d[0], h: d.slice(1, -1).reduce((a, b) => a * b, 1), w: d[d.length - 1] };
}
