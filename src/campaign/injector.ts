/**
 * The core of a faulty run, used inside each worker thread: for one target layer it holds the
 * suffix session and the cached golden boundary tensors, and turns a chunk of faults into
 * outcomes for every input.
 *
 * A faulty copy of input x under fault f is the golden cut tensor of x with f's values written
 * at f's indices (replace, as CLASSES does), plus x's other boundary tensors unchanged. Copies
 * are stacked along the batch axis, up to `batch` per suffix run; a copy whose written values
 * equal the golden ones bit for bit is masked without running.
 */
import { createSession, type HostTensor, type Session, type TensorArray } from '../runtime/index.js';
import type { ElemTypeName } from '../onnx/index.js';
import { classify, OUTCOME_CODE, type ClassifyOptions } from './outcome.js';
import type { Provider } from './settings.js';
import { campaignSessionOptions } from './session-options.js';
import type { ExternalDataFile } from '../onnx/index.js';
import type { EarlyExitStages } from './golden.js';
import { DIED_OUT, HANDED_BACK, hasNaN, WindowedExecutor, type WindowCopy, type WindowedSetup } from './window/executor.js';
import { windowedWorkPays, windowWork } from './window/plan.js';
import { cacheBoundBatch } from './run-size.js';
import { spanOfIndices, spanSize } from './window/geometry.js';

export type NumericArray = Exclude<TensorArray, string[]>;

/** A boundary tensor of the suffix, for every input, one after another. */
export interface BoundaryTensor {
  name: string;
  type: ElemTypeName;
  /** Dims of one sample (without the batch, when `batched`). */
  sampleDims: number[];
  /**
   * False for a tensor without a batch axis (e.g. a shape computed before the cut): it is fed
   * with its own dims, which only a suffix run one copy at a time allows.
   */
  batched: boolean;
  /** All inputs' samples (inputs × elements per sample); may live in a SharedArrayBuffer. */
  data: NumericArray;
}

export interface LayerSetup {
  layerId: number;
  /** The suffix model; null when the cut tensor is the scores output itself (nothing to run). */
  suffix: Uint8Array | null;
  /** Suffix inputs, the cut tensor first (float32). */
  boundary: BoundaryTensor[];
  /** The suffix output holding the class scores. */
  scoresName: string;
  /** Scores per sample. */
  classes: number;
  inputs: number;
  /** Golden scores of the same suffix, inputs × classes. */
  golden: Float32Array;
  goldenTop1: Int32Array;
  /** Most copies per suffix run (1 when the suffix cannot take a batch). */
  batch: number;
  /** Fill every run up to `batch` copies (so a provider whose bits depend on the batch size sees one size). */
  padBatches: boolean;
  classify: ClassifyOptions;
  provider: Provider;
  /**
   * The data files the suffix and segment models refer to (LayerGolden.externalData: the weights
   * held in memory, and the model's own external data files); undefined when there are none.
   */
  externalData: ExternalDataFile[] | undefined;
  /**
   * The suffix cut in two stages (early-exit.ts): copies whose cut tensor comes out of stage 1
   * bit-identical to golden stop there; `golden` then comes from these very stages.
   */
  earlyExit?: EarlyExitStages | null;
  /**
   * Windowed runs (window/): faults whose changed positions span a small part of the target
   * run windowed, compared with `windowed.scores`; the others run the suffix.
   */
  windowed?: WindowedSetup | null;
  /**
   * The suffix's session, made by the golden run in this very thread (LayerGolden.suffixSession),
   * so that the injector need not make it again; the injector then owns it. Only for an injector
   * in the thread that made it (the in-process pool, benchmarks): a worker makes its own, and
   * WorkerPool refuses a set-up that carries one.
   */
  suffixSession?: Session | null;
}

/**
 * Windowed copies per run, at most. Independent of --batch: a windowed run is many small crops,
 * where 64 measured faster than 32, 128 or 256 on the residual fixture (cache-sized batches);
 * fewer where one copy's windows are large (run-size.ts).
 */
export const WINDOW_BATCH = 64;

/** How the faults of one span run: windowed or not, and how many windowed copies per run. */
interface SpanWay {
  windowed: boolean;
  copiesPerRun: number;
}

