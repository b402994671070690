/**
 * Golden runs. The model is prepared once (batch-dynamic if it can be, tensor types inferred);
 * then, per target layer, the graph is split at the target tensor, the prefix runs once per input
 * to fill the boundary cache, and the suffix runs once per input on the unmodified cache: that
 * is the golden reference of the layer (DESIGN.md, "Golden means the same graph"). The plain
 * model runs once too, only to measure how far it is from each layer's golden reference.
 */
import { runtimeError, usageError } from '../errors.js';
import { noInputShape } from '../data/inputs.js';
import { encodeModel, GraphIndex, holdWeightsInMemory, splitAt, withSampleDims, type ExternalDataFile, type LoadedModel, type ModelProto, type TensorType, type ElemTypeName, elemTypeName } from '../onnx/index.js';
import { createSession, inferTensorTypes, prepareBatchDynamic, twoSamples, type HostTensor, type Session } from '../runtime/index.js';
import { argmax } from './outcome.js';
import type { BoundaryTensor, NumericArray } from './injector.js';
import type { Provider } from './settings.js';
import { campaignSessionOptions } from './session-options.js';
import { chooseEarlyExitCut, type EarlyExitCut, type EarlyExitMode } from './early-exit.js';
import { groups, runOverInputs, sharedLike } from './run-inputs.js';
import { sameBits } from '../util/bits.js';
import { samplesPerRun } from './run-size.js';
import { prepareWindowedLayer, type WindowMode } from './window/setup.js';
import type { WindowedSetup } from './window/executor.js';

export interface PreparedModel {
  loaded: LoadedModel;
  /**
   * The model the campaign splits: batch-dynamic where that was proven to work, its weights in
   * `externalData` (holdWeightsInMemory), not inside it.
   */
  base: ModelProto;
  /** The data files every session of the campaign takes: the model's own and the in-memory weights. */
  externalData: ExternalDataFile[];
  batchDynamic: boolean;
  batchNotes: string[];
  inputName: string;
  /** Per-sample dims of the model input. */
  inputSampleDims: number[];
  /**
   * How many samples the user's own model takes per run: its input's fixed dim 0, 1 when it
   * declares a free batch that does not work, or null when it takes any (how the plain model runs).
   */
  plainSamplesPerRun: number | null;
  /** The model output holding the class scores: its first output. */
  scoresName: string;
  types: Map<string, TensorType>;
}

export interface InputBatch {
  /** All samples, one after another. */
  data: Float32Array;
  count: number;
  sampleDims: number[];
}

/** The model input's per-sample shape, symbolic dims as -1 (what the data loader expects). */
export function expectedSampleShape(loaded: LoadedModel): { inputName: string; sampleShape: number[] } {
  const index = new GraphIndex(loaded.model);
  if (index.inputs.length !== 1) {
    throw usageError(`${loaded.path} takes ${index.inputs.length} inputs (${index.inputs.map((i) => i.name).join(', ')}); run-campaign supports models with one input tensor`);
  }
  const vi = index.inputs[0];
  const tt = vi.type?.value.case === 'tensorType' ? vi.type.value.value : undefined;
  if (tt !== undefined && tt.elemType !== 1) throw usageError(`${loaded.path}: input "${vi.name}" is ${elemTypeName(tt.elemType) ?? tt.elemType}; run-campaign needs a float32 input`);
  const dims = (tt?.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : -1));
  if (dims.length === 0) throw usageError(noInputShape(loaded.path, vi.name));
  return { inputName: vi.name, sampleShape: dims.slice(1) };
}

/**
 * Refuse a first output that is not float32: outcomes compare class scores as float32 bits
 * (an ArgMax's int64 class index, or float16 scores, would fail deep inside a run).
 * `elemType` undefined: not declared, checked again once ONNX Runtime has inferred it.
 */
export function checkScoresType(path: string, name: string, elemType: number | undefined): void {
  if (elemType === undefined || elemType === 1) return;
  throw usageError(`${path}: its first output "${name}" is ${elemTypeName(elemType) ?? `of ONNX type ${elemType}`}; run-campaign compares float32 class scores: export the model with the float32 scores (the logits, before any ArgMax or Cast) as its first output`);
}

