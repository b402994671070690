/**
 * Getting a layer ready for windowed runs: plan (plan.ts), golden values of every tensor the plan
 * touches (each node's one-node model run over whole tensors: windowed runs compare with these,
 * not with the whole suffix, which ONNX Runtime fuses differently), golden scores through the
 * tail, and the checks that make its results trustworthy:
 *   1. every node computed on crops (corners, a small window) gives the values it gives on the
 *      whole tensor, bit for bit;
 *   2. a few synthetic faults (a point in the middle, a point in a corner, a block in the other
 *      corner, a whole row) give, bit for bit, the scores that computing every node over whole
 *      tensors gives;
 *   3. the golden top-1 of windowed runs is the layer's golden top-1.
 * A layer that fails any of them runs every fault through the whole suffix, with the reason in
 * the manifest.
 */
import type { ExternalDataFile, ModelProto, TensorType } from '../../onnx/index.js';
import type { BoundaryTensor } from '../injector.js';
import { argmax } from '../outcome.js';
import { sharedLike } from '../run-inputs.js';
import { sameBits } from '../../util/bits.js';
import type { Provider } from '../settings.js';
import { HANDED_BACK, hasNaN, WindowedExecutor, type WindowCopy, type WindowedSetup } from './executor.js';
import { planWindows, windowedRunPays } from './plan.js';

/** auto: faults run windowed where the cost model says it pays; on: wherever the plan allows; off: never. */
export type WindowMode = 'auto' | 'on' | 'off';
export const WINDOW_MODES: readonly WindowMode[] = ['auto', 'on', 'off'];

/** Most golden memory (bytes) a layer's windowed runs may hold, all inputs together. */
export const WINDOW_GOLDEN_BUDGET = 1 << 30;

export interface WindowedLayerRequest {
  suffix: ModelProto;
  target: string;
  boundary: readonly BoundaryTensor[];
  scoresName: string;
  types: ReadonlyMap<string, TensorType>;
  inputs: number;
  provider: Provider;
  batch: number;
  externalData: readonly ExternalDataFile[] | undefined;
  /** The layer's golden top-1 (from the whole suffix). */
  goldenTop1: Int32Array;
  /** 'on': every fault runs windowed, whatever the cost model says. */
  mode: Exclude<WindowMode, 'off'>;
  /** Most golden memory (bytes) the layer may hold (WINDOW_GOLDEN_BUDGET; smaller in tests). */
  goldenBudget?: number;
}

/**
 * `maxInputs`, with a refusal for memory only: the most inputs for which the layer's golden
 * tensors would fit (so that the runner can say how many would keep windowed runs on).
 */
export type WindowedLayer = { setup: WindowedSetup } | { refused: string; maxInputs?: number };


/** [N, C, H, W] values as [N, H, W, C], in shared memory. */
function channelsLast(data: Float32Array, dims: readonly number[], n: number): Float32Array {
  const [C, H, W] = dims;
  const out = sharedLike(data, data.length) as Float32Array;
  for (let x = 0; x < n; x++) {
    const base = x * C * H * W;
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[base + p * C + c] = data[base + c * H * W + p];
  }
  return out;
}

/** Synthetic faults for check 2, on input x: positions in the target ([C, H, W] order) and values that differ from golden. */
function probeFaults(dims: readonly number[], golden: Float32Array, x: number): WindowCopy[] {
  const [C, H, W] = dims;
  const at = x * C * H * W;
  const make = (positions: number[]): WindowCopy => ({
    input: x,
    indices: Uint32Array.from(positions),
    values: Float32Array.from(positions, (p) => golden[at + p] * 2 + 1.5),
  });
  const pos = (c: number, r: number, q: number): number => (c * H + r) * W + q;
  const block: number[] = [];
  for (let c = 0; c < C; c++) for (let r = Math.max(0, H - 3); r < H; r++) for (let q = Math.max(0, W - 3); q < W; q++) block.push(pos(c, r, q));
  const row = Array.from({ length: W }, (_, q) => pos(Math.min(1, C - 1), Math.floor(H / 2), q));
  return [make([pos(0, Math.floor(H / 2), Math.floor(W / 2))]), make([pos(C - 1, 0, 0)]), make(block), make(row)];
}

/**
 * Scores of each copy, `per` copies a run (every node over whole tensors with `whole`): its own
 * row, the golden row where it died out, or null where it was handed back (a NaN appeared).
 */