/** The power of two at or above n: spans grouped for windowed runs. */
function bucket(n: number): number {
  let b = 1;
  while (b < n) b *= 2;
  return b;
}

/**
 * Copies share a windowed run with copies of about the same span (the window fits the largest):
 * rows and columns rounded up to a power of two. W is the target's width.
 */
export function spanGroupKey(rows: number, cols: number, W: number): number {
  return bucket(rows) * (W + 1) + bucket(cols);
}

/** The faults of one chunk, packed in flat arrays (cheap to send between threads). */
export interface PackedFaults {
  count: number;
  /** offsets[i]..offsets[i+1] delimit fault i's positions in `indices` and `values`. */
  offsets: Uint32Array;
  indices: Uint32Array;
  values: Float32Array;
}

/** Outcomes of a chunk, in (fault, input) order. */
export interface ChunkResult {
  outcome: Uint8Array;
  faultyTop1: Int32Array;
  maxAbsDiff: Float64Array;
  /** Copies actually run through the suffix. */
  ran: number;
  /** Copies masked without running (values equal to golden). */
  skipped: number;
  /** Copies stopped after stage 1 of an early-exit layer (cut tensor equal to golden). */
  stoppedEarly: number;
  /** Copies run windowed, and how many of them died out before the tail. */
  windowed: number;
  diedOut: number;
  /** Suffix runs. */
  runs: number;
  suffixMs: number;
  buildMs: number;
  classifyMs: number;
}

export function packFaults(faults: readonly { indices: Uint32Array; values: Float32Array }[]): PackedFaults {
  const offsets = new Uint32Array(faults.length + 1);
  let total = 0;
  faults.forEach((f, i) => {
    offsets[i] = total;
    total += f.indices.length;
  });
  offsets[faults.length] = total;
  const indices = new Uint32Array(total);
  const values = new Float32Array(total);
  faults.forEach((f, i) => {
    indices.set(f.indices, offsets[i]);
    values.set(f.values, offsets[i]);
  });
  return { count: faults.length, offsets, indices, values };
}

function sampleSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function newArrayLike(a: NumericArray, n: number): NumericArray {
  const Ctor = a.constructor as new (n: number) => NumericArray;
  return new Ctor(n);
}

/** The two stages of an early-exit layer, ready to run. */
interface Staged {
  stages: EarlyExitStages;
  stage1: Session;
  stage2: Session;
  /** Which boundary tensors stage 1 reads. */
  feedsStage1: boolean[];
  /** Reused stage-2 batch buffers, one per stage-2 input. */
  buffers2: NumericArray[];
  /**
   * Per input, the verdict of a run whose scores are the golden ones bit for bit: what a copy
   * stopped after stage 1 gets (the full suffix would give exactly the golden scores).
   */
  identical: { outcome: number; faultyTop1: number; maxAbsDiff: number }[];
  /**
   * Measured cost per copy of each way to run (stages, whole suffix): the first batches try
   * both, then the cheaper one runs. Stopping early pays only when enough copies stop and
   * stage 1 is cheap outside the whole graph (ONNX Runtime runs a lone BatchNormalization far
   * slower than inside the suffix, where it joins the NCHWc kernels). Both give the same bits.
   */
  cost: { stagedMs: number; stagedCopies: number; stagedRuns: number; fullMs: number; fullCopies: number; fullRuns: number };
}

/** Batches each way is tried before the cheaper one is kept. */
const TRIAL_RUNS = 3;

function preferStages(c: Staged['cost']): boolean {
  if (c.stagedRuns < TRIAL_RUNS) return true;
  if (c.fullRuns < TRIAL_RUNS) return false;
  return c.stagedMs / c.stagedCopies <= c.fullMs / c.fullCopies;
}

export class LayerInjector {
  private constructor(
    readonly setup: LayerSetup,
    private readonly session: Session | null,
    /** Reused batch buffers, one per boundary tensor, sized for `batch` copies. */
    private readonly buffers: NumericArray[],
    private readonly staged: Staged | null,
    private readonly windowed: WindowedExecutor | null,
  ) {
    this.slotInput = buffers.map(() => new Int32Array(setup.batch).fill(-1));
    this.slotFaults = new Array<PackedFaults | null>(setup.batch).fill(null);
    this.slotFault = new Int32Array(setup.batch);
  }

