/**
 * The memory windowed runs build crops and compare windows in, with the WebAssembly kernels of
 * kernels.wat: a copy of the plan's golden tensors, one feed buffer per input slot, and an arena
 * for the windows of one run. Everything is addressed by byte offset, so that the memory may grow
 * at any allocation; typed-array views are made only right before use (growing detaches them).
 *
 * Results do not depend on whether a layer uses it: the kernels copy and compare the same values
 * as executor.ts's JavaScript (test/campaign/window-kernels.test.ts). What they save is the per-row
 * cost of crops and the comparison of windows with golden, 11-14 % of the windowed layers' time
 * on resnet-small (BENCHMARKS.md).
 */
import { overlap, type Rect } from './geometry.js';
import { KERNELS_WASM } from './kernels-wasm.js';

// lib ES2022 and @types/node 20 leave WebAssembly out; the part used here.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
};
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Kernels {
  rows(dst: number, dstride: number, src: number, sstride: number, bytes: number, h: number): void;
  crop(dst: number, src: number, C: number, H: number, W: number, r0: number, c0: number, h: number, w: number, fill: number): void;
  compare(out: number, gold: number, C: number, W: number, r0: number, c0: number, h: number, w: number): number;
}

/**
 * Most bytes of golden tensors one thread copies into its kernels' memory. Beyond it a layer's
 * windowed runs use the JavaScript copies, reading the golden tensors shared between threads:
 * a copy per worker thread of large golden sets would cost memory the machine may not have.
 */
export const KERNEL_GOLDEN_BUDGET = 64 * 2 ** 20;

/** A rectangle of a channels-last tensor held in this memory at byte offset `off` (h x w x C floats). */
export interface WindowAt extends Rect {
  off: number;
}

const PAGE = 65536;
const ALIGN = 64;

let compiled: object | null = null;
/**
 * Memories of released executors, reused by the next ones in this thread: pages the process has
 * touched once cost nothing more, where a fresh memory pays a page fault per page (about 15 us on
 * the virtual machine of BENCHMARKS.md).
 */
const spare: Spare[] = [];
const MAX_SPARE = 2;

/** A released memory, with the golden tensors it still holds (and where). */
interface Spare {
  memory: WasmMemory;
  golden: readonly Float32Array[];
  offsets: number[];
  end: number;
}

