/**
 * The im2col gather indices of a convolution: row r = (ci, dy, dx) of the column matrix, column
 * p = (oh, ow) of the output, value = flat index into the padded input of one sample. Gathering
 * the flattened padded input with these indices gives the [K, P] matrix that turns the
 * convolution into one GEMM, weights [Cout, K] × columns [K, P].
 */
export interface ConvGeometry {
  cin: number;
  /** Input height and width, before padding. */
  h: number;
  w: number;
  kernel: number;
  pad: number;
  stride: number;
}

export function convOutputSize(g: ConvGeometry): { oh: number; ow: number } {
  return {
    oh: Math.floor((g.h + 2 * g.pad - g.kernel) / g.stride) + 1,
    ow: Math.floor((g.w + 2 * g.pad - g.kernel) / g.stride) + 1,
  };
}

/** Gather indices, row-major [K, P] with K = cin·kernel², P = oh·ow. */
export function im2colIndices(g: ConvGeometry): { k: number; p: number; indices: Int32Array } {
  const { oh, ow } = convOutputSize(g);
  const hp = g.h + 2 * g.pad;
  const wp = g.w + 2 * g.pad;
  const k = g.cin * g.kernel * g.kernel;
  const p = oh * ow;
  const indices = new Int32Array(k * p);
  let r = 0;
  for (let ci = 0; ci < g.cin; ci++) {
    for (let dy = 0; dy < g.kernel; dy++) {
      for (let dx = 0; dx < g.kernel; dx++, r++) {
        for (let y = 0; y < oh; y++) {
          for (let x = 0; x < ow; x++) {
            indices[r * p + y * ow + x] = ci * hp * wp + (y * g.stride + dy) * wp + (x * g.stride + dx);
          }
        }
      }
    }
  }
  return { k, p, indices };
}