  /**
   * What each batch slot of each buffer holds from the last run: the input whose golden values it
   * holds (-1 for none), and for the target's buffer the fault written over them (fault slotFault[c]
   * of the chunk slotFaults[c], kept apart so that recording them allocates nothing). A slot that gets
   * the same input again only has that fault's positions put back: consecutive runs of a chunk
   * put the same inputs in the same slots (faults x inputs), and copying a whole golden tensor
   * per copy took about 3 % of a resnet-small campaign.
   */
  private readonly slotInput: Int32Array[];
  private readonly slotFaults: (PackedFaults | null)[];
  private readonly slotFault: Int32Array;

  static async create(setup: LayerSetup): Promise<LayerInjector> {
    try {
      return await LayerInjector.make(setup);
    } catch (err) {
      // A handed session is ours from the start: released on failure too.
      await setup.suffixSession?.release();
      throw err;
    }
  }

  private static async make(setup: LayerSetup): Promise<LayerInjector> {
    // Its sessions live in the thread's cache (executor.ts): nothing to release if what follows fails.
    const windowed = setup.windowed ? await WindowedExecutor.create(setup.windowed, setup.provider, setup.externalData, `layer ${setup.layerId}`) : null;
    windowed?.useKernels();
    const suffixSession = (): Promise<Session> => (setup.suffixSession ? Promise.resolve(setup.suffixSession) : createSession(setup.suffix!, campaignSessionOptions(setup.provider, setup.externalData, `suffix of layer ${setup.layerId}`)));
    const buffers = setup.boundary.map((b) => newArrayLike(b.data, sampleSize(b.sampleDims) * setup.batch));
    const e = setup.earlyExit ?? null;
    if (e !== null) {
      const stage1 = await createSession(e.stage1, campaignSessionOptions(setup.provider, setup.externalData, `stage 1 of layer ${setup.layerId}`));
      const stage2 = await createSession(e.stage2, campaignSessionOptions(setup.provider, setup.externalData, `stage 2 of layer ${setup.layerId}`)).catch(async (err: unknown) => {
        await stage1.release();
        throw err;
      });
      const C = setup.classes;
      const identical = Array.from({ length: setup.inputs }, (_, x) => {
        const v = classify(setup.golden, x * C, setup.goldenTop1[x], setup.golden, x * C, C, setup.classify);
        return { outcome: OUTCOME_CODE[v.outcome], faultyTop1: v.faultyTop1, maxAbsDiff: v.maxAbsDiff };
      });
      const feedsStage1 = setup.boundary.map((_, i) => e.stage1Inputs.includes(i));
      const buffers2 = e.stage2Boundary.map((b) => newArrayLike(b.data, sampleSize(b.sampleDims) * setup.batch));
      const full = await suffixSession().catch(async (err: unknown) => {
        await stage1.release();
        await stage2.release();
        throw err;
      });
      const cost = { stagedMs: 0, stagedCopies: 0, stagedRuns: 0, fullMs: 0, fullCopies: 0, fullRuns: 0 };
      return new LayerInjector(setup, full, buffers, { stages: e, stage1, stage2, feedsStage1, buffers2, identical, cost }, windowed);
    }
    const session = setup.suffix === null ? null : await suffixSession();
    return new LayerInjector(setup, session, buffers, null, windowed);
  }

  async release(): Promise<void> {
    await this.session?.release();
    await this.staged?.stage1.release();
    await this.staged?.stage2.release();
    await this.windowed?.release();
  }

