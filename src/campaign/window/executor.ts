/**
 * Runs faulty copies through a window plan (plan.ts): segment by segment, only the windows a fault
 * can reach, many copies stacked along the batch axis per segment run, then the tail on whole
 * tensors. A copy whose every changed window has come out equal to golden (bit for bit, but for
 * the sign of zeros), or is read by no later segment, has died out: its scores would be the
 * golden ones, so it stops there. A copy in whose windows a NaN appears is handed back.
 */
import { createHash } from 'node:crypto';
import { createSession, type HostTensor, type Session } from '../../runtime/index.js';
import type { ExternalDataFile } from '../../onnx/index.js';
import type { Provider } from '../settings.js';
import { campaignSessionOptions } from '../session-options.js';
import { inputSpan, overlap, placeWindow, reachedOutputs, spanOfIndices, spanSize, unionSpan, type Span } from './geometry.js';
import { nhwcName, type WindowNode, type WindowPlan } from './plan.js';
import { WindowMemory } from './window-memory.js';

export interface WindowedSetup {
  plan: WindowPlan;
  /**
   * Golden values of every plan tensor, inputs × sample size (shared between threads); [C, H, W]
   * tensors channels-last (plan.ts, nhwcName).
   */
  golden: Float32Array[];
  /** Golden scores of windowed runs (the tail on golden tensors), inputs × classes. */
  scores: Float32Array;
  classes: number;
  /** Every fault runs windowed (--window on), not only those the cost model picks. */
  always: boolean;
}

/** A faulty copy: an input and the positions and values the fault writes into the target. */
export interface WindowCopy {
  input: number;
  indices: Uint32Array;
  values: Float32Array;
}

/** A copy's row when it died out: its scores are the golden ones. */
export const DIED_OUT = -1;
/**
 * A copy's row when a NaN appeared in one of its windows: the copy must run the whole suffix
 * instead. ONNX Runtime's MaxPool (and the vector and scalar paths of max-based activations)
 * keep or drop a NaN depending on where it falls in the crop, so a NaN would make windowed
 * results depend on how windows were placed (onnxruntime-notes.md, "NaN and Inf").
 */
export const HANDED_BACK = -2;

export interface WindowRunResult {
  /** Scores of the copies that reached the tail, one row each. */
  scores: Float32Array;
  /** Per copy, its row in `scores`, or DIED_OUT, or HANDED_BACK. */
  row: Int32Array;
  nodeMs: number;
  buildMs: number;
  tailMs: number;
}

/**
 * A rectangle of a [C, H, W] tensor and its values, channels-last: h × w × C, in `data`, or at byte
 * offset `off` of the executor's WindowMemory when it has one (then `data` is null).
 */
export interface Win {
  r0: number;
  c0: number;
  h: number;
  w: number;
  data: Float32Array | null;
  off: number;
}

/**
 * Sessions of segment and tail models, shared by every layer of a campaign in this thread: the
 * segments after a layer are mostly the segments after the layer before it, and creating an ONNX
 * Runtime session costs milliseconds. Freed by releaseWindowSessions() when the campaign ends.
 */
const sessionCache = new Map<string, Promise<Session>>();

function cachedSession(model: Uint8Array, provider: Provider, externalData: readonly ExternalDataFile[] | undefined, label: string): Promise<Session> {
  const key = `${provider}:${externalData?.map((f) => f.path).join(',') ?? ''}:${createHash('sha256').update(model).digest('hex')}`;
  let s = sessionCache.get(key);
  if (s === undefined) {
    s = createSession(model, campaignSessionOptions(provider, externalData, label));
    sessionCache.set(key, s);
    s.catch(() => sessionCache.delete(key));
  }
  return s;
}

export async function releaseWindowSessions(): Promise<void> {
  const all = [...sessionCache.values()];
  sessionCache.clear();
  for (const s of all) await (await s.catch(() => null))?.release();
}

function sampleSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Below this many floats a loop copies faster than subarray() + set(). */
const SHORT_RUN = 40;

/** Copy n floats from src at s to dst at d. */
function copyRun(dst: Float32Array, d: number, src: Float32Array, s: number, n: number): void {
  if (n < SHORT_RUN) for (let k = 0; k < n; k++) dst[d + k] = src[s + k];
  else dst.set(src.subarray(s, s + n), d);
}

