/**
 * Colours of the fault heatmaps, one per value class (ids 1–5 as in faults/types.ts), close to
 * the reference classifier's pictures: red zero, orange in-range, brown out-of-range, black
 * NaN, olive flip. Unchanged positions are white; gaps between tiles are grey.
 */
export type Rgb = readonly [number, number, number];

export const CLASS_COLORS: Readonly<Record<number, Rgb>> = {
  1: [220, 40, 40], // zero
  2: [255, 150, 0], // in_range
  3: [140, 70, 20], // out_of_range
  4: [0, 0, 0], // nan
  5: [128, 128, 0], // flip
};

/** A corrupted position whose class is unknown (id 0 or out of range). */
export const UNKNOWN_COLOR: Rgb = [160, 0, 160];
export const CELL_COLOR: Rgb = [255, 255, 255];
export const GAP_COLOR: Rgb = [150, 150, 150];
export const SEPARATOR_COLOR: Rgb = [60, 60, 60];

export function classColor(id: number): Rgb {
  return CLASS_COLORS[id] ?? UNKNOWN_COLOR;
}

/** One line saying what the colours mean, for the commands' output. */
export const COLOR_KEY =
  'colours: red zero, orange in range, brown out of range, black NaN/Inf, olive bit flip; white unchanged; one row block per fault, one tile per corrupted channel';
