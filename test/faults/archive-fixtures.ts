/** Hand-built faults for the archive and JSONL tests (no generator needed). */
import type { Fault, ResolvedParams } from '../../src/faults/types.js';

export function makeFault(
  layer: string,
  output: string,
  index: number,
  indices: number[],
  classes: number[],
  values: number[],
  pattern = 'same_row',
  params: ResolvedParams = { max_cardinality: 8, row_corruption_pct: [20, 30] },
): Fault {
  return {
    layer,
    output,
    index,
    pattern,
    params,
    indices: Uint32Array.from(indices),
    valueClasses: Uint8Array.from(classes),
    values: Float32Array.from(values),
  };
}

/** Bit patterns of the values, so NaN payloads and -0 compare exactly. */
export function valueBits(f: Fault): number[] {
  return Array.from(new Uint32Array(f.values.buffer, f.values.byteOffset, f.values.length));
}

/** A fault as plain data with exact value bits, for deepEqual. */
export function plain(f: Fault): unknown {
  return {
    layer: f.layer,
    output: f.output,
    index: f.index,
    pattern: f.pattern,
    params: f.params,
    indices: Array.from(f.indices),
    valueClasses: Array.from(f.valueClasses),
    bits: valueBits(f),
  };
}

/** A varied set: runs, scattered indices, mixed classes, -0, NaN payloads, flips. */
export function variedFaults(layer = 'conv1', output = 'conv1_out'): Fault[] {
  const nanPayload = new Float32Array(new Uint32Array([0x7fc00123]).buffer)[0];
  return [
    makeFault(layer, output, 0, [5], [2], [1.5], 'single', {}),
    makeFault(layer, output, 1, [10, 11, 12, 13, 14, 15, 16, 17], [3, 3, 3, 3, 3, 3, 3, 3], [1e20, -3e9, 7e30, -1e-30, 2e10, -2e10, 3e25, 4e-25], 'same_row'),
    makeFault(layer, output, 2, [0, 40, 800, 1599], [1, 4, 5, 2], [0, NaN, 2 ** -149, 0.25], 'bullet_wake', { affected_channels_pct: [10, 20], max_corrupted_channels: 4 }),
    makeFault(layer, output, 3, [1, 2, 3, 100, 101, 102, 103], [5, 5, 1, 4, 2, 3, 1], [-0, 2, -0, nanPayload, Infinity, -Infinity, 0], 'rectangles', { rectangle_width: 3, rectangle_height: 2 }),
    makeFault(layer, output, 7, [3, 9], [2, 2], [-1.25, 3.75], 'single_block', { block_size: 16, block_corruption_pct: [0.5, 1.5] }),
  ];
}