/**
 * Write the crop rows r0..r0+h-1, columns c0..c0+w-1 of one sample (golden, with `win` written
 * over it) into dst at `at`, channels-last like the golden tensor; positions outside the tensor
 * read as `fill`. dims is [C, H, W].
 */
export function fillCrop(dst: Float32Array, at: number, dims: readonly number[], golden: Float32Array, goldenAt: number, win: Win | null, r0: number, c0: number, h: number, w: number, fill: number): void {
  const C = dims[0];
  const H = dims[1];
  const W = dims[2];
  const rowLen = w * C;
  if (c0 === 0 && w === W && r0 >= 0 && r0 + h <= H) {
    // Whole rows are one block.
    dst.set(golden.subarray(goldenAt + r0 * W * C, goldenAt + (r0 + h) * W * C), at);
  } else {
    // Columns of the crop that lie inside the tensor.
    const jLo = Math.min(w, Math.max(0, -c0));
    const jHi = Math.max(jLo, Math.min(w, W - c0));
    for (let i = 0; i < h; i++) {
      const base = at + i * rowLen;
      const r = r0 + i;
      if (r < 0 || r >= H) {
        dst.fill(fill, base, base + rowLen);
        continue;
      }
      if (jLo > 0) dst.fill(fill, base, base + jLo * C);
      copyRun(dst, base + jLo * C, golden, goldenAt + (r * W + c0 + jLo) * C, (jHi - jLo) * C);
      if (jHi < w) dst.fill(fill, base + jHi * C, base + rowLen);
    }
  }
  if (win === null) return;
  const o = overlap({ r0, c0, h, w }, win);
  if (o === null) return;
  const { rLo, rHi, cLo, cHi } = o;
  const data = win.data!;
  for (let r = rLo; r < rHi; r++) {
    copyRun(dst, at + ((r - r0) * w + (cLo - c0)) * C, data, ((r - win.r0) * win.w + (cLo - win.c0)) * C, (cHi - cLo) * C);
  }
}

/** True when data[at..at+n) holds a NaN. */
export function hasNaN(data: Float32Array, at: number, n: number): boolean {
  for (let i = at; i < at + n; i++) if (data[i] !== data[i]) return true;
  return false;
}

/** What a computed window holds, against the golden values (compareWindow). */
const SAME = 0;
const CHANGED = 1;
const HAS_NAN = 2;

/**
 * Compare a computed h x w x C window (`values` from `at`, `bits` the same memory as integers)
 * with the golden values at rows r0.., columns c0..: HAS_NAN when it holds a NaN, else SAME when
 * it equals golden bit for bit, except that +0 and -0 count as equal (max-based kernels such as
 * Relu and MaxPool give one or the other depending on where a zero falls in a crop, and a zero's
 * sign changes no sum or product that is not itself zero), else CHANGED. Golden tensors hold no
 * NaN (setup.ts refuses them), so positions equal to golden need no NaN test, and after the
 * first real difference only the NaN test remains (a float compared with itself, cheaper than
 * reading golden).
 */
export function compareWindow(values: Float32Array, bits: Uint32Array, at: number, dims: readonly number[], golden: Uint32Array, goldenAt: number, r0: number, c0: number, h: number, w: number): number {
  const C = dims[0];
  const W = dims[2];
  const n = w * C;
  const end = at + h * n;
  let o = at;
  for (let i = 0; i < h; i++) {
    const row = goldenAt + ((r0 + i) * W + c0) * C;
    for (let j = 0; j < n; j++, o++) {
      const a = bits[o];
      const b = golden[row + j];
      if (a === b) continue;
      if ((a & 0x7fffffff) > 0x7f800000) return HAS_NAN;
      if (((a | b) & 0x7fffffff) !== 0) return hasNaN(values, o + 1, end - o - 1) ? HAS_NAN : CHANGED;
    }
  }
  return SAME;
}

/** Where a crop goes: a JavaScript buffer, or a byte offset in the executor's WindowMemory. */
interface CropTarget {
  buf: Float32Array | null;
  off: number;
}

export class WindowedExecutor {
  private readonly goldenBits: Uint32Array[];
  /** The WebAssembly kernels and their memory (window-memory.ts), once useKernels() found room. */
  private mem: WindowMemory | null = null;
  /** Feed buffers, reused from run to run (every element is written before each run). */
  private readonly buffers = new Map<string, Float32Array>();

