/**
 * The campaign runner: layers × faults × inputs, reports in (layer, fault, input) order.
 *
 * 1. Resolve everything cheap first (model, data, targets, fault source, plan) so that bad input
 *    fails before any output is touched.
 * 2. Open the result store (fresh, or resume from its checkpoint).
 * 3. For each target layer with work left: split the graph at the target, fill the boundary
 *    cache and compute the layer's golden reference (golden.ts), hand the layer to the workers,
 *    then its chunks of faults; results are appended in plan order whatever worker finishes first.
 * 4. Write summary.csv and manifest.json, then move injections.csv into place.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { isGpuProvider } from '../runtime/providers.js';
import { runtimeError, usageError } from '../errors.js';
import { VERSION } from '../version.js';
import { sha256Hex } from '../util/hash.js';
import { channelsLastNotice, channelsLastTensors, loadModel, GraphIndex, modelSha256, type LoadedModel } from '../onnx/index.js';
import { loadInputs } from '../data/index.js';
import type { AppliedImagePreprocessing } from '../data/images.js';
import { loadErrorModelDir, type ErrorModel } from '../error-models/index.js';
import { MAX_FAULTS_PER_LAYER, openFaultList } from '../faults/faultlist.js';
import type { Fault } from '../faults/types.js';
import { onnxRuntimeVersion } from '../runtime/ort-version.js';
import { assertProviderAvailable } from '../runtime/index.js';
import { injectionRowsCsv, injectionsHeaderCsv, isMismatch, type InjectionRow } from '../report/injections.js';
import { countsFromSummary, summaryCsv, type OutcomeCounts } from '../report/summary.js';
import { parseCsv } from '../report/csv-read.js';
import { emptyBreakdown, manifestJson, roundBreakdown, type LayerFacts, type Manifest, type TimingBreakdown } from '../report/manifest.js';
import { FINAL_FILES, MANIFEST_FILE, ResultStore, SUMMARY_FILE, checkOutputFolder } from './checkpoint.js';
import { GeneratedFaults, StoredFaults, checkFaultFits, type LayerFaultSource } from './fault-source.js';
import { acquireOutputLock } from './out-lock.js';
import { checkScoresType, compareProviderWithCpu, compareWithPlain, declaredScoresType, expectedSampleShape, GPU_CPU_WARN_DIFF, goldenForLayer, plainScores, prepareModel, type InputBatch, type LayerGolden, type PreparedModel } from './golden.js';
import { packFaults, type ChunkResult, type LayerSetup } from './injector.js';
import { releaseWindowSessions } from './window/executor.js';
import { makeChunks, shardUnitCount, unitsPerChunkFor, type Chunk, type Plan } from './plan.js';
import { WorkerPool } from './pool.js';
import { InProcessPool, type InjectionPool } from './pool-inprocess.js';
import { leveugleSampleSize, smallestMargin } from './sample-size.js';
import { DEFAULTS, type CampaignSettings } from './settings.js';
import { GPU_AUTO_BATCH, gpuLayerBatch } from './run-size.js';
import { CAMPAIGN_OPTIMIZATION } from './session-options.js';
import { resolveTargets, type Target } from './targets.js';
import { checkListShape, labelsOutsideClasses, rangesDiffer, scoresShapeNotices } from './input-checks.js';
import { toShape3 } from '../faults/shape3.js';

export interface RunnerHooks {
  notice?(message: string): void;
  warning?(message: string): void;
  /** Called once the plan is known: total (fault, input) runs of this shard, and those done before. */
  progressStart?(total: number, done: number): void;
  progress?(done: number): void;
  progressStop?(): void;
}

export interface CampaignResult {
  out: string;
  manifest: Manifest;
  /** True when this run continued an interrupted one. */
  resumed: boolean;
  /** True when the output folder already held this campaign's finished reports: nothing ran. */
  alreadyDone: boolean;
  /** Reports that were written. */
  files: string[];
  counts: OutcomeCounts;
}

/** Everything decided before any output is touched. */
export interface CampaignSetup {
  settings: CampaignSettings;
  loaded: LoadedModel;
  targets: Target[];
  plan: Plan;
  inputs: InputBatch;
  labels: Int32Array | null;
  inputSource: string;
  /** Image inputs: each input's file (relative to --data when inside it) and the class folders. */
  inputFiles?: string[];
  classNames?: string[];
  /** Image inputs: the preprocessing applied (recorded in the manifest). */
  inputImage?: AppliedImagePreprocessing;
  models: Map<string, ErrorModel> | null;
  faultListPath: string | null;
  hashes: Manifest['hashes'];
  planKey: string;
  /** Most golden memory a layer's windowed runs may hold (default WINDOW_GOLDEN_BUDGET); tests make it small. */
  windowGoldenBudget?: number;
}

