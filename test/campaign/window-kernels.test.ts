import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { compareWindow, fillCrop } from '../../src/campaign/window/executor.js';
import { KERNEL_GOLDEN_BUDGET, WindowMemory } from '../../src/campaign/window/window-memory.js';
import { Rng } from '../../src/faults/rng.js';
import { ROOT } from '../helpers.js';

interface WasmBuild {
  compileKernels(): Promise<string>;
  moduleSource(base64: string): string;
}

test('kernels-wasm.ts is what npm run gen:wasm makes of kernels.wat', async () => {
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'wasm', 'build.mjs')).href)) as WasmBuild;
  const shipped = readFileSync(join(ROOT, 'src', 'campaign', 'window', 'kernels-wasm.ts'), 'utf8');
  assert.equal(shipped, build.moduleSource(await build.compileKernels()), 'run npm run gen:wasm after editing kernels.wat');
});

test('crop kernel: the same floats as fillCrop, windows, fills and edges included', () => {
  const rng = new Rng('crop-kernel');
  for (let k = 0; k < 1500; k++) {
    const C = 1 + rng.index(9);
    const H = 1 + rng.index(9);
    const W = 1 + rng.index(9);
    const golden = Float32Array.from({ length: 3 * C * H * W }, () => rng.uniform(-1, 1));
    const input = rng.index(3);
    const mem = WindowMemory.create([golden])!;
    let win: { r0: number; c0: number; h: number; w: number; data: Float32Array; off: number } | null = null;
    if (rng.next() < 0.7) {
      const wr = rng.index(H);
      const wc = rng.index(W);
      const wh = 1 + rng.index(H - wr);
      const ww = 1 + rng.index(W - wc);
      const data = Float32Array.from({ length: wh * ww * C }, () => 100 + rng.uniform(0, 1));
      const off = mem.alloc(data.length * 4);
      mem.floats(off, data.length).set(data);
      win = { r0: wr, c0: wc, h: wh, w: ww, data, off };
    }
    const r0 = rng.index(H + 6) - 3;
    const c0 = rng.index(W + 6) - 3;
    const h = 1 + rng.index(H + 3);
    const w = 1 + rng.index(W + 3);
    // Whole rows (the one-block path) now and then.
    const [cr0, cc0, cw] = rng.next() < 0.15 ? [rng.index(H), 0, W] : [r0, c0, w];
    const ch = Math.min(h, H - cr0 > 0 && cw === W && cc0 === 0 ? H - cr0 : h);
    const fill = rng.next() < 0.5 ? 0 : -Infinity;
    const want = new Float32Array(ch * cw * C).fill(NaN);
    fillCrop(want, 0, [C, H, W], golden, input * C * H * W, win, cr0, cc0, ch, cw, fill);
    const dst = mem.alloc(want.length * 4);
    mem.floats(dst, want.length).fill(NaN);
    mem.crop(dst, 0, [C, H, W], input, win, cr0, cc0, ch, cw, fill);
    assert.deepEqual(mem.floats(dst, want.length), want, `case ${k}`);
    mem.release();
  }
});

test('compare kernel: the verdicts of compareWindow (same, changed, NaN), signed zeros and every lane position included', () => {
  const rng = new Rng('compare-kernel');
  const specials = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45];
  for (let k = 0; k < 3000; k++) {
    const C = 1 + rng.index(11);
    const H = 1 + rng.index(8);
    const W = 1 + rng.index(8);
    const golden = Float32Array.from({ length: 2 * C * H * W }, () => (rng.next() < 0.2 ? 0 : rng.uniform(-2, 2)));
    const input = rng.index(2);
    const S = 1 + rng.index(H);
    const T = 1 + rng.index(W);
    const r0 = rng.index(H - S + 1);
    const c0 = rng.index(W - T + 1);
    const out = new Float32Array(S * T * C);
    for (let i = 0; i < S; i++) for (let j = 0; j < T; j++) for (let c = 0; c < C; c++) out[(i * T + j) * C + c] = golden[input * C * H * W + ((r0 + i) * W + c0 + j) * C + c];
    // Zeros of the other sign, changes and NaN at random places.
    const edits = rng.index(4);
    for (let e = 0; e < edits; e++) {
      const at = rng.index(out.length);
      const kind = rng.next();
      if (kind < 0.3 && out[at] === 0) out[at] = Object.is(out[at], 0) ? -0 : 0;
      else if (kind < 0.6) out[at] = specials[rng.index(specials.length)];
      else out[at] = out[at] + 1;
    }
    const mem = WindowMemory.create([golden])!;
    const off = mem.alloc(out.length * 4);
    mem.floats(off, out.length).set(out);
    const goldenBits = new Uint32Array(golden.buffer);
    const want = compareWindow(out, new Uint32Array(out.buffer), 0, [C, H, W], goldenBits, input * C * H * W, r0, c0, S, T);
    assert.equal(mem.compare(off, 0, [C, H, W], input, r0, c0, S, T), want, `case ${k}`);
    mem.release();
  }
});

test('window memory: growing keeps what was written; over the golden budget there are no kernels', () => {
  const golden = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5);
  const mem = WindowMemory.create([golden])!;
  const slot = mem.slot('input:0', 64);
  mem.floats(slot, 16).fill(7);
  mem.beginRun();
  const big = mem.alloc(40 * 2 ** 20); // grows the memory: views made before are detached
  mem.floats(big, 4).fill(3);
  mem.endRun();
  assert.deepEqual(mem.floats(mem.sample(0, 0, 1000), 1000), golden, 'golden copy intact');
  assert.deepEqual([...mem.floats(slot, 16)], new Array(16).fill(7), 'slot intact');
  assert.equal(mem.alloc(4), big, 'the run arena is freed at the end of a run');
  assert.equal(mem.slot('input:0', 32), slot, 'a slot large enough stays where it is');
  mem.release();
  assert.equal(WindowMemory.create([new Float32Array(KERNEL_GOLDEN_BUDGET / 4 + 16)]), null);
  // The same golden arrays again (set-up checks, then the layer's faults): taken over, not copied.
  const list = [golden];
  const first = WindowMemory.create(list)!;
  first.release();
  golden[0] = -1; // golden tensors never change after; this shows the memory was not written again
  const again = WindowMemory.create(list)!;
  assert.equal(again.floats(again.sample(0, 0, 1000), 1)[0], 0);
  again.release();
  const other = WindowMemory.create([Float32Array.from(golden)])!;
  assert.equal(other.floats(other.sample(0, 0, 1000), 1)[0], -1, 'other arrays are copied');
  other.release();
});