  private buffer(key: string, size: number): Float32Array {
    let b = this.buffers.get(key);
    if (b === undefined || b.length < size) {
      b = new Float32Array(size);
      this.buffers.set(key, b);
    }
    return b.length === size ? b : b.subarray(0, size);
  }

  private constructor(
    readonly setup: WindowedSetup,
    private readonly nodeSessions: Session[],
    private readonly tailSession: Session,
  ) {
    this.goldenBits = setup.golden.map((g) => new Uint32Array(g.buffer, g.byteOffset, g.length));
  }

  static async create(setup: WindowedSetup, provider: Provider, externalData: readonly ExternalDataFile[] | undefined, label: string): Promise<WindowedExecutor> {
    const sessions: Session[] = [];
    for (const n of setup.plan.nodes) sessions.push(await cachedSession(n.model, provider, externalData, `windowed ${n.name} of ${label}`));
    const tail = await cachedSession(setup.plan.tail, provider, externalData, `tail of ${label}`);
    return new WindowedExecutor(setup, sessions, tail);
  }

  /**
   * Build crops and compare windows with the WebAssembly kernels from now on, where the golden
   * tensors (complete by now) fit KERNEL_GOLDEN_BUDGET; else stay with JavaScript. The results are
   * the same either way. Returns whether the kernels are in use.
   */
  useKernels(): boolean {
    this.mem ??= WindowMemory.create(this.setup.golden);
    return this.mem !== null;
  }

  /** Sessions stay in the thread's cache (releaseWindowSessions frees them); the kernels' memory goes to the next executor. */
  async release(): Promise<void> {
    this.mem?.release();
    this.mem = null;
  }

  /**
   * Write the crop of tensor `id` (sample `input`, golden with `win` over it) at float `at` of
   * `to`; see fillCrop.
   */
  private crop(to: CropTarget, at: number, id: number, dims: readonly number[], input: number, win: Win | null, r0: number, c0: number, h: number, w: number, fill: number): void {
    const mem = this.mem;
    if (mem === null) {
      fillCrop(to.buf!, at, dims, this.setup.golden[id], input * sampleSize(dims), win, r0, c0, h, w, fill);
      return;
    }
    mem.crop(to.off + at * 4, id, dims, input, win, r0, c0, h, w, fill);
  }

  /** A feed buffer of `size` floats for slot `key`, as a crop target (views made later, by feedData). */
  private target(key: string, size: number): CropTarget {
    return this.mem === null ? { buf: this.buffer(key, size), off: 0 } : { buf: null, off: this.mem.slot(key, size * 4) };
  }

  private feedData(to: CropTarget, size: number): Float32Array {
    return this.mem === null ? to.buf! : this.mem.floats(to.off, size);
  }

  /**
   * Check every node's crops on input x: the whole output, a position at each corner and a small
   * window inside, computed from golden crops, must give the golden values bit for bit. Returns
   * what differed, or null.
   */
  async checkNodes(x: number): Promise<string | null> {
    const { plan } = this.setup;
    for (let j = 0; j < plan.nodes.length; j++) {
      const node = plan.nodes[j];
      const outDims = plan.tensors[node.output].sampleDims;
      const [, OH, OW] = outDims;
      // Whole map, each corner, and windows of several sizes inside and at the edges (kernels
      // take other paths on narrow rows and at borders).
      const windows: [number, number, number, number][] = [
        [0, 0, OH, OW],
        [0, 0, 1, 1],
        [0, OW - 1, 1, 1],
        [OH - 1, 0, 1, 1],
        [OH - 1, OW - 1, 1, 1],
        [Math.floor(OH / 3), Math.floor(OW / 3), Math.min(2, OH), Math.min(3, OW)],
        [1, 2, Math.min(3, OH), Math.min(3, OW)],
        [Math.floor(OH / 2), 0, Math.min(4, OH), Math.min(5, OW)],
        [0, Math.floor(OW / 2), Math.min(7, OH), Math.min(6, OW)],
        [OH, OW, Math.min(9, OH), Math.min(9, OW)],
      ];
      for (const [or0, oc0, S0, T0] of windows) {
        const S = Math.max(S0, Math.min(node.minWindow, OH));
        const T = Math.max(T0, Math.min(node.minWindow, OW));
        const r0c = Math.max(0, Math.min(or0, OH - S));
        const c0c = Math.max(0, Math.min(oc0, OW - T));
        const feeds = this.cropFeeds(node, [x], [[r0c, c0c]], S, T, null);
        const outName = nhwcName(plan.tensors[node.output].name);
        const out = (await this.nodeSessions[j].run(feeds, [outName]))[outName].data as Float32Array;
        const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
        if (bits.length !== outDims[0] * S * T || compareWindow(out, bits, 0, outDims, this.goldenBits[node.output], x * sampleSize(outDims), r0c, c0c, S, T) !== SAME) {
          return `${node.opType} node ${node.name} computed on a ${S}x${T} crop at (${r0c}, ${c0c}) differs from the whole tensor's values`;
        }
      }
    }
    return null;
  }