  /**
   * Rows x columns that fault i of the chunk spans in the target, as one number, whether a fault
   * of that span runs windowed, and how many such copies one windowed run may stack; null when
   * the layer has no windowed runs.
   */
  private windowSpan(f: PackedFaults, i: number, memo: Map<number, SpanWay>): ({ key: number } & SpanWay) | null {
    const w = this.setup.windowed;
    if (!w || this.windowed === null) return null;
    // A NaN's fate in a MaxPool or Relu depends on where it falls in a crop: whole suffix only.
    if (hasNaN(f.values, f.offsets[i], f.offsets[i + 1] - f.offsets[i])) return null;
    const [, H, W] = w.plan.tensors[0].sampleDims;
    const span = spanOfIndices(f.indices, f.offsets[i], f.offsets[i + 1], H, W);
    const rows = spanSize(span.rows);
    const cols = spanSize(span.cols);
    const key = rows * (W + 1) + cols;
    let way = memo.get(key);
    if (way === undefined) {
      const work = windowWork(w.plan, rows, cols);
      // Windows are float32; a run holds about its largest node's crops and window per copy.
      way = { windowed: w.always || windowedWorkPays(work), copiesPerRun: cacheBoundBatch(WINDOW_BATCH, 4 * work.largestElements) };
      memo.set(key, way);
    }
    return { key: spanGroupKey(rows, cols, W), ...way };
  }

  /** Outcomes of every fault of the chunk on every input. */
  async runChunk(f: PackedFaults): Promise<ChunkResult> {
    const s = this.setup;
    const n = s.inputs;
    const total = f.count * n;
    const res: ChunkResult = {
      outcome: new Uint8Array(total),
      faultyTop1: new Int32Array(total),
      maxAbsDiff: new Float64Array(total),
      ran: 0,
      skipped: 0,
      stoppedEarly: 0,
      windowed: 0,
      diedOut: 0,
      runs: 0,
      suffixMs: 0,
      buildMs: 0,
      classifyMs: 0,
    };
    const cut = s.boundary[0];
    const cutSize = sampleSize(cut.sampleDims);
    const cutData = cut.data as Float32Array;
    const cutBits = new Uint32Array(cutData.buffer, cutData.byteOffset, cutData.length);
    const valueBits = new Uint32Array(f.values.buffer, f.values.byteOffset, f.values.length);

    // Pending copies: result slot, fault, input.
    const pendingSlot: number[] = [];
    const pendingFault: number[] = [];
    const pendingInput: number[] = [];
    const flush = async (): Promise<void> => {
      if (pendingSlot.length > 0) await this.runBatch(f, pendingSlot, pendingFault, pendingInput, res);
      pendingSlot.length = 0;
      pendingFault.length = 0;
      pendingInput.length = 0;
    };

    // Windowed copies wait in groups by the rows x columns their fault spans (similar windows
    // stack well); results do not depend on how copies are grouped.
    const windowGroups = new Map<number, { slots: number[]; copiesPerRun: number }>();
    const memo = new Map<number, SpanWay>();
    const flushWindowed = async (key: number): Promise<void> => {
      const slots = windowGroups.get(key)?.slots;
      if (slots === undefined || slots.length === 0) return;
      windowGroups.delete(key);
      // Copies handed back (a NaN appeared in a window) run the whole suffix.
      for (const slot of await this.runWindowed(f, slots, res)) {
        const i = Math.floor(slot / n);
        pendingSlot.push(slot);
        pendingFault.push(i);
        pendingInput.push(slot - i * n);
        if (pendingSlot.length === s.batch) await flush();
      }
    };

    for (let i = 0; i < f.count; i++) {
      const lo = f.offsets[i];
      const hi = f.offsets[i + 1];
      const span = hi > lo ? this.windowSpan(f, i, memo) : null;
      for (let x = 0; x < n; x++) {
        const slot = i * n + x;
        let changes = false;
        const base = x * cutSize;
        for (let k = lo; k < hi; k++) {
          if (cutBits[base + f.indices[k]] !== valueBits[k]) {
            changes = true;
            break;
          }
        }
        if (!changes) {
          res.outcome[slot] = OUTCOME_CODE.masked;
          res.faultyTop1[slot] = s.goldenTop1[x];
          res.maxAbsDiff[slot] = 0;
          res.skipped++;
          continue;
        }
        if (span?.windowed) {
          let group = windowGroups.get(span.key);
          if (group === undefined) windowGroups.set(span.key, (group = { slots: [], copiesPerRun: span.copiesPerRun }));
          group.slots.push(slot);
          group.copiesPerRun = Math.min(group.copiesPerRun, span.copiesPerRun);
          if (group.slots.length >= group.copiesPerRun) await flushWindowed(span.key);
          continue;
        }
        pendingSlot.push(slot);
        pendingFault.push(i);
        pendingInput.push(x);
        if (pendingSlot.length === s.batch) await flush();
      }
    }
    for (const key of [...windowGroups.keys()].sort((a, b) => a - b)) await flushWindowed(key);
    await flush();
    return res;
  }