/** The declared element type of the model's first output (undefined when not declared). */
export function declaredScoresType(loaded: LoadedModel): { name: string; elemType: number | undefined } | undefined {
  const out = new GraphIndex(loaded.model).outputs[0];
  if (out === undefined) return undefined;
  const elemType = out.type?.value.case === 'tensorType' ? out.type.value.value.elemType : undefined;
  return { name: out.name, elemType: elemType === 0 ? undefined : elemType };
}

function sampleCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function inputTensor(inputs: InputBatch, from: number, count: number): HostTensor {
  const per = sampleCount(inputs.sampleDims);
  return { type: 'float32', dims: [count, ...inputs.sampleDims], data: inputs.data.subarray(from * per, (from + count) * per) };
}

export async function prepareModel(loaded: LoadedModel, inputs: InputBatch): Promise<PreparedModel> {
  const { inputName } = expectedSampleShape(loaded);
  const index = new GraphIndex(loaded.model);
  const scoresName = index.outputs[0]?.name;
  if (scoresName === undefined) throw runtimeError(`${loaded.path} has no outputs`);
  const d0 = index.inputs[0].type?.value.case === 'tensorType' ? index.inputs[0].type.value.value.shape?.dim[0] : undefined;
  const plainFixedBatch = d0 !== undefined && d0.value.case === 'dimValue' ? Math.max(1, Number(d0.value.value)) : null;
  // Two samples prove (or disprove) that a batch gives the same bits as single runs.
  const two: HostTensor = { type: 'float32', dims: [2, ...inputs.sampleDims], data: twoSamples(inputs.data, inputs.count, sampleCount(inputs.sampleDims)) };
  // Weights once, shared: every model cut from `base` then only refers to them.
  const held = holdWeightsInMemory(loaded.model, loaded.externalData);
  const externalData = held.externalData;
  const prep = await prepareBatchDynamic(held.model, { [inputName]: two }, { externalData, label: loaded.path });
  // A model that declares a free batch but cannot take one (a batch hard-coded inside, which the
  // rewrite patched or could not) runs its plain copy one sample at a time.
  const plainBatch = plainFixedBatch ?? (prep.givenModelBatches ? null : 1);
  // Rows and columns exported as dynamic axes take the data's: every layer's shape is then known.
  const base = withSampleDims(prep.model, inputName, inputs.sampleDims);
  const baseIndex = new GraphIndex(base);
  const constants = baseIndex.constantNodes();
  const candidates: string[] = [];
  for (const n of baseIndex.nodes) if (!constants.has(n.index)) for (const o of n.outputs) if (o !== '') candidates.push(o);
  for (const i of baseIndex.inputs) candidates.push(i.name);
  const types = await inferTensorTypes(base, [...new Set(candidates)], { externalData });
  checkScoresType(loaded.path, scoresName, types.get(scoresName)?.elemType);
  return { loaded, base, externalData, batchDynamic: prep.batchDynamic, batchNotes: prep.notes, inputName, inputSampleDims: inputs.sampleDims, plainSamplesPerRun: plainBatch, scoresName, types };
}