  /**
   * Golden values of every windowed tensor, for inputs 0..n-1, `batch` at a time: the one-node
   * models run over whole tensors, in order. With the crops checked against them (checkNodes),
   * these models are the graph windowed runs compute, on whole tensors or on windows alike.
   */
  async fillGolden(n: number, batch: number): Promise<void> {
    const { plan, golden } = this.setup;
    for (let j = 0; j < plan.nodes.length; j++) {
      const node = plan.nodes[j];
      const outDims = plan.tensors[node.output].sampleDims;
      const outName = nhwcName(plan.tensors[node.output].name);
      const outSize = sampleSize(outDims);
      for (let from = 0; from < n; from += batch) {
        const count = Math.min(batch, n - from);
        const feeds = this.cropFeeds(node, Array.from({ length: count }, (_, b) => from + b), Array.from({ length: count }, () => [0, 0]), outDims[1], outDims[2], null);
        const out = (await this.nodeSessions[j].run(feeds, [outName]))[outName].data as Float32Array;
        golden[node.output].set(out.subarray(0, count * outSize), from * outSize);
      }
    }
  }

  /** The tail on golden tensors: the golden scores of windowed runs, inputs × classes. */
  async goldenScores(n: number, batch: number): Promise<Float32Array> {
    const parts: Float32Array[] = [];
    for (let from = 0; from < n; from += batch) {
      const count = Math.min(batch, n - from);
      parts.push(await this.tail(Array.from({ length: count }, (_, b) => from + b), Array.from({ length: count }, () => null)));
    }
    const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  }

  /**
   * Feeds of one node run: for copy b, the crop of each input that the output window at
   * origin[b] (S x T) reads, from input inputs[b]'s golden values with the copy's windows over them.
   */
  private cropFeeds(node: WindowNode, inputs: readonly number[], origin: readonly number[][], S: number, T: number, wins: ((Win | null)[] | null)[] | null): Record<string, HostTensor> {
    const { plan } = this.setup;
    const B = inputs.length;
    // One buffer per input slot, shared by every node (they run one after another): a buffer
    // per node touched fresh memory at each node's first run, on whole maps in the golden fill
    // and the set-up's checks (a DenseNet's first layer: 2.4 s of set-up before, 2.0 s after,
    // where a page fault costs 13 us). Every slot is sized before any is filled: sizing may grow
    // the kernels' memory, which detaches the views of the feeds.
    const slots = node.inputs.map((id, f) => {
      const dims = plan.tensors[id].sampleDims;
      const rows = f === 0 ? node.rows : null;
      const cols = f === 0 ? node.cols : null;
      const ih = rows !== null ? spanSize(inputSpan({ lo: 0, hi: S - 1 }, rows)) : S;
      const iw = cols !== null ? spanSize(inputSpan({ lo: 0, hi: T - 1 }, cols)) : T;
      const per = dims[0] * ih * iw;
      return { id, dims, rows, cols, ih, iw, per, to: this.target(`input:${f}`, B * per) };
    });
    const feeds: Record<string, HostTensor> = {};
    for (const { id, dims, rows, cols, ih, iw, per, to } of slots) {
      for (let b = 0; b < B; b++) {
        const [or0, oc0] = origin[b];
        const r0 = rows !== null ? inputSpan({ lo: or0, hi: or0 }, rows).lo : or0;
        const c0 = cols !== null ? inputSpan({ lo: oc0, hi: oc0 }, cols).lo : oc0;
        this.crop(to, b * per, id, dims, inputs[b], wins?.[b]?.[id] ?? null, r0, c0, ih, iw, node.fill);
      }
      feeds[nhwcName(plan.tensors[id].name)] = { type: 'float32', dims: [B, ih, iw, dims[0]], data: this.feedData(to, B * per) };
    }
    return feeds;
  }