  /** Windowed runs of copies (slots are fault * inputs + input); returns the slots handed back. */
  private async runWindowed(f: PackedFaults, slots: readonly number[], res: ChunkResult): Promise<number[]> {
    const s = this.setup;
    const w = s.windowed!;
    const n = s.inputs;
    const copies: WindowCopy[] = slots.map((slot) => {
      const i = Math.floor(slot / n);
      return { input: slot - i * n, indices: f.indices.subarray(f.offsets[i], f.offsets[i + 1]), values: f.values.subarray(f.offsets[i], f.offsets[i + 1]) };
    });
    const r = await this.windowed!.run(copies);
    const t0 = performance.now();
    const handedBack: number[] = [];
    copies.forEach((c, k) => {
      const row = r.row[k];
      if (row === HANDED_BACK) handedBack.push(slots[k]);
      else if (row === DIED_OUT) {
        // Died out: the scores are the golden ones of windowed runs.
        this.record(res, slots[k], c.input, w.scores, c.input, w.scores);
        res.diedOut++;
      } else this.record(res, slots[k], c.input, r.scores, row, w.scores);
    });
    res.classifyMs += performance.now() - t0;
    res.windowed += copies.length - handedBack.length;
    res.ran += copies.length - handedBack.length;
    res.runs += s.windowed!.plan.nodes.length;
    res.suffixMs += r.nodeMs + r.tailMs;
    res.buildMs += r.buildMs;
    return handedBack;
  }

  /** Classifies score row `row` of a run against the golden scores of input `x` into `slot`. */
  private record(res: ChunkResult, slot: number, x: number, scores: Float32Array, row: number, golden: Float32Array = this.setup.golden): void {
    const s = this.setup;
    const C = s.classes;
    const v = classify(golden, x * C, s.goldenTop1[x], scores, row * C, C, s.classify);
    res.outcome[slot] = OUTCOME_CODE[v.outcome];
    res.faultyTop1[slot] = v.faultyTop1;
    res.maxAbsDiff[slot] = v.maxAbsDiff;
  }

  private async runBatch(f: PackedFaults, slots: number[], faults: number[], inputs: number[], res: ChunkResult): Promise<void> {
    const s = this.setup;
    const copies = slots.length;
    const runCopies = s.padBatches ? s.batch : copies;
    const t0 = performance.now();
    const feeds: Record<string, HostTensor> = {};
    const staged = this.staged !== null && preferStages(this.staged.cost) ? this.staged : null;
    s.boundary.forEach((b, bi) => {
      if (staged !== null && !staged.feedsStage1[bi]) return;
      const per = sampleSize(b.sampleDims);
      const buf = this.buffers[bi];
      const held = this.slotInput[bi];
      for (let c = 0; c < runCopies; c++) {
        const x = inputs[Math.min(c, copies - 1)];
        if (held[c] === x) {
          // Golden already there but for the last fault's positions: put those back.
          const last = bi === 0 ? this.slotFaults[c] : null;
          if (last !== null) {
            const gold = b.data as Float32Array;
            const cut = buf as Float32Array;
            const at = c * per;
            const from = x * per;
            const i = this.slotFault[c];
            for (let k = last.offsets[i]; k < last.offsets[i + 1]; k++) cut[at + last.indices[k]] = gold[from + last.indices[k]];
          }
        } else {
          (buf as Float32Array).set((b.data as Float32Array).subarray(x * per, (x + 1) * per), c * per);
          held[c] = x;
        }
      }
      if (bi === 0) {
        const cut = buf as Float32Array;
        for (let c = 0; c < runCopies; c++) {
          const fi = faults[Math.min(c, copies - 1)];
          const base = c * per;
          for (let k = f.offsets[fi]; k < f.offsets[fi + 1]; k++) cut[base + f.indices[k]] = f.values[k];
          this.slotFaults[c] = f;
          this.slotFault[c] = fi;
        }
      }
      const data = runCopies === s.batch ? buf : (buf.subarray(0, runCopies * per) as NumericArray);
      feeds[b.name] = { type: b.type, dims: b.batched ? [runCopies, ...b.sampleDims] : b.sampleDims, data };
    });
    const t1 = performance.now();
    res.buildMs += t1 - t0;
    if (staged !== null) {
      await this.runStaged(staged, feeds, slots, inputs, res);
      const c = staged.cost;
      c.stagedMs += performance.now() - t0;
      c.stagedCopies += copies;
      c.stagedRuns++;
      return;
    }
    let scores: Float32Array;
    if (this.session === null) {
      scores = feeds[s.boundary[0].name].data as Float32Array;
    } else {
      const out = await this.session.run(feeds, [s.scoresName]);
      scores = out[s.scoresName].data as Float32Array;
    }
    const t2 = performance.now();
    for (let c = 0; c < copies; c++) this.record(res, slots[c], inputs[c], scores, c);
    const t3 = performance.now();
    if (this.staged !== null) {
      const c = this.staged.cost;
      c.fullMs += t3 - t0;
      c.fullCopies += copies;
      c.fullRuns++;
    }
    res.ran += copies;
    res.runs++;
    res.suffixMs += t2 - t1;
    res.classifyMs += t3 - t2;
  }