export interface LayerGolden {
  /** Suffix model bytes; null when the target is the scores output itself. */
  suffix: Uint8Array | null;
  boundary: BoundaryTensor[];
  /** True when copies can be stacked along the batch axis. */
  batchDynamic: boolean;
  /**
   * Copies per suffix run, golden and faulty: the requested batch, fewer on the CPU where one
   * copy's largest tensor is large (run-size.ts); 1 when the suffix takes no batch.
   */
  batch: number;
  notes: string[];
  /** Golden scores (inputs × classes) and their top-1. */
  golden: Float32Array;
  goldenTop1: Int32Array;
  classes: number;
  /** Per-sample dims of the target tensor. */
  targetDims: number[];
  /** Range of the target tensor over all inputs (NaN ignored); null when all non-finite. */
  range: { min: number; max: number } | null;
  prefixMs: number;
  goldenMs: number;
  /** The suffix cut in two stages (early-exit.ts), or null when the layer runs the whole suffix. */
  earlyExit: EarlyExitStages | null;
  /** Why a cut that was found is not used (its stages' golden differs from the suffix's). */
  earlyExitRefused: string | null;
  /** Windowed runs (window/), or null with the reason in `windowRefused`. */
  windowed: WindowedSetup | null;
  windowRefused: string | null;
  /** Where windowed runs were refused for memory alone: the most inputs that would keep them on. */
  windowMaxInputs: number | null;
  windowMs: number;
  /** The data files the suffix, stage and segment models refer to (the weights; PreparedModel.externalData). */
  externalData: ExternalDataFile[];
  /**
   * The suffix's session where `keepSuffixSession` asked for it (null otherwise): the caller owns
   * it, and hands it to the layer's injector (LayerSetup.suffixSession) or releases it.
   */
  suffixSession: Session | null;
}

/**
 * The suffix as two stages: stage 1 takes some of the boundary tensors and gives the cut tensor
 * D (and whatever else stage 2 reads from it); stage 2 takes D and the other tensors and gives
 * the scores. The golden scores of such a layer are stage 2 run on stage 1's golden outputs.
 */
export interface EarlyExitStages extends EarlyExitCut {
  stage1: Uint8Array;
  /** Indices into the layer's boundary of stage 1's inputs. */
  stage1Inputs: number[];
  stage2: Uint8Array;
  /** Stage 2's inputs, D first, with their golden values for every input (fault-free). */
  stage2Boundary: BoundaryTensor[];
}

export interface LayerGoldenOptions {
  provider: Provider;
  /** Copies per suffix run: the golden run uses the same batch as the faulty runs. */
  batch: number;
  padBatches: boolean;
  /** Whether to cut the suffix in two stages where it pays (default 'off'). */
  earlyExit?: EarlyExitMode;
  /** Whether faults that touch a small part of the target run windowed (default 'off'). */
  window?: WindowMode;
  /**
   * Keep the suffix's session for an injector in this thread (LayerGolden.suffixSession) instead
   * of releasing it: making it again costs as much as the golden runs on a large model.
   */
  keepSuffixSession?: boolean;
  /** Most golden memory (bytes) a layer's windowed runs may hold (default WINDOW_GOLDEN_BUDGET; tests make it small). */
  windowGoldenBudget?: number;
}

/**
 * Cut the suffix of `target` at an early-exit tensor and compute the golden values through the
 * two stages; null when no cut pays or the stages cannot take a batch.
 */
async function earlyExitStages(
  pm: PreparedModel,
  target: string,
  suffix: ModelProto,
  boundary: readonly BoundaryTensor[],
  n: number,
  opts: LayerGoldenOptions,
): Promise<{ stages: EarlyExitStages; golden: Float32Array } | null> {
  const choice = chooseEarlyExitCut(pm.base, target, (t) => pm.types.get(t)?.elemType === 1);
  if (choice === null) return null;
  const split = splitAt(suffix, choice.cut, { tensorTypes: pm.types });
  if (!split.batchDynamic || split.unaffectedOutputs.length > 0 || !split.suffixOutputs.includes(pm.scoresName)) return null;
  const stage1Names = new GraphIndex(split.prefix).inputs.map((i) => i.name);
  const stage1Inputs = stage1Names.map((name) => boundary.findIndex((b) => b.name === name));
  if (stage1Inputs.some((i) => i < 0)) return null;
  const stage1Outputs = split.prefixOutputs;
  const stage1 = encodeModel(split.prefix);
  const stage2 = encodeModel(split.suffix);
  const batch = Math.max(opts.batch, 1);
  const sessions: (Session | null)[] = [null, null];
  try {
    sessions[0] = await createSession(stage1, campaignSessionOptions(opts.provider, pm.externalData, `stage 1 of ${target}`));
    const mid = await runOverInputs(sessions[0], stage1Inputs.map((i) => boundary[i]), stage1Outputs, n, batch, opts.padBatches);
    if (mid === null) return null;
    const stage2Boundary: BoundaryTensor[] = [];
    for (const name of split.boundary) {
      const m = mid.get(name);
      const b = m ? { name, type: m.type, sampleDims: m.sampleDims, batched: true, data: m.data } : boundary.find((x) => x.name === name);
      if (b === undefined || !b.batched) return null;
      stage2Boundary.push(b);
    }
    if (stage2Boundary[0].name !== choice.cut || !(stage2Boundary[0].data instanceof Float32Array)) return null;
    sessions[1] = await createSession(stage2, campaignSessionOptions(opts.provider, pm.externalData, `stage 2 of ${target}`));
    const scores = await runOverInputs(sessions[1], stage2Boundary, [pm.scoresName], n, batch, opts.padBatches);
    if (scores === null) return null;
    const golden = Float32Array.from(scores.get(pm.scoresName)!.data as Float32Array);
    return { stages: { ...choice, stage1, stage1Inputs, stage2, stage2Boundary }, golden };
  } finally {
    for (const s of sessions) await s?.release();
  }
}

