import { test } from 'node:test';
import assert from 'node:assert/strict';
import { im2colIndices, operatorVariants } from '../../src/characterize/index.js';
import { Rng } from '../../src/faults/rng.js';
import { asFloat32, createSession } from '../../src/runtime/index.js';

/** Direct convolution in double precision, stride 1, zero padding, CHW. */
function directConv(x: Float32Array, w: Float32Array, cin: number, cout: number, size: number, k: number): Float64Array {
  const pad = (k - 1) / 2;
  const out = new Float64Array(cout * size * size);
  for (let co = 0; co < cout; co++)
    for (let y = 0; y < size; y++)
      for (let xo = 0; xo < size; xo++) {
        let acc = 0;
        for (let ci = 0; ci < cin; ci++)
          for (let dy = 0; dy < k; dy++)
            for (let dx = 0; dx < k; dx++) {
              const iy = y + dy - pad;
              const ix = xo + dx - pad;
              if (iy < 0 || ix < 0 || iy >= size || ix >= size) continue;
              acc += x[ci * size * size + iy * size + ix] * w[((co * cin + ci) * k + dy) * k + dx];
            }
        out[co * size * size + y * size + xo] = acc;
      }
  return out;
}

test('im2col indices of a 2×2 input with a 3×3 kernel and pad 1', () => {
  const { k, p, indices } = im2colIndices({ cin: 1, h: 2, w: 2, kernel: 3, pad: 1, stride: 1 });
  assert.equal(k, 9);
  assert.equal(p, 4);
  // padded input is 4×4; output (0,0) reads rows 0..2, cols 0..2 of it
  assert.deepEqual([...indices.filter((_, i) => i % p === 0)], [0, 1, 2, 4, 5, 6, 8, 9, 10]);
});

test('the im2col × GEMM graph computes the convolution, and output = first + rest in float32', async () => {
  for (const v of operatorVariants('conv_gemm')) {
    const kernel = Number(v.label.split('/')[1][0]);
    const data = v.drawData(new Rng(`test/${v.label}`));
    const s = await createSession(v.buildModel({}), { label: v.label });
    try {
      const res = await s.run(v.feeds(data.input, 1, data.params), [v.outputName, 'psum_first', 'psum_rest']);
      const y = asFloat32(res.Y);
      const first = asFloat32(res.psum_first);
      const rest = asFloat32(res.psum_rest);
      assert.equal(y.length, 16 * 16 * 16);
      const ref = directConv(data.input, data.params.W, 8, 16, 16, kernel);
      let worst = 0;
      for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
      assert.ok(worst < 1e-4, `${v.label}: max error ${worst}`);
      for (let i = 0; i < y.length; i++) assert.equal(y[i], Math.fround(first[i] + rest[i]));
    } finally {
      await s.release();
    }
  }
});