  /** The tail on whole tensors for inputs[b], golden with wins[b] written in; scores, one row each. */
  private async tail(inputs: readonly number[], wins: readonly ((Win | null)[] | null)[]): Promise<Float32Array> {
    // Never one copy alone: ONNX Runtime drops a batch axis of 1 in a ReduceMean (tailModel in
    // plan.ts) and then sums in another order, so one copy would not get the bits it gets in a
    // batch. From 2 copies on, every row is the same whatever the batch (measured up to 64).
    if (inputs.length === 1) {
      const two = await this.tail([inputs[0], inputs[0]], [wins[0], wins[0]]);
      return two.subarray(0, two.length / 2);
    }
    const { plan, golden } = this.setup;
    const B = inputs.length;
    const feeds: Record<string, HostTensor> = {};
    const slots = plan.tailInputs.map((id) => {
      const per = sampleSize(plan.tensors[id].sampleDims);
      return { id, per, to: this.target(`tail:${id}`, B * per) };
    });
    const mem = this.mem;
    for (const { id, per, to } of slots) {
      const t = plan.tensors[id];
      const d = t.sampleDims;
      for (let b = 0; b < B; b++) {
        const x = inputs[b];
        const win = wins[b]?.[id] ?? null;
        if (win !== null) this.crop(to, b * per, id, d, x, win, 0, 0, d[1], d[2], 0);
        else if (mem !== null) mem.rows(to.off + b * per * 4, 0, mem.sample(id, x, per), 0, per * 4, 1);
        else to.buf!.set(golden[id].subarray(x * per, (x + 1) * per), b * per);
      }
      const data = this.feedData(to, B * per);
      if (d.length === 3) feeds[nhwcName(t.name)] = { type: 'float32', dims: [B, d[1], d[2], d[0]], data };
      else feeds[t.name] = { type: 'float32', dims: [B, ...d], data };
    }
    const scoresName = this.tailSession.outputNames[0];
    return (await this.tailSession.run(feeds, [scoresName]))[scoresName].data as Float32Array;
  }

  /**
   * Run faulty copies. With `whole`, every node computes its whole output instead of a window
   * (the reference the windows are checked against).
   */
  async run(copies: readonly WindowCopy[], whole = false): Promise<WindowRunResult> {
    this.mem?.beginRun();
    try {
      return await this.runCopies(copies, whole);
    } finally {
      this.mem?.endRun();
    }
  }