/**
 * Split at `target`, run the prefix on every input, then the suffix on the cached boundary
 * tensors. All sessions are single-threaded, like the workers' sessions.
 */
export async function goldenForLayer(pm: PreparedModel, target: string, inputs: InputBatch, opts: LayerGoldenOptions): Promise<LayerGolden> {
  const t0 = performance.now();
  const split = splitAt(pm.base, target, { tensorTypes: pm.types });
  if (!split.suffixOutputs.includes(pm.scoresName)) {
    throw usageError(`layer output ${target} does not feed the model's first output ${pm.scoresName} (the class scores); pick another layer`);
  }
  const batched = pm.batchDynamic && split.batchDynamic;
  const notes = batched ? [] : [...(pm.batchDynamic ? [] : pm.batchNotes), ...split.batchNotes];
  const targetType = split.boundaryTypes[0];
  if (targetType.elemType !== 1) throw usageError(`layer output ${target} is ${elemTypeName(targetType.elemType) ?? targetType.elemType}; faults can only be written into float32 tensors`);
  const n = inputs.count;
  const session = { prefix: null as Session | null, suffix: null as Session | null };
  const fromPrefix = split.boundary.filter((b) => b !== pm.inputName);
  const cache: (NumericArray | null)[] = split.boundary.map(() => null);
  const sampleDims: number[][] = split.boundary.map(() => []);
  const isBatched: boolean[] = split.boundary.map(() => true);
  const types: ElemTypeName[] = split.boundary.map((_, k) => elemTypeName(split.boundaryTypes[k].elemType) ?? 'float32');
  // On the CPU, as many samples per run as keep the largest tensor in cache (run-size.ts).
  const runBatch = (part: ModelProto): number => (batched ? samplesPerRun(opts.batch, opts.provider, part, pm.types) : 1);
  const suffixBatch = runBatch(split.suffix);
  try {
    session.prefix = await createSession(encodeModel(split.prefix), campaignSessionOptions(opts.provider, pm.externalData, `prefix of ${target}`));
    for (const [from, count] of groups(n, runBatch(split.prefix))) {
      const out = await session.prefix.run({ [pm.inputName]: inputTensor(inputs, from, count) }, fromPrefix);
      split.boundary.forEach((name, k) => {
        const t: HostTensor = name === pm.inputName ? inputTensor(inputs, from, count) : out[name];
        if (t.data instanceof Array) throw usageError(`boundary tensor ${name} of ${target} holds strings; such models are not supported`);
        if (cache[k] === null) {
          const hasBatch = t.dims.length > 0 && t.dims[0] === count;
          isBatched[k] = hasBatch;
          sampleDims[k] = hasBatch ? t.dims.slice(1) : [...t.dims];
          cache[k] = sharedLike(t.data, n * sampleCount(sampleDims[k]));
        }
        const per = sampleCount(sampleDims[k]);
        if (t.data.length !== count * per) throw runtimeError(`boundary tensor ${name} of ${target} changes shape between inputs; such models are not supported`);
        (cache[k] as Float32Array).set(t.data as Float32Array, from * per);
      });
    }
  } finally {
    await session.prefix?.release();
  }
  if (isBatched.some((b) => !b) && batched) throw runtimeError(`internal: boundary of ${target} lost its batch axis`);
  const boundary: BoundaryTensor[] = split.boundary.map((name, k) => ({ name, type: types[k], sampleDims: sampleDims[k], batched: isBatched[k], data: cache[k]! }));
  const t1 = performance.now();

  const cut = boundary[0].data as Float32Array;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < cut.length; i++) {
    const v = cut[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const identity = split.suffix.graph!.node.length === 0;
  const suffix = identity ? null : encodeModel(split.suffix);
  let golden: Float32Array;
  let classes: number;
  if (suffix === null) {
    classes = sampleCount(boundary[0].sampleDims);
    golden = Float32Array.from(cut);
  } else {
    const batch = suffixBatch;
    try {
      session.suffix = await createSession(suffix, campaignSessionOptions(opts.provider, pm.externalData, `suffix of ${target}`));
      golden = new Float32Array(0);
      classes = 0;
      for (const [from, count] of groups(n, batch)) {
        const runCount = opts.padBatches ? batch : count;
        const feeds: Record<string, HostTensor> = {};
        for (const b of boundary) {
          const per = sampleCount(b.sampleDims);
          const Ctor = b.data.constructor as new (n: number) => NumericArray;
          const data = new Ctor(runCount * per);
          for (let c = 0; c < runCount; c++) (data as Float32Array).set((b.data as Float32Array).subarray((from + Math.min(c, count - 1)) * per, (from + Math.min(c, count - 1) + 1) * per), c * per);
          feeds[b.name] = { type: b.type, dims: b.batched ? [runCount, ...b.sampleDims] : b.sampleDims, data };
        }
        const out = (await session.suffix.run(feeds, [pm.scoresName]))[pm.scoresName];
        const scores = out.data as Float32Array;
        if (classes === 0) {
          classes = scores.length / runCount;
          golden = new Float32Array(n * classes);
        }
        golden.set(scores.subarray(0, count * classes), from * classes);
      }
    } catch (err) {
      await session.suffix?.release();
      throw err;
    }
    if (opts.keepSuffixSession !== true) {
      await session.suffix.release();
      session.suffix = null;
    }
  }
  // A kept session is the caller's only once this returns.
  try {
    // Early exit only where the two stages give the very bits the whole suffix gives on every
    // input: ONNX Runtime may fuse differently across the cut, and results must not depend on
    // --early-exit.
    let earlyExitRefused: string | null = null;
    let early = suffix !== null && batched && opts.earlyExit === 'auto' ? await earlyExitStages(pm, target, split.suffix, boundary, n, { ...opts, batch: suffixBatch }) : null;
    if (early !== null && !sameBits(early.golden, golden)) {
      earlyExitRefused = `early exit at ${early.stages.cut} not used: the two stages' golden scores differ in the last bits from the whole suffix's`;
      early = null;
    }
    const goldenTop1 = new Int32Array(n);
    for (let x = 0; x < n; x++) goldenTop1[x] = argmax(golden, x * classes, classes);
    const t2 = performance.now();
    let windowed: WindowedSetup | null = null;
    let windowRefused: string | null = null;
    let windowMaxInputs: number | null = null;
    if (opts.window === 'auto' || opts.window === 'on') {
      if (suffix === null) windowRefused = 'the target is the scores output';
      else if (!batched) windowRefused = 'the suffix cannot take a batch';
      else {
        const w = await prepareWindowedLayer({
          suffix: split.suffix,
          target,
          boundary,
          scoresName: pm.scoresName,
          types: pm.types,
          inputs: n,
          provider: opts.provider,
          batch: suffixBatch,
          externalData: pm.externalData,
          goldenTop1,
          mode: opts.window,
          goldenBudget: opts.windowGoldenBudget,
        });
        if ('setup' in w) windowed = w.setup;
        else {
          windowRefused = w.refused;
          windowMaxInputs = w.maxInputs ?? null;
        }
      }
    }
    const t3 = performance.now();
    return {
      suffix,
      boundary,
      batchDynamic: batched,
      batch: suffixBatch,
      notes,
      golden,
      goldenTop1,
      classes,
      targetDims: boundary[0].sampleDims,
      range: min <= max ? { min, max } : null,
      prefixMs: t1 - t0,
      goldenMs: t2 - t1,
      earlyExit: early?.stages ?? null,
      earlyExitRefused,
      windowed,
      windowRefused,
      windowMaxInputs,
      windowMs: t3 - t2,
      externalData: pm.externalData,
      suffixSession: session.suffix,
    };
  } catch (err) {
    await session.suffix?.release();
    throw err;
  }
}


/** Scores of the plain (unsplit, unmodified) model for every input. */
export async function plainScores(pm: PreparedModel, inputs: InputBatch, provider: Provider, batch: number): Promise<Float32Array> {
  const s = await createSession(pm.loaded, campaignSessionOptions(provider, pm.loaded.externalData, pm.loaded.path));
  try {
    let scores = new Float32Array(0);
    let classes = 0;
    // A model fixed to a batch of k runs k samples at a time, the last group filled up with
    // copies of its last sample (whose scores are dropped).
    const fixed = pm.plainSamplesPerRun;
    const per = sampleCount(inputs.sampleDims);
    for (const [from, count] of groups(inputs.count, fixed ?? samplesPerRun(batch, provider, pm.base, pm.types))) {
      let feed = inputTensor(inputs, from, count);
      if (fixed !== null && count < fixed) {
        const data = new Float32Array(fixed * per);
        data.set(feed.data as Float32Array);
        for (let k = count; k < fixed; k++) data.copyWithin(k * per, (count - 1) * per, count * per);
        feed = { type: 'float32', dims: [fixed, ...inputs.sampleDims], data };
      }
      const out = (await s.run({ [pm.inputName]: feed }, [pm.scoresName]))[pm.scoresName];
      const data = out.data as Float32Array;
      const rows = fixed ?? count;
      if (classes === 0) {
        classes = data.length / rows;
        scores = new Float32Array(inputs.count * classes);
      }
      scores.set(data.subarray(0, count * classes), from * classes);
    }
    return scores;
  } finally {
    await s.release();
  }
}

/** Largest |GPU − CPU| score difference on the plain model that passes without a warning. */
export const GPU_CPU_WARN_DIFF = 1e-3;

/** The plain model on the CPU against the same model on a GPU provider, over the campaign's inputs. */
export async function compareProviderWithCpu(
  pm: PreparedModel,
  inputs: InputBatch,
  gpuScores: Float32Array,
  provider: string,
  batch: number,
): Promise<{ provider: string; maxAbsDiff: number; top1Changes: number }> {
  const cpu = await plainScores(pm, inputs, 'cpu', batch);
  const classes = gpuScores.length / inputs.count;
  const gpuTop1 = new Int32Array(inputs.count);
  for (let x = 0; x < inputs.count; x++) gpuTop1[x] = argmax(gpuScores, x * classes, classes);
  return { provider, ...compareWithPlain(gpuScores, gpuTop1, cpu, classes) };
}

/** How far the plain model's scores are from a layer's golden scores. */
export function compareWithPlain(golden: Float32Array, goldenTop1: Int32Array, plain: Float32Array, classes: number): { maxAbsDiff: number; top1Changes: number } {
  let maxAbsDiff = 0;
  let top1Changes = 0;
  if (plain.length !== golden.length) return { maxAbsDiff: NaN, top1Changes: goldenTop1.length };
  for (let i = 0; i < golden.length; i++) {
    const d = Math.abs(golden[i] - plain[i]);
    if (Number.isNaN(d)) {
      maxAbsDiff = NaN;
      break;
    }
    if (d > maxAbsDiff) maxAbsDiff = d;
  }
  for (let x = 0; x < goldenTop1.length; x++) if (argmax(plain, x * classes, classes) !== goldenTop1[x]) top1Changes++;
  return { maxAbsDiff, top1Changes };
}