  /**
   * Stage 1 on every copy; copies whose cut tensor equals golden bit for bit (NaN included:
   * bits, not values, are compared) stop there; the others are stacked again for stage 2.
   */
  private async runStaged(st: Staged, feeds1: Record<string, HostTensor>, slots: number[], inputs: number[], res: ChunkResult): Promise<void> {
    const s = this.setup;
    const e = st.stages;
    const copies = slots.length;
    const t0 = performance.now();
    const d = (await st.stage1.run(feeds1, [e.cut]))[e.cut].data as Float32Array;
    const t1 = performance.now();
    const gold = e.stage2Boundary[0].data as Float32Array;
    const per = sampleSize(e.stage2Boundary[0].sampleDims);
    const dBits = new Uint32Array(d.buffer, d.byteOffset, d.length);
    const goldBits = new Uint32Array(gold.buffer, gold.byteOffset, gold.length);
    const survivors: number[] = [];
    for (let c = 0; c < copies; c++) {
      const a = c * per;
      const b = inputs[c] * per;
      let same = true;
      for (let k = 0; k < per; k++) {
        if (dBits[a + k] !== goldBits[b + k]) {
          same = false;
          break;
        }
      }
      if (same) {
        const v = st.identical[inputs[c]];
        const slot = slots[c];
        res.outcome[slot] = v.outcome;
        res.faultyTop1[slot] = v.faultyTop1;
        res.maxAbsDiff[slot] = v.maxAbsDiff;
        res.stoppedEarly++;
      } else survivors.push(c);
    }
    res.ran += copies;
    res.runs++;
    const t2 = performance.now();
    res.classifyMs += t2 - t1;
    res.suffixMs += t1 - t0;
    if (survivors.length === 0) return;
    const left = survivors.length;
    const runCopies = s.padBatches ? s.batch : left;
    const feeds2: Record<string, HostTensor> = {};
    e.stage2Boundary.forEach((b, bi) => {
      const per2 = sampleSize(b.sampleDims);
      const buf = st.buffers2[bi];
      for (let c = 0; c < runCopies; c++) {
        const src = survivors[Math.min(c, left - 1)];
        const row = bi === 0 ? d.subarray(src * per2, (src + 1) * per2) : (b.data as Float32Array).subarray(inputs[src] * per2, (inputs[src] + 1) * per2);
        (buf as Float32Array).set(row, c * per2);
      }
      const data = runCopies === s.batch ? buf : (buf.subarray(0, runCopies * per2) as NumericArray);
      feeds2[b.name] = { type: b.type, dims: [runCopies, ...b.sampleDims], data };
    });
    const t3 = performance.now();
    const scores = (await st.stage2.run(feeds2, [s.scoresName]))[s.scoresName].data as Float32Array;
    const t4 = performance.now();
    for (let i = 0; i < left; i++) this.record(res, slots[survivors[i]], inputs[survivors[i]], scores, i);
    const t5 = performance.now();
    res.buildMs += t3 - t2;
    res.suffixMs += t4 - t3;
    res.classifyMs += t5 - t4;
  }
}