async function probeScores(executor: WindowedExecutor, setup: WindowedSetup, copies: readonly WindowCopy[], whole: boolean, per: number): Promise<(Float32Array | null)[]> {
  const C = setup.classes;
  const scores: (Float32Array | null)[] = [];
  for (let from = 0; from < copies.length; from += per) {
    const part = copies.slice(from, from + per);
    const r = await executor.run(part, whole);
    part.forEach((cp, k) => {
      const row = r.row[k];
      if (row === HANDED_BACK) scores.push(null);
      else if (row < 0) scores.push(setup.scores.subarray(cp.input * C, (cp.input + 1) * C));
      else scores.push(r.scores.subarray(row * C, (row + 1) * C));
    });
  }
  return scores;
}

export async function prepareWindowedLayer(req: WindowedLayerRequest): Promise<WindowedLayer> {
  const planned = planWindows(req.suffix, req.target, req.boundary.map((b) => b.name), req.scoresName, req.types, req.externalData ?? []);
  if ('refused' in planned) return planned;
  const { plan } = planned;
  if (req.mode === 'auto' && !windowedRunPays(plan, 1, 1)) return { refused: 'even a one-position fault runs faster through the whole suffix' };
  const n = req.inputs;
  // Fixed, not sized to the machine: whether a fault runs windowed shows in its last bits
  // (docs/campaign.md), and reports must not depend on the machine.
  const budget = req.goldenBudget ?? WINDOW_GOLDEN_BUDGET;
  const perInput = plan.tensors.reduce((a, t) => a + 4 * t.sampleDims.reduce((x, y) => x * y, 1), 0);
  if (perInput * n > budget) {
    return { refused: `its golden tensors would take ${Math.round((perInput * n) / 2 ** 20)} MiB for ${n} inputs, over the ${Math.round(budget / 2 ** 20)} MiB allowed`, maxInputs: Math.floor(budget / perInput) };
  }
  for (const t of plan.tensors) {
    if (t.windowed) continue;
    const b = req.boundary.find((x) => x.name === t.name);
    if (b === undefined || !b.batched || !(b.data instanceof Float32Array)) return { refused: `golden tensor ${t.name} is not a float32 tensor with a batch axis` };
  }
  if (!req.boundary[0].batched) return { refused: 'the target has no batch axis' };

  let executor: WindowedExecutor | null = null;
  try {
    const golden = plan.tensors.map((t, id) => {
      if (id > 0 && t.windowed) return sharedLike(new Float32Array(0), n * t.sampleDims.reduce((a, b) => a * b, 1)) as Float32Array;
      const data = req.boundary.find((b) => b.name === t.name)!.data as Float32Array;
      return t.sampleDims.length === 3 ? channelsLast(data, t.sampleDims, n) : data;
    });
    const setup: WindowedSetup = { plan, golden, scores: new Float32Array(0), classes: 0, always: req.mode === 'on' };
    executor = await WindowedExecutor.create(setup, req.provider, req.externalData, req.target);
    const batch = Math.max(1, req.batch);
    await executor.fillGolden(n, batch);
    // Where a NaN falls in a crop changes what a MaxPool makes of it (executor.ts, HANDED_BACK).
    if (golden.some((g) => hasNaN(g, 0, g.length))) return { refused: 'a golden tensor after the target holds NaN' };
    // The checks below run the way the layer's faults will: with the copy kernels where they fit.
    executor.useKernels();
    setup.scores = await executor.goldenScores(n, batch);
    setup.classes = setup.scores.length / n;
    const classes = setup.classes;
    for (let x = 0; x < n; x++) {
      if (argmax(setup.scores, x * classes, classes) !== req.goldenTop1[x]) return { refused: `windowed golden top-1 differs from the layer's on input ${x}` };
    }
    const nodeCheck = await executor.checkNodes(0);
    if (nodeCheck !== null) return { refused: nodeCheck };
    // Check 2: synthetic faults, windowed against every node computed on whole tensors.
    const probes = [0, Math.min(1, n - 1)].flatMap((x) => probeFaults(plan.tensors[0].sampleDims, req.boundary[0].data as Float32Array, x));
    // Whole tensors of every node for every probe: as many probes per run as the layer's runs
    // stack (run-size.ts), not all at once.
    const windowed = await probeScores(executor, setup, probes, false, batch);
    const reference = await probeScores(executor, setup, probes, true, batch);
    for (let k = 0; k < probes.length; k++) {
      const a = windowed[k];
      const b = reference[k];
      if (a === null || b === null) {
        if (a !== b) return { refused: `a test fault was handed back windowed but not on whole tensors, or the other way (probe ${k})` };
        continue;
      }
      if (!sameBits(a, b)) return { refused: `a test fault gave other scores windowed than on whole tensors (probe ${k})` };
    }
    return { setup };
  } finally {
    await executor?.release();
  }
}