/** Whether two lists hold the very same arrays (not equal values: the same objects). */
function sameArrays(a: readonly Float32Array[], b: readonly Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

export class WindowMemory {
  private readonly kernels: Kernels;
  private top = 0;
  /** Allocations below it outlive the current run (feed slots). */
  private keep = 0;
  private runMark = -1;
  private readonly slots = new Map<string, { off: number; bytes: number }>();
  private heap: Float32Array;
  /** Byte offset of each golden tensor's copy, by plan tensor id; they end at goldenEnd. */
  readonly golden: number[];
  private readonly goldenEnd: number;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly goldenArrays: readonly Float32Array[],
    held: Spare | null,
  ) {
    compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM, 'base64'));
    const exports = new WebAssembly.Instance(compiled, { env: { memory } }).exports;
    this.kernels = exports as unknown as Kernels;
    this.heap = new Float32Array(memory.buffer);
    if (held !== null) {
      this.golden = held.offsets;
      this.top = held.end;
    } else {
      this.golden = goldenArrays.map((g) => {
        const off = this.alloc(g.length * 4);
        this.floats(off, g.length).set(g);
        return off;
      });
    }
    this.goldenEnd = this.top;
    this.keep = this.top;
  }

  /**
   * Memory for kernels over `golden` (the plan's golden tensors, complete: they must not change
   * after), or null when over KERNEL_GOLDEN_BUDGET. A released memory that holds these very arrays
   * (the set-up's checks, then the layer's faults, in one thread) is taken without copying again.
   */
  static create(golden: readonly Float32Array[]): WindowMemory | null {
    const bytes = golden.reduce((a, g) => a + align(g.length * 4), 0);
    if (bytes > KERNEL_GOLDEN_BUDGET) return null;
    const same = spare.findIndex((sp) => sameArrays(sp.golden, golden));
    if (same >= 0) {
      const held = spare.splice(same, 1)[0];
      return new WindowMemory(held.memory, golden, held);
    }
    const memory = spare.pop()?.memory ?? new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) + 1 });
    return new WindowMemory(memory, golden, null);
  }

  /** Hand the memory on to the next executor of this thread; this object is unusable after. */
  release(): void {
    if (spare.length >= MAX_SPARE) spare.shift();
    spare.push({ memory: this.memory, golden: this.goldenArrays, offsets: this.golden, end: this.goldenEnd });
  }

  /** A fresh view of n floats at byte offset off (valid until the next allocation). */
  floats(off: number, n: number): Float32Array {
    if (this.heap.buffer !== this.memory.buffer) this.heap = new Float32Array(this.memory.buffer);
    return this.heap.subarray(off / 4, off / 4 + n);
  }

  /** `bytes` bytes, aligned; they live until the end of the current run (or for good outside one). */
  alloc(bytes: number): number {
    const off = this.top;
    this.top += align(Math.max(bytes, 4));
    const have = this.memory.buffer.byteLength;
    if (this.top > have) this.memory.grow(Math.ceil((this.top - have) / PAGE));
    return off;
  }

  /** The feed buffer of input slot `key`, at least `bytes` long (kept across runs). */
  slot(key: string, bytes: number): number {
    const s = this.slots.get(key);
    if (s !== undefined && s.bytes >= bytes) return s.off;
    // Room for growth, so that slots seldom move.
    const size = Math.max(bytes, 2 * (s?.bytes ?? 0));
    const off = this.alloc(size);
    this.slots.set(key, { off, bytes: size });
    this.keep = this.top;
    return off;
  }

  /** Start a run: what it allocates (but feed slots) is freed by endRun(). */
  beginRun(): void {
    this.runMark = this.top;
  }

  endRun(): void {
    if (this.runMark >= 0) this.top = Math.max(this.runMark, this.keep);
    this.runMark = -1;
  }

  /**
   * Crop rows r0.., columns c0.. (h x w) of golden tensor `id` (dims [C, H, W], sample `input`)
   * with the window `win` (in this memory) written over it, into dst; positions outside the tensor
   * read as `fill` (executor.ts, fillCrop).
   */
  crop(dst: number, id: number, dims: readonly number[], input: number, win: WindowAt | null, r0: number, c0: number, h: number, w: number, fill: number): void {
    const [C, H, W] = dims;
    this.kernels.crop(dst, this.golden[id] + input * C * H * W * 4, C, H, W, r0, c0, h, w, fill);
    if (win === null) return;
    const o = overlap({ r0, c0, h, w }, win);
    if (o === null) return;
    const { rLo, rHi, cLo, cHi } = o;
    const row = C * 4;
    this.kernels.rows(dst + ((rLo - r0) * w + (cLo - c0)) * row, w * row, win.off + ((rLo - win.r0) * win.w + (cLo - win.c0)) * row, win.w * row, (cHi - cLo) * row, rHi - rLo);
  }

  /** Byte offset of sample `input` of golden tensor `id`, `per` floats a sample. */
  sample(id: number, input: number, per: number): number {
    return this.golden[id] + input * per * 4;
  }

  /** h rows of `bytes` bytes from src (stride sstride) to dst (stride dstride). */
  rows(dst: number, dstride: number, src: number, sstride: number, bytes: number, h: number): void {
    this.kernels.rows(dst, dstride, src, sstride, bytes, h);
  }

  /** An S x T window at `out` against golden tensor `id` of sample `input` at (r0, c0): 0 same, 1 changed, 2 NaN. */
  compare(out: number, id: number, dims: readonly number[], input: number, r0: number, c0: number, S: number, T: number): number {
    const [C, H, W] = dims;
    return this.kernels.compare(out, this.golden[id] + input * C * H * W * 4, C, W, r0, c0, S, T);
  }
}