const COMMIT_INTERVAL_MS = 500;

/** Load and check everything the campaign needs; no output is written. */
export function planCampaign(settings: CampaignSettings, hooks: RunnerHooks = {}): CampaignSetup {
  const notice = hooks.notice ?? (() => {});
  const loaded = loadModel(settings.model);
  const index = new GraphIndex(loaded.model);
  const { sampleShape } = expectedSampleShape(loaded);
  const scores = declaredScoresType(loaded);
  if (scores !== undefined) checkScoresType(settings.model, scores.name, scores.elemType);
  const modelSha = modelSha256(loaded);
  if (index.outputs.length > 1) {
    // Outcomes compare the first output only: say which, so an auxiliary head exported first is noticed.
    const names = index.outputs.map((o) => o.name);
    notice(`${settings.model} has ${names.length} outputs (${names.join(', ')}); the first, ${names[0]}, is taken as the class scores (re-export the model with the scores first to use another)`);
  }

  const data = loadInputs({ path: settings.data, labels: settings.labels ?? undefined, expectedShape: sampleShape, limit: settings.inputs ?? undefined, imageOptions: settings.image });
  if (settings.inputs !== null && data.count < settings.inputs) {
    throw usageError(`--inputs ${settings.inputs}: ${settings.data} holds only ${data.count} input${data.count === 1 ? '' : 's'}; ask for at most ${data.count}`);
  }
  const inputs: InputBatch = { data: data.data, count: data.count, sampleDims: data.sampleShape };

  let models: Map<string, ErrorModel> | null = null;
  let targets: Target[];
  let faultListSha: string | null = null;
  let errorModelHashes: Record<string, string> | null = null;
  if (settings.faults !== null) {
    const list = openFaultList(settings.faults);
    const listModelSha = list.manifest?.modelSha256 ?? null;
    if (listModelSha !== null && listModelSha !== modelSha) {
      throw usageError(
        `--faults ${settings.faults} was made for another model (model sha256 ${listModelSha.slice(0, 12)}…, ${settings.model} has ${modelSha.slice(0, 12)}…); generate a fault list for this model`,
      );
    }
    faultListSha = sha256Hex(readFileSync(settings.faults));
    targets = resolveTargets(index, settings.layers, { kind: 'list', list }, settings.model, notice);
  } else {
    const set = loadErrorModelDir(settings.errorModels!);
    targets = resolveTargets(index, settings.layers, { kind: 'models', models: set }, settings.model, notice);
    models = new Map(targets.map((t) => [t.errorModel!, set.require(t.errorModel!)]));
    errorModelHashes = Object.fromEntries([...models.keys()].sort().map((k) => [k, models!.get(k)!.sha256 ?? '']));
  }

  const channelsLast = new Set(channelsLastTensors(index, targets.map((t) => t.output)));
  if (channelsLast.size > 0) (hooks.warning ?? notice)(channelsLastNotice(settings.model, targets.filter((t) => channelsLast.has(t.output)).map((t) => t.name)));
  const planLayers = targets.map((t) => {
    const population = t.listLayer ? t.listLayer.count : Infinity;
    let faults: number;
    if (settings.faultsPerLayer === 'auto') {
      faults = leveugleSampleSize({ margin: settings.margin, confidence: settings.confidence, population });
      if (faults > MAX_FAULTS_PER_LAYER) {
        throw usageError(
          `--faults-per-layer auto with --margin ${settings.margin} and --confidence ${settings.confidence} asks for ${faults} faults per layer, over the limit of ${MAX_FAULTS_PER_LAYER}; use --margin ${smallestMargin(settings.confidence, MAX_FAULTS_PER_LAYER)} or more`,
        );
      }
    }
    else if (settings.faultsPerLayer === null) faults = population;
    else {
      faults = settings.faultsPerLayer;
      if (faults > population) throw usageError(`--faults-per-layer ${faults}: the fault list has only ${population} faults for layer ${t.name}; ask for fewer or use auto`);
    }
    return { name: t.name, output: t.output, faults };
  });
  const plan: Plan = { layers: planLayers, inputs: inputs.count };

  const labels = data.labels ?? null;
  const hashes: Manifest['hashes'] = {
    model: modelSha,
    data: sha256Hex(new Uint8Array(inputs.data.buffer, inputs.data.byteOffset, inputs.data.byteLength)),
    labels: labels ? sha256Hex(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)) : null,
    errorModels: errorModelHashes,
    faultList: faultListSha,
  };
  const planKey = sha256Hex(
    JSON.stringify({
      format: 1,
      tool: VERSION,
      onnxruntime: onnxRuntimeVersion(),
      optimization: CAMPAIGN_OPTIMIZATION,
      hashes,
      inputs: inputs.count,
      layers: planLayers.map((l) => [l.name, l.output, l.faults]),
      seed: settings.faults === null ? settings.seed : null,
      criteria: settings.criteria,
      topK: settings.topK,
      tolerance: settings.tolerance,
      mismatchesOnly: settings.mismatchesOnly,
      provider: settings.provider,
      window: settings.window,
      // GPU kernels may round differently at another batch size (WebGPU on an H100 changed
      // resnet-small's reports between --batch 32 and 256), and a GPU run pads every run to its
      // batch: so there the batch is part of what the results are. CPU results do not depend on it.
      ...(isGpuProvider(settings.provider) ? { gpuBatch: settings.batch } : {}),
    }),
  );
  const inputFiles = data.files?.slice(0, inputs.count).map((f) => relativeToData(settings.data, f));
  return {
    settings,
    loaded,
    targets,
    plan,
    inputs,
    labels,
    inputSource: data.source,
    ...(data.image === undefined ? {} : { inputImage: data.image }),
    ...(inputFiles === undefined ? {} : { inputFiles }),
    ...(data.classNames === undefined ? {} : { classNames: data.classNames }),
    models,
    faultListPath: settings.faults,
    hashes,
    planKey,
  };
}