  private async runCopies(copies: readonly WindowCopy[], whole: boolean): Promise<WindowRunResult> {
    const { plan } = this.setup;
    const mem = this.mem;
    const res: WindowRunResult = { scores: new Float32Array(0), row: new Int32Array(copies.length).fill(DIED_OUT), nodeMs: 0, buildMs: 0, tailMs: 0 };
    const t0 = performance.now();
    const wins: (Win | null)[][] = copies.map(() => plan.tensors.map(() => null));
    const target = plan.tensors[0].sampleDims;
    const [, TH, TW] = target;
    copies.forEach((cp, k) => {
      if (hasNaN(cp.values, 0, cp.values.length)) throw new Error('internal: a fault with a NaN value reached a windowed run');
      const span = spanOfIndices(cp.indices, 0, cp.indices.length, TH, TW);
      const rLo = span.rows.lo;
      const cLo = span.cols.lo;
      const h = spanSize(span.rows);
      const w = spanSize(span.cols);
      const size = target[0] * h * w;
      const to: CropTarget = mem === null ? { buf: new Float32Array(size), off: -1 } : { buf: null, off: mem.alloc(size * 4) };
      this.crop(to, 0, 0, target, cp.input, null, rLo, cLo, h, w, 0);
      const data = to.buf ?? mem!.floats(to.off, size);
      for (let i = 0; i < cp.indices.length; i++) {
        const ch = Math.floor(cp.indices[i] / (TH * TW));
        const p = cp.indices[i] % (TH * TW);
        const r = Math.floor(p / TW);
        const c = p - r * TW;
        data[((r - rLo) * w + c - cLo) * target[0] + ch] = cp.values[i];
      }
      wins[k][0] = { r0: rLo, c0: cLo, h, w, data: to.buf, off: to.off };
    });
    const alive = copies.map(() => true);
    res.buildMs += performance.now() - t0;

    for (let j = 0; j < plan.nodes.length; j++) {
      const node = plan.nodes[j];
      const tb = performance.now();
      const outDims = plan.tensors[node.output].sampleDims;
      const [, OH, OW] = outDims;
      // Which copies this node sees, and the output rectangle each needs.
      const members: number[] = [];
      const need: [Span, Span][] = [];
      for (let k = 0; k < copies.length; k++) {
        if (!alive[k]) continue;
        let rows: Span | null = null;
        let cols: Span | null = null;
        for (let f = 0; f < node.inputs.length; f++) {
          const win = wins[k][node.inputs[f]];
          if (win === null) continue;
          const r = { lo: win.r0, hi: win.r0 + win.h - 1 };
          const c = { lo: win.c0, hi: win.c0 + win.w - 1 };
          if (f === 0 && node.rows !== null && node.cols !== null) {
            const ro = reachedOutputs(r, node.rows, OH);
            const co = reachedOutputs(c, node.cols, OW);
            if (ro === null || co === null) continue;
            rows = unionSpan(rows, ro);
            cols = unionSpan(cols, co);
          } else {
            rows = unionSpan(rows, r);
            cols = unionSpan(cols, c);
          }
        }
        if (rows === null || cols === null) continue;
        members.push(k);
        need.push(whole ? [{ lo: 0, hi: OH - 1 }, { lo: 0, hi: OW - 1 }] : [rows, cols]);
      }
      if (members.length > 0) {
        let S = Math.min(node.minWindow, OH);
        let T = Math.min(node.minWindow, OW);
        for (const [r, c] of need) {
          S = Math.max(S, spanSize(r));
          T = Math.max(T, spanSize(c));
        }
        const origin = need.map(([r, c]) => [placeWindow(r, S, OH), placeWindow(c, T, OW)]);
        const feeds = this.cropFeeds(node, members.map((k) => copies[k].input), origin, S, T, members.map((k) => wins[k]));
        const outName = nhwcName(plan.tensors[node.output].name);
        const tr = performance.now();
        res.buildMs += tr - tb;
        const out = (await this.nodeSessions[j].run(feeds, [outName]))[outName].data as Float32Array;
        const tc = performance.now();
        res.nodeMs += tc - tr;
        const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
        const per = outDims[0] * S * T;
        const outSize = sampleSize(outDims);
        // With the kernels, the windows live in their memory from here on.
        let outOff = -1;
        if (mem !== null) {
          outOff = mem.alloc(out.length * 4);
          mem.floats(outOff, out.length).set(out);
        }
        members.forEach((k, b) => {
          const [or0, oc0] = origin[b];
          const verdict =
            mem !== null
              ? mem.compare(outOff + b * per * 4, node.output, outDims, copies[k].input, or0, oc0, S, T)
              : compareWindow(out, outBits, b * per, outDims, this.goldenBits[node.output], copies[k].input * outSize, or0, oc0, S, T);
          if (verdict === HAS_NAN) {
            alive[k] = false;
            res.row[k] = HANDED_BACK;
            return;
          }
          if (verdict === SAME) return;
          wins[k][node.output] = mem !== null ? { r0: or0, c0: oc0, h: S, w: T, data: null, off: outOff + b * per * 4 } : { r0: or0, c0: oc0, h: S, w: T, data: out.subarray(b * per, (b + 1) * per), off: -1 };
        });
        res.buildMs += performance.now() - tc;
      }
      // Windows nothing reads any more no longer matter; a copy without any has died out.
      for (let k = 0; k < copies.length; k++) {
        if (!alive[k]) continue;
        let any = false;
        const w = wins[k];
        for (let id = 0; id < w.length; id++) {
          if (w[id] === null) continue;
          if (plan.lastUse[id] <= j) w[id] = null;
          else any = true;
        }
        if (!any) alive[k] = false;
      }
    }

    // The tail on whole tensors: golden, with each survivor's windows written in.
    const tb = performance.now();
    const survivors: number[] = [];
    for (let k = 0; k < copies.length; k++) if (alive[k]) survivors.push(k);
    if (survivors.length === 0) {
      res.buildMs += performance.now() - tb;
      return res;
    }
    const tr = performance.now();
    res.buildMs += tr - tb;
    res.scores = await this.tail(survivors.map((k) => copies[k].input), survivors.map((k) => wins[k]));
    res.tailMs += performance.now() - tr;
    survivors.forEach((k, b) => (res.row[k] = b));
    return res;
  }
}