/** An image's path as the manifest records it: relative to the --data folder it came from. */
function relativeToData(data: string, file: string): string {
  const rel = relative(data, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
}

function shardLabel(s: CampaignSettings): string | null {
  return s.shard ? `${s.shard.index}/${s.shard.count}` : null;
}

/** Each layer's fault source, made once its golden run told the layer's shape and range. */
function layerFaultSource(setup: CampaignSetup, layer: number, facts: LayerFacts): LayerFaultSource {
  const t = setup.targets[layer];
  if (t.listLayer) {
    checkListShape(setup.faultListPath!, setup.settings.model, t, facts.shape);
    return new StoredFaults(setup.faultListPath!, t.listLayer);
  }
  if (facts.range === null) throw usageError(`layer ${t.name}: its output holds no finite value on these inputs, so it has no operating range to draw faults from`);
  const target = { layer: t.name, output: t.output, shape: toShape3(facts.shape), range: facts.range };
  return new GeneratedFaults(setup.models!.get(t.errorModel!)!, target, setup.settings.seed);
}

/**
 * Values of one sample of tensor `name`, from the model's shapes before any run: known when the
 * batch axis is symbolic or 1 and every other dimension is a number; null otherwise (the golden
 * run tells it later).
 */
function knownSampleDims(pm: PreparedModel, name: string): number[] | null {
  const dims = pm.types.get(name)?.dims;
  if (dims === undefined || dims.length < 2 || !(dims[0] === 1 || typeof dims[0] !== 'number')) return null;
  const sample = dims.slice(1);
  return sample.every((d): d is number => typeof d === 'number' && d > 0) ? sample : null;
}

function knownSampleSize(pm: PreparedModel, name: string): number | null {
  return knownSampleDims(pm, name)?.reduce((a, b) => a * b, 1) ?? null;
}

/**
 * The faults of a stored list against the model's tensor sizes, before anything is written (a
 * failed start writes nothing): a list made for a model with the same tensor names but other
 * shapes would otherwise fail at the first chunk of the layer that does not fit, after the layers
 * before it had run, and leave an unfinished run behind. Sizes are known here from the model's
 * shapes; where they are not (a symbolic dimension), each chunk's check still applies.
 */
function checkStoredFaults(setup: CampaignSetup, pm: PreparedModel): void {
  setup.targets.forEach((t, l) => {
    const dims = knownSampleDims(pm, t.output);
    if (!t.listLayer || dims === null) return;
    checkListShape(setup.faultListPath!, setup.settings.model, t, dims);
    const size = dims.reduce((a, b) => a * b, 1);
    const source = new StoredFaults(setup.faultListPath!, t.listLayer);
    // Every fault of the layer, not only this shard's: a list that does not fit the model is
    // refused by every shard alike (and the layer's faults are all decoded anyway).
    for (let k = 0; k < setup.plan.layers[l].faults; k++) checkFaultFits(source.fault(k), size, setup.settings.faults ?? 'fault list');
  });
}

/**
 * Copies per suffix run for layer l: --batch, but never more than the layer has copies in the
 * whole campaign (its faults on every input), so that a large --batch does not allocate room for
 * copies that never come. Shard-independent, as GPU providers pad every run to this size.
 */
function cappedBatch(batch: number, plan: Plan, l: number): number {
  return Math.max(1, Math.min(batch, plan.layers[l].faults * plan.inputs));
}

/** --batch as a number: the most copies per run that `auto` may choose, or what was given. */
function batchCap(s: CampaignSettings): number {
  if (s.batch !== 'auto') return s.batch;
  return isGpuProvider(s.provider) ? GPU_AUTO_BATCH.most : DEFAULTS.batch;
}

/** Copies per suffix run for layer l (shard-independent: from the whole plan and the model's shapes). */
function layerBatchFor(setup: CampaignSetup, pm: PreparedModel, l: number): number {
  const { settings, plan } = setup;
  if (settings.batch === 'auto' && isGpuProvider(settings.provider)) {
    const size = knownSampleSize(pm, setup.targets[l].output);
    return gpuLayerBatch(plan.layers[l].faults * plan.inputs, size === null ? null : 4 * size);
  }
  return cappedBatch(batchCap(settings), plan, l);
}

/** Most bytes one suffix run's cut tensor may take (typed arrays and ONNX Runtime tensors stop near 2 GiB). */
const MAX_RUN_BYTES = 2 ** 30;

/**
 * The notice for a layer whose windowed runs were refused for memory alone (a large model with
 * many inputs): it runs whole suffixes, slower, and fewer inputs would keep windowed runs on.
 */
export function windowMemoryNotice(layer: string, reason: string, maxInputs: number): string {
  const fix = maxInputs > 0 ? `with --inputs ${maxInputs} or fewer they stay on` : 'not even one input fits';
  return `layer ${layer}: no windowed runs, every fault runs the whole suffix (slower): ${reason}; ${fix} (said once: any later layer refused for this is listed in manifest.json, layers[].windowed.refused)`;
}

/** A --batch whose runs could not be held, refused before anything is written. */
function checkBatchFits(setup: CampaignSetup, pm: PreparedModel): void {
  setup.targets.forEach((t, l) => {
    const size = knownSampleSize(pm, t.output);
    if (size === null) return;
    const bytes = 4 * size;
    const batch = layerBatchFor(setup, pm, l);
    if (bytes * batch > MAX_RUN_BYTES) {
      throw usageError(`--batch ${setup.settings.batch}: a run of ${batch} copies of layer ${t.name} would take ${(bytes * batch / 2 ** 30).toFixed(1)} GiB; give at most --batch ${Math.max(1, Math.floor(MAX_RUN_BYTES / bytes))}`);
    }
  });
}

interface ChunkMeta {
  chunk: Chunk;
  faults: Fault[];
}

/** Run (or resume) a planned campaign and write its reports. */
export async function runCampaign(setup: CampaignSetup, hooks: RunnerHooks = {}): Promise<CampaignResult> {
  const { settings, plan, targets, inputs } = setup;
  const warn = hooks.warning ?? (() => {});
  const notice = hooks.notice ?? (() => {});
  const shard = shardLabel(settings);
  const alreadyDone = (): CampaignResult => {
    notice(`${settings.out} already holds the finished reports of this campaign (same plan, shard and inputs); nothing to run (--force runs it again)`);
    return finishedResult(setup);
  };
  if (checkOutputFolder({ out: settings.out, planKey: setup.planKey, shard, force: settings.force }) === 'done') return alreadyDone();
  // Everything that can fail on the model or the provider runs before the first write.
  assertProviderAvailable(settings.provider);
  const attemptStart = performance.now();
  // The manifest's start, on the clock that elapsedMs counts from (set-up included).
  const attemptStartedAt = new Date().toISOString();
  const tPrep = attemptStart;
  const pm: PreparedModel = await prepareModel(setup.loaded, inputs);
  const plain = await plainScores(pm, inputs, settings.provider, batchCap(settings));
  const classCount = plain.length / inputs.count;
  // Only where --top-k decides outcomes: top-1 on a one-score model, and the reference rule, still do.
  if (settings.criteria !== 'classes' && settings.topK > 1 && settings.topK >= classCount) {
    throw usageError(`--top-k ${settings.topK}: the model has ${classCount} classes, so the golden top-1 never leaves the top ${settings.topK} and no run could be critical; give at most ${classCount - 1}`);
  }
  scoresShapeNotices(settings.model, pm, classCount).forEach((n) => notice(n));
  const labelNote = labelsOutsideClasses(setup.labels, classCount);
  if (labelNote !== null) warn(`${settings.labels ?? settings.data}: ${labelNote}; the label column reports them as given (are these the labels of these inputs?)`);
  // A GPU provider's kernels are checked against the CPU's on the plain model: outcomes on one
  // provider are only comparable with outcomes on another if their golden scores agree.
  const providerVsCpu = isGpuProvider(settings.provider) ? await compareProviderWithCpu(pm, inputs, plain, settings.provider, batchCap(settings)) : null;
  if (providerVsCpu !== null && (providerVsCpu.top1Changes > 0 || !(providerVsCpu.maxAbsDiff <= GPU_CPU_WARN_DIFF))) {
    warn(
      `--provider ${settings.provider}: the model's scores differ from the CPU provider's by up to ${providerVsCpu.maxAbsDiff} ` +
        `(top-1 differs on ${providerVsCpu.top1Changes} of ${inputs.count} inputs); outcomes on ${settings.provider} are self-consistent ` +
        `but may not match a CPU run (manifest: providerVsCpu)`,
    );
  }
  // Measured on an H100 and on Mesa's software Vulkan: WebGPU's Relu, Clip and MaxPool give a number
  // for a NaN input, so NaN faults that the CPU provider carries to the scores end as sdc-* there.
  if (settings.provider === 'webgpu') {
    notice('--provider webgpu: its kernels do not carry NaN through every operator as the CPU provider does (Relu, Clip and MaxPool turn it into a number), so faults with NaN values end as sdc-* more often than non-finite');
  }
  checkStoredFaults(setup, pm);
  checkBatchFits(setup, pm);
  const prepMs = performance.now() - tPrep;
  // From here on this run writes: one run per folder. Another run may have finished it meanwhile.
  const tLock = performance.now();
  const lock = await acquireOutputLock(settings.out, { onWait: notice });
  // Time spent waiting for another host's lock is not this run's work: left out of its timing.
  const lockWaitMs = performance.now() - tLock;
  let store: ResultStore;
  try {
    if (!settings.force && checkOutputFolder({ out: settings.out, planKey: setup.planKey, shard, force: false }) === 'done') {
      lock.release();
      return alreadyDone();
    }
    store = ResultStore.open({ out: settings.out, planKey: setup.planKey, shard, layerCount: plan.layers.length, units: shardUnitCount(plan, settings.shard), header: injectionsHeaderCsv(), force: settings.force, startedAt: attemptStartedAt });
  } catch (err) {
    lock.release();
    throw err;
  }
  if (store.resumed) notice(`resuming the run in ${settings.out} (${store.unitsDone} of ${shardUnitCount(plan, settings.shard)} faults done)`);
  const breakdown: TimingBreakdown = emptyBreakdown();
  breakdown.setupMs += prepMs;
  const layerFacts = (store.meta.layers ?? {}) as Record<string, LayerFacts>;
  store.meta.layers = layerFacts;
  let skippedTotal = (store.meta.skipped as number | undefined) ?? 0;
  let windowedTotal = (store.meta.windowed as number | undefined) ?? 0;
  // Rows in injections.csv (fewer than runs with --mismatches-only): merge checks shards by it.
  let rowsTotal = (store.meta.rows as number | undefined) ?? (store.resumed ? store.rowsSoFar() : 0);
  // Per layer: where its faults were stopped early (null: the whole suffix ran). Kept in the
  // checkpoint's meta so that a resumed run still reports layers finished before the interruption.
  const earlyExitCuts = (store.meta.earlyExit ?? {}) as Record<string, { cut: string; stage1Ops: string[] } | { refused: string } | null>;
  store.meta.earlyExit = earlyExitCuts;
  let pool: InjectionPool | null = null;
  try {
    // Chunks still to run (a resumed run may start inside a chunk if --batch changed).
    const all = makeChunks(plan, settings.shard, unitsPerChunkFor(inputs.count, batchCap(settings)));
    const todo: Chunk[] = [];
    for (const c of all) {
      const end = c.unitsBefore + c.faults.length;
      if (end <= store.unitsDone) continue;
      const skip = Math.max(0, store.unitsDone - c.unitsBefore);
      todo.push({ ...c, faults: c.faults.slice(skip), unitsBefore: c.unitsBefore + skip, seq: todo.length });
    }
    const totalRuns = shardUnitCount(plan, settings.shard) * inputs.count;
    hooks.progressStart?.(totalRuns, store.unitsDone * inputs.count);
    let runsDone = store.unitsDone * inputs.count;
    let runsThisAttempt = 0;

    if (todo.length > 0) {
      if (!pm.batchDynamic) notice(`the model cannot take a batch (${pm.batchNotes.join('; ')}); running one fault per run`);
      const workerCount = Math.max(1, Math.min(settings.workers, todo.length));
      // One worker (the default for GPU providers) runs in the main thread, see pool-inprocess.ts.
      pool = workerCount === 1 ? new InProcessPool() : new WorkerPool(workerCount);
      const layersTodo = [...new Set(todo.map((c) => c.layer))];
      const metas = new Map<number, ChunkMeta>();
      const results = new Map<number, ChunkResult>();
      let nextToWrite = 0;
      let lastCommit = performance.now();
      const remainingPerLayer = new Map<number, number>();
      for (const c of todo) remainingPerLayer.set(c.layer, (remainingPerLayer.get(c.layer) ?? 0) + 1);

      const writeReady = (): void => {
        while (results.has(nextToWrite)) {
          const t0 = performance.now();
          const r = results.get(nextToWrite)!;
          const meta = metas.get(nextToWrite)!;
          results.delete(nextToWrite);
          metas.delete(nextToWrite);
          const layer = plan.layers[meta.chunk.layer];
          const rows: InjectionRow[] = [];
          meta.faults.forEach((f, i) => {
            for (let x = 0; x < inputs.count; x++) {
              const slot = i * inputs.count + x;
              const row: InjectionRow = {
                layer: layer.name,
                output: layer.output,
                fault: f.index,
                pattern: f.pattern,
                cardinality: f.indices.length,
                input: x,
                label: setup.labels ? setup.labels[x] : null,
                goldenTop1: currentGoldenTop1.get(meta.chunk.layer)![x],
                faultyTop1: r.faultyTop1[slot],
                outcomeCode: r.outcome[slot],
                maxAbsDiff: r.maxAbsDiff[slot],
              };
              store.counts.add(meta.chunk.layer, f.pattern, row.outcomeCode);
              if (!settings.mismatchesOnly || isMismatch(row)) rows.push(row);
            }
          });
          skippedTotal += r.skipped;
          store.meta.skipped = skippedTotal;
          windowedTotal += r.windowed;
          store.meta.windowed = windowedTotal;
          rowsTotal += rows.length;
          store.meta.rows = rowsTotal;
          store.append(injectionRowsCsv(rows), meta.faults.length);
          breakdown.suffixMs += r.suffixMs;
          breakdown.buildMs += r.buildMs;
          breakdown.classifyMs += r.classifyMs;
          runsDone += meta.faults.length * inputs.count;
          runsThisAttempt += meta.faults.length * inputs.count;
          const left = remainingPerLayer.get(meta.chunk.layer)! - 1;
          remainingPerLayer.set(meta.chunk.layer, left);
          if (left === 0) {
            pool!.dropLayer(meta.chunk.layer);
            currentGoldenTop1.delete(meta.chunk.layer);
          }
          const now = performance.now();
          if (now - lastCommit >= COMMIT_INTERVAL_MS || nextToWrite === todo.length - 1) {
            store.commit(now - attemptStart - lockWaitMs);
            lastCommit = performance.now();
          }
          nextToWrite++;
          breakdown.reportingMs += performance.now() - t0;
          hooks.progress?.(runsDone);
        }
      };

      const currentGoldenTop1 = new Map<number, Int32Array>();
      const inFlight = new Set<Promise<void>>();
      const maxInFlight = 2 * pool.size;
      const track = (p: Promise<void>): void => {
        const tracked = p.finally(() => inFlight.delete(tracked));
        // A failure surfaces through Promise.race/all below; work still in flight when the run
        // stops must not end the process as an unhandled rejection.
        tracked.catch(() => {});
        inFlight.add(tracked);
      };
      const layerBatch = (l: number): number => layerBatchFor(setup, pm, l);
      // With worker threads, the next layer's golden runs and windowed set-up (main thread) go on
      // while the workers run this layer's chunks, so that no core waits between layers. The
      // in-process pool runs chunks in this very thread, where there is nothing to overlap, and
      // its injector takes over the session of the golden runs instead of making another.
      const overlap = pool instanceof WorkerPool;
      const prepareLayer = (l: number): Promise<LayerGolden> =>
        goldenForLayer(pm, targets[l].output, inputs, { provider: settings.provider, batch: layerBatch(l), padBatches: isGpuProvider(settings.provider), earlyExit: settings.earlyExit, window: settings.window, keepSuffixSession: !overlap, windowGoldenBudget: setup.windowGoldenBudget });
      let next: Promise<LayerGolden> | null = null;
      // Said once: with many inputs, every early layer of a large model is refused alike.
      let memoryNoticed = false;
      let rangeNoticed = false;
      for (let li = 0; li < layersTodo.length; li++) {
        const l = layersTodo[li];
        const t = targets[l];
        const g = await (next ?? prepareLayer(l));
        next = overlap && li + 1 < layersTodo.length ? prepareLayer(layersTodo[li + 1]) : null;
        // Awaited at the next layer; until then a failure must not count as unhandled.
        next?.catch(() => {});
        earlyExitCuts[t.name] = g.earlyExit ? { cut: g.earlyExit.cut, stage1Ops: g.earlyExit.stage1Ops } : g.earlyExitRefused ? { refused: g.earlyExitRefused } : null;
        breakdown.prefixMs += g.prefixMs;
        breakdown.goldenMs += g.goldenMs + g.windowMs;
        const cmp = compareWithPlain(g.golden, g.goldenTop1, plain, g.classes);
        const batch = g.batch;
        const facts: LayerFacts = {
          name: t.name,
          output: t.output,
          op: t.opType,
          errorModel: t.errorModel ?? t.listLayer?.errorModel ?? null,
          faults: plan.layers[l].faults,
          shape: g.targetDims,
          range: g.range,
          boundary: g.boundary.map((b) => b.name),
          batch,
          notes: g.notes,
          goldenVsPlain: cmp,
          windowed: g.windowed
            ? { nodes: g.windowed.plan.nodes.length, tailOps: g.windowed.plan.tailOps, goldenVsSuffix: { maxAbsDiff: compareWithPlain(g.windowed.scores, g.goldenTop1, g.golden, g.classes).maxAbsDiff } }
            : g.windowRefused !== null
              ? { refused: g.windowRefused }
              : null,
        };
        layerFacts[t.name] = facts;
        if (!g.batchDynamic && pm.batchDynamic) notice(`layer ${t.name}: the suffix cannot take a batch (${g.notes.join('; ')}); running one fault per run`);
        if (g.windowMaxInputs !== null && !memoryNoticed) {
          memoryNoticed = true;
          notice(windowMemoryNotice(t.name, g.windowRefused ?? '', g.windowMaxInputs));
        }
        if (cmp.top1Changes > 0) {
          warn(`layer ${t.name}: the plain model's top-1 differs from this layer's golden reference on ${cmp.top1Changes} input(s) (max |diff| ${cmp.maxAbsDiff}); outcomes compare with the split graph's golden run`);
        }
        const listRange = t.listLayer?.range ?? null;
        if (listRange !== null && facts.range !== null && !rangeNoticed && rangesDiffer(listRange, facts.range)) {
          rangeNoticed = true;
          warn(
            `--faults ${setup.faultListPath}: the faults of layer ${t.name} were drawn for the operating range [${listRange.min}, ${listRange.max}], but this campaign measures [${facts.range.min}, ${facts.range.max}] on its inputs ` +
              `(other inputs or another preprocessing than the profile's?): the list's in-range and out-of-range values are relative to its own range (other layers may differ too)`,
          );
        }
        const source = layerFaultSource(setup, l, facts);
        currentGoldenTop1.set(l, g.goldenTop1);
        const cutSize = g.boundary[0].data.length / inputs.count;
        const layerSetup: LayerSetup = {
          layerId: l,
          suffix: g.suffix,
          boundary: g.boundary,
          scoresName: pm.scoresName,
          classes: g.classes,
          inputs: inputs.count,
          golden: g.golden,
          goldenTop1: g.goldenTop1,
          batch,
          padBatches: isGpuProvider(settings.provider),
          classify: { criteria: settings.criteria, topK: settings.topK, tolerance: settings.tolerance },
          provider: settings.provider,
          externalData: g.externalData,
          earlyExit: g.earlyExit,
          windowed: g.windowed,
          suffixSession: g.suffixSession,
        };
        // Workers take messages in order, so this layer's chunks may follow at once: each worker
        // creates its sessions first. A worker that cannot fails the pool (Promise.race below).
        const ready = pool.addLayer(layerSetup);
        if (overlap) track(ready);
        else await ready;
        for (const c of todo.filter((x) => x.layer === l)) {
          while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
          const t0 = performance.now();
          const fs = c.faults.map((fi) => {
            const f = source.fault(fi);
            checkFaultFits(f, cutSize, settings.faults ?? 'fault generator');
            return f;
          });
          const packed = packFaults(fs);
          breakdown.faultsMs += performance.now() - t0;
          metas.set(c.seq, { chunk: c, faults: fs });
          track(
            pool.run(l, packed).then((r) => {
              results.set(c.seq, r);
              writeReady();
            }),
          );
        }
      }
      await Promise.all(inFlight);
      if (nextToWrite !== todo.length) throw new Error(`internal: ${todo.length - nextToWrite} chunks were not written`);
    }

    // Reports.
    const t0 = performance.now();
    const elapsedThis = performance.now() - attemptStart - lockWaitMs;
    store.commit(elapsedThis);
    const counts = store.counts;
    const total = counts.grandTotal();
    const manifest: Manifest = {
      tool: { name: 'classes', version: VERSION, node: process.version, onnxruntime: onnxRuntimeVersion() },
      campaign: settings.name,
      planKey: setup.planKey,
      shard,
      // A stored list was drawn with its own seed (in its manifest): this campaign draws nothing.
      seed: settings.faults !== null ? null : settings.seed,
      hashes: setup.hashes,
      settings: { ...settingsForManifest(settings), earlyExitLayers: Object.fromEntries(plan.layers.filter((l) => l.name in earlyExitCuts).map((l) => [l.name, earlyExitCuts[l.name]])) },
      inputs: {
        count: inputs.count,
        sampleShape: inputs.sampleDims,
        source: setup.inputSource,
        ...(setup.inputImage === undefined ? {} : { image: setup.inputImage }),
        ...(setup.inputFiles === undefined ? {} : { files: setup.inputFiles }),
        ...(setup.classNames === undefined ? {} : { classNames: setup.classNames }),
      },
      ...(providerVsCpu === null ? {} : { providerVsCpu }),
      plan: { layers: plan.layers.map((l) => ({ name: l.name, output: l.output, faults: l.faults })) },
      layers: plan.layers.map((l) => layerFacts[l.name]).filter((f): f is LayerFacts => f !== undefined),
      totals: { runs: total[0] + total[1] + total[2] + total[3], masked: total[0], sdcSafe: total[1], sdcCritical: total[2], nonFinite: total[3], skippedWithoutRunning: skippedTotal, windowed: windowedTotal, rows: rowsTotal },
      timing: {
        startedAt: store.startedAt,
        endedAt: new Date().toISOString(),
        elapsedMs: Math.round(store.elapsedBeforeMs + elapsedThis),
        attempts: store.attempts,
        injectionsPerSecond: runsThisAttempt > 0 ? Math.round((runsThisAttempt / elapsedThis) * 1000 * 10) / 10 : 0,
        breakdownMs: roundBreakdown(breakdown),
      },
    };
    breakdown.reportingMs += performance.now() - t0;
    manifest.timing.breakdownMs = roundBreakdown(breakdown);
    store.finish(summaryCsv(plan.layers, counts), manifestJson(manifest));
    return { out: settings.out, manifest, resumed: store.resumed, alreadyDone: false, files: [...FINAL_FILES], counts };
  } finally {
    hooks.progressStop?.();
    store.close();
    await pool?.close();
    await releaseWindowSessions();
    lock.release();
  }
}

/** The result of a campaign whose reports are already in its output folder, read back from them. */
function finishedResult(setup: CampaignSetup): CampaignResult {
  const out = setup.settings.out;
  const read = (file: string): string => {
    try {
      return readFileSync(join(out, file), 'utf8');
    } catch (err) {
      throw runtimeError(`cannot read ${join(out, file)}: ${(err as Error).message}`);
    }
  };
  const manifest = JSON.parse(read(MANIFEST_FILE)) as Manifest;
  let counts: OutcomeCounts;
  try {
    counts = countsFromSummary(parseCsv(read(SUMMARY_FILE)), setup.plan.layers, join(out, SUMMARY_FILE));
  } catch (err) {
    throw runtimeError(`${(err as Error).message}; pass --force to run the campaign again`);
  }
  return { out, manifest, resumed: false, alreadyDone: true, files: [...FINAL_FILES], counts };
}

function settingsForManifest(s: CampaignSettings): Record<string, unknown> {
  return {
    model: s.model,
    data: s.data,
    labels: s.labels,
    errorModels: s.errorModels,
    faults: s.faults,
    layers: s.layers,
    faultsPerLayer: s.faultsPerLayer,
    ...(s.faultsPerLayer === 'auto' ? { margin: s.margin, confidence: s.confidence } : {}),
    seed: s.seed,
    inputs: s.inputs,
    provider: s.provider,
    out: s.out,
    workers: s.workers,
    batch: s.batch,
    topK: s.topK,
    tolerance: s.tolerance,
    criteria: s.criteria,
    mismatchesOnly: s.mismatchesOnly,
    earlyExit: s.earlyExit,
    window: s.window,
    ...(Object.keys(s.image).length > 0 ? { image: s.image } : {}),
    shard: s.shard ? `${s.shard.index}/${s.shard.count}` : null,
    onnxRuntime: { intraOpThreads: 1, optimization: CAMPAIGN_OPTIMIZATION },
  };
}
