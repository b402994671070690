/**
 * Benchmark of the campaign runner against the plain approach (issue 4, "Speed").
 *
 *   npx tsc -p . && node dist/bench/campaign.js [--faults N] [--inputs N] [--plain-faults N] [--early-exit auto|off]
 *       [--window auto|on|off] [--model resnet|lenet|resnet64|densenet|FILE.onnx --data FILE.npy] [--error-models DIR]
 *       [--one-thread] [--cold] [--json]
 *
 * For every injectable layer of the residual fixture and of LeNet-5, with N faults (default 500)
 * on M inputs (default 16):
 *   (a) plain: one full inference per (fault, input), one sample per run (src/campaign/baseline.ts);
 *   (b) ours: split at the layer, prefix once per input, golden suffix once per input, faulty
 *       copies stacked 32 per suffix run, faults equal to golden skipped, rows written as CSV.
 * Both run on one thread in this process, so the ratio is the algorithmic gain; the plain
 * approach's cost per injection does not depend on the fault, so it is timed on the first
 * --plain-faults faults (default 50) of the same list. The time of (b) is split into prefix,
 * golden suffix, faulty suffix (with batch building and classification), fault generation and
 * reporting. Before the timed layers both approaches run untimed on a few faults of the first
 * layer (warmUp below; --cold skips it). Then the plain approach runs on the whole machine twice
 * (one session with an intra-op thread per core; one single-threaded worker per core,
 * bench/lib/plain-parallel.ts), and finally the real runner (worker threads, one per core) runs
 * the whole campaign.
 * --error-models DIR picks the error models (default: the shipped error_models/); the gain depends
 * on how many of their faults touch whole maps (BENCHMARKS.md).
 * With --model resnet64 (not part of the default run: it takes a few minutes) a third model,
 * bench/models/resnet64.ts, has the fixture's shape on 64x64 inputs (100 faults x 8 inputs);
 * --model densenet (bench/models/densenet.ts) is a DenseNet as PyTorch exports one (Concat, a Pad
 * before each AveragePool, Identity-aliased BatchNormalization scales), on 64x64 inputs.
 * --model FILE.onnx --data FILE.npy benchmarks any model the runner takes (the shipped error models
 * must cover its layers); --one-thread skips the whole-machine runs, which on a large model take
 * as long again as the one-thread comparison.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { completeSettings, type RawSettings } from '../src/campaign/settings.js';
import { planCampaign, runCampaign, type CampaignSetup } from '../src/campaign/runner.js';
import { goldenForLayer, prepareModel, type LayerGolden, type PreparedModel } from '../src/campaign/golden.js';
import { LayerInjector, packFaults, type ChunkResult } from '../src/campaign/injector.js';
import { releaseWindowSessions } from '../src/campaign/window/executor.js';
import { plainApproach } from '../src/campaign/baseline.js';
import type { ClassifyOptions } from '../src/campaign/outcome.js';
import { tuneGarbageCollection } from '../src/util/gc-tuning.js';
import { GeneratedFaults } from '../src/campaign/fault-source.js';
import { toShape3 } from '../src/faults/shape3.js';
import type { Fault } from '../src/faults/types.js';
import { injectionRowsCsv, type InjectionRow } from '../src/report/injections.js';
import { ROOT } from '../test/helpers.js';
import { saveNpy } from '../src/data/npy.js';
import { resnet64Inputs, resnet64Model, RESNET64_INPUT } from './models/resnet64.js';
import { densenetInputs, densenetModel, DENSENET_INPUT } from './models/densenet.js';

/** Networks the benchmark builds in code, by their --model name. */
const BUILT_MODELS = [
  { name: 'resnet64', label: 'resnet64 (larger maps, built in bench/models/resnet64.ts)', model: resnet64Model, inputs: resnet64Inputs, sampleDims: RESNET64_INPUT },
  { name: 'densenet', label: 'densenet (Concat, Pad before AveragePool, built in bench/models/densenet.ts)', model: densenetModel, inputs: densenetInputs, sampleDims: DENSENET_INPUT },
];
import { EARLY_EXIT_MODES, type EarlyExitMode } from '../src/campaign/early-exit.js';
import { WINDOW_MODES, type WindowMode } from '../src/campaign/window/setup.js';
import { benchArgs } from './args.js';
import { benchLayerSetup } from './lib/layer-setup.js';
import { plainOnEveryCore } from './lib/plain-parallel.js';

interface LayerBench {
  layer: string;
  op: string;
  boundary: number;
  runs: number;
  plainPerSec: number;
  oursPerSec: number;
  gain: number;
  skipped: number;
  /** Copies stopped after stage 1 (early exit), and the cut tensor ('' when the layer had none). */
  stopped: number;
  cut: string;
  /** Copies run windowed (window/), and how many of them died out before the tail. */
  windowed: number;
  diedOut: number;
  shape: number[];
  range: { min: number; max: number };
  ms: { prefix: number; golden: number; suffix: number; build: number; classify: number; faults: number; reporting: number };
}

interface ModelBench {
  model: string;
  faults: number;
  inputs: number;
  plainFaults: number;
  /** Whether both approaches ran untimed on a few faults first (warmUp; off with --cold). */
  warmUp: boolean;
  layers: LayerBench[];
  /** Over all layers: total injections / total time, each approach. */
  plainPerSec: number;
  oursPerSec: number;
  gain: number;
  /** The whole machine; null with --one-thread. */
  machine: MachineBench | null;
}

interface MachineBench {
  /** The real runner, worker threads, whole campaign. */
  runner: { workers: number; perSec: number; elapsedMs: number };
  /** The plain approach on the whole machine: one session with one intra-op thread per core. */
  plainMachine: { threads: number; perSec: number };
  /** The plain approach on the whole machine: one worker thread per core, one intra-op thread each. */
  plainWorkers: { workers: number; perSec: number };
}

const args = benchArgs();
// The runner's defaults: early exit off, windowed runs on (auto) on the CPU.
const earlyExitArg = (): EarlyExitMode => args.choice('--early-exit', EARLY_EXIT_MODES, 'off');
const windowArg = (): WindowMode => args.choice('--window', WINDOW_MODES, 'auto');

/** Error models: --error-models DIR, else the package's own, else the reference CLASSES models next to the repository. */
function errorModelsDir(): string {
  const chosen = args.opt('--error-models');
  if (chosen !== undefined) {
    if (!existsSync(join(chosen, 'conv_gemm.json'))) throw new Error(`--error-models ${chosen}: no conv_gemm.json there`);
    return chosen;
  }
  const candidates = [
    process.env.CLASSES_REFERENCE_MODELS ? join(process.env.CLASSES_REFERENCE_MODELS, 'faulty_warp_models') : '',
    join(ROOT, 'error_models'),
    join(ROOT, '..', 'shared', 'reference', 'classes-error-models', 'faulty_warp_models'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, 'conv_gemm.json'))) return c;
  throw new Error('no error models found (error_models/ is empty); set CLASSES_REFERENCE_MODELS');
}

/** Faults of the untimed warm-up run (both approaches, the first layer). */
const WARM_UP_FAULTS = 64;

/**
 * An untimed run of both approaches on a few faults of the first layer. What a process pays once
 * (ONNX Runtime's start, the JIT compiling the hot code, the memory allocator's first touch of the
 * memory it will reuse) would otherwise fall on whichever approach is timed first, here ours,
 * and a campaign pays it once however many layers and faults it runs. What each layer pays stays
 * timed: the window sessions made here are released before the timed layers. --cold skips it.
 */
async function warmUp(setup: CampaignSetup, pm: PreparedModel, classify: ClassifyOptions, faults: number): Promise<void> {
  const count = Math.min(faults, WARM_UP_FAULTS);
  const { list } = await oursOnLayer(setup, pm, 0, count, classify);
  await plainApproach(pm, setup.targets[0].output, setup.inputs, list.slice(0, Math.max(1, Math.floor(count / 8))), { provider: 'cpu', classify });
  await releaseWindowSessions();
}

/**
 * Ours on layer l with its first `count` faults: golden set-up, fault generation, one chunk of
 * every fault on every input; the times of generation and of the chunk in ms.
 */
async function oursOnLayer(setup: CampaignSetup, pm: PreparedModel, l: number, count: number, classify: ClassifyOptions): Promise<{ g: LayerGolden; list: Fault[]; r: ChunkResult; faultsMs: number; chunkMs: number }> {
  const t = setup.targets[l];
  const settings = setup.settings;
  // As the runner's one-thread (in-process) pool does: the injector takes over the golden session.
  const g = await goldenForLayer(pm, t.output, setup.inputs, { provider: 'cpu', batch: 32, padBatches: false, earlyExit: settings.earlyExit, window: settings.window, keepSuffixSession: true });
  const tf0 = performance.now();
  const src = new GeneratedFaults(setup.models!.get(t.errorModel!)!, { layer: t.name, output: t.output, shape: toShape3(g.targetDims), range: g.range! }, 1);
  const list = Array.from({ length: count }, (_, i) => src.fault(i));
  const packed = packFaults(list);
  const faultsMs = performance.now() - tf0;
  const inj = await LayerInjector.create(benchLayerSetup(l, g, { scoresName: pm.scoresName, inputs: setup.inputs.count, classify }, { earlyExit: g.earlyExit, windowed: g.windowed, suffixSession: g.suffixSession }));
  try {
    const tr0 = performance.now();
    const r = await inj.runChunk(packed);
    return { g, list, r, faultsMs, chunkMs: performance.now() - tr0 };
  } finally {
    await inj.release();
  }
}

async function benchModel(name: string, model: string, data: string, faults: number, inputs: number, plainFaults: number): Promise<ModelBench> {
  const out = mkdtempSync(join(tmpdir(), 'classes-bench-'));
  const raw: RawSettings = { model, data, errorModels: errorModelsDir(), faultsPerLayer: faults, inputs, seed: 1, batch: 32, workers: availableParallelism(), out: join(out, 'run'), earlyExit: earlyExitArg(), window: windowArg() };
  const settings = completeSettings([raw], { defaultErrorModels: errorModelsDir() });
  const setup = planCampaign(settings);
  const pm = await prepareModel(setup.loaded, setup.inputs);
  const classifyOpts = { criteria: settings.criteria, topK: settings.topK, tolerance: settings.tolerance };
  const layers: LayerBench[] = [];
  let plainMsTotal = 0;
  let plainRunsTotal = 0;
  let oursMsTotal = 0;
  let oursRunsTotal = 0;
  const warm = !args.has('--cold');
  if (warm) await warmUp(setup, pm, classifyOpts, faults);
  for (let l = 0; l < setup.targets.length; l++) {
    const t = setup.targets[l];
    const t0 = performance.now();
    const { g, list, r, faultsMs, chunkMs } = await oursOnLayer(setup, pm, l, faults, classifyOpts);
    const tRows = performance.now();
    const rows: InjectionRow[] = [];
    list.forEach((f, i) => {
      for (let x = 0; x < setup.inputs.count; x++) {
        const s = i * setup.inputs.count + x;
        rows.push({ layer: t.name, output: t.output, fault: f.index, pattern: f.pattern, cardinality: f.indices.length, input: x, label: null, goldenTop1: g.goldenTop1[x], faultyTop1: r.faultyTop1[s], outcomeCode: r.outcome[s], maxAbsDiff: r.maxAbsDiff[s] });
      }
    });
    injectionRowsCsv(rows);
    const t1 = performance.now();
    const runs = faults * setup.inputs.count;
    const oursMs = t1 - t0;
    const plain = await plainApproach(pm, t.output, setup.inputs, list.slice(0, plainFaults), { provider: 'cpu', classify: classifyOpts });
    const plainRuns = Math.min(plainFaults, faults) * setup.inputs.count;
    const plainPerSec = plainRuns / (plain.ms / 1000);
    const oursPerSec = runs / (oursMs / 1000);
    plainMsTotal += (runs / plainPerSec) * 1000; // the plain approach's time for all N faults
    plainRunsTotal += runs;
    oursMsTotal += oursMs;
    oursRunsTotal += runs;
    const suffixOther = chunkMs - r.buildMs - r.classifyMs;
    layers.push({
      layer: t.name,
      op: t.opType,
      boundary: g.boundary.length,
      runs,
      plainPerSec,
      oursPerSec,
      gain: oursPerSec / plainPerSec,
      skipped: r.skipped,
      stopped: r.stoppedEarly,
      cut: g.earlyExit?.cut ?? '',
      windowed: r.windowed,
      diedOut: r.diedOut,
      shape: g.targetDims,
      range: g.range!,
      ms: { prefix: g.prefixMs, golden: g.goldenMs + g.windowMs, suffix: suffixOther, build: r.buildMs, classify: r.classifyMs, faults: faultsMs, reporting: t1 - tRows },
    });
    process.stderr.write(`  ${name} ${t.name}: ${layers[layers.length - 1].gain.toFixed(1)}x\n`);
  }
  const machine = args.has('--one-thread') ? null : await benchMachine(setup, pm, layers, raw, faults, plainFaults);
  rmSync(out, { recursive: true, force: true });
  const plainPerSec = plainRunsTotal / (plainMsTotal / 1000);
  const oursPerSec = oursRunsTotal / (oursMsTotal / 1000);
  return { model: name, faults, inputs: setup.inputs.count, plainFaults, warmUp: warm, layers, plainPerSec, oursPerSec, gain: oursPerSec / plainPerSec, machine };
}

/** The plain approach and the runner on every core of the machine. */
async function benchMachine(setup: CampaignSetup, pm: PreparedModel, layers: LayerBench[], raw: RawSettings, faults: number, plainFaults: number): Promise<MachineBench> {
  const settings = setup.settings;
  const classifyOpts = { criteria: settings.criteria, topK: settings.topK, tolerance: settings.tolerance };
  // The plain approach as one would run it on the whole machine: intra-op threads on every core.
  let pmMs = 0;
  let pmRuns = 0;
  const machineFaults = Math.max(1, Math.floor(plainFaults / 2));
  for (let l = 0; l < setup.targets.length; l++) {
    const t = setup.targets[l];
    const g = layers[l];
    const src = new GeneratedFaults(setup.models!.get(t.errorModel!)!, { layer: t.name, output: t.output, shape: toShape3(g.shape), range: g.range }, 1);
    const list = Array.from({ length: machineFaults }, (_, i) => src.fault(i));
    const r = await plainApproach(pm, t.output, setup.inputs, list, { provider: 'cpu', classify: classifyOpts, threads: availableParallelism() });
    pmMs += r.ms * (faults / machineFaults);
    pmRuns += faults * setup.inputs.count;
  }
  // The plain approach with one single-threaded worker per core, as the runner runs.
  const plainThreads = await plainOnEveryCore(raw, errorModelsDir(), layers, plainFaults, availableParallelism());
  // The real runner, end to end, on every core.
  await releaseWindowSessions();
  const e2e = await runCampaign(setup);
  return {
    runner: { workers: settings.workers, perSec: e2e.manifest.timing.injectionsPerSecond, elapsedMs: e2e.manifest.timing.elapsedMs },
    plainMachine: { threads: availableParallelism(), perSec: pmRuns / (pmMs / 1000) },
    plainWorkers: { workers: availableParallelism(), perSec: plainThreads.perSec },
  };
}

function report(b: ModelBench): string {
  const head = ['layer', 'op', 'bnd', 'plain/s', 'ours/s', 'gain', 'skip', 'early', 'windowed', 'died', 'prefix', 'golden', 'suffix', 'build', 'classify', 'faults', 'report'];
  const rows = b.layers.map((l) => [
    l.layer,
    l.op,
    String(l.boundary),
    l.plainPerSec.toFixed(0),
    l.oursPerSec.toFixed(0),
    `${l.gain.toFixed(1)}x`,
    String(l.skipped),
    l.cut === '' ? '-' : String(l.stopped),
    String(l.windowed),
    String(l.diedOut),
    ...[l.ms.prefix, l.ms.golden, l.ms.suffix, l.ms.build, l.ms.classify, l.ms.faults, l.ms.reporting].map((x) => x.toFixed(0)),
  ]);
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((x, c) => (c < 2 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  return (
    `\n${b.model}: ${b.faults} faults x ${b.inputs} inputs per layer, ${b.layers.length} layers (early exit ${earlyExitArg()}, window ${windowArg()}, ${b.warmUp ? 'after an untimed warm-up' : 'cold: no warm-up'}; 'early': copies stopped after stage 1, '-' no cut; 'windowed': copies run windowed, 'died': of them, those that died out before the tail; plain approach timed on ${b.plainFaults} faults per layer; times in ms, one thread)\n` +
    [fmt(head), ...rows.map(fmt)].join('\n') +
    `\nall layers: plain ${b.plainPerSec.toFixed(0)} injections/s, ours ${b.oursPerSec.toFixed(0)} injections/s, gain ${b.gain.toFixed(1)}x\n` +
    (b.machine === null ? '' : machineReport(b.plainPerSec, b.machine))
  );
}

function machineReport(plainPerSec: number, m: MachineBench): string {
  return (
    `whole machine: plain approach ${plainPerSec.toFixed(0)} injections/s with 1 thread, ${m.plainMachine.perSec.toFixed(0)} with ${m.plainMachine.threads} intra-op threads in one session, ` +
    `${m.plainWorkers.perSec.toFixed(0)} with ${m.plainWorkers.workers} worker threads of 1 thread each; ` +
    `the runner (${m.runner.workers} workers, whole campaign, start-up included) ${m.runner.perSec} injections/s in ${(m.runner.elapsedMs / 1000).toFixed(1)} s: ` +
    `gain ${(m.runner.perSec / Math.max(plainPerSec, m.plainMachine.perSec, m.plainWorkers.perSec)).toFixed(1)}x over the best of the three\n`
  );
}

export async function main(): Promise<void> {
  // As the CLI does at start-up (src/util/gc-tuning.ts); both approaches run under it.
  tuneGarbageCollection();
  const faults = args.count('--faults', 500);
  const inputs = args.count('--inputs', 16);
  const plainFaults = args.count('--plain-faults', 50);
  const only = args.opt('--model') ?? null;
  const results: ModelBench[] = [];
  if (only === null || only === 'resnet') {
    results.push(await benchModel('resnet-small (residual fixture)', join(ROOT, 'test', 'fixtures', 'resnet-small.onnx'), join(ROOT, 'test', 'fixtures', 'resnet-small-inputs.npy'), faults, inputs, plainFaults));
  }
  if (only === null || only === 'lenet') {
    results.push(await benchModel('LeNet-5 (built-in campaign)', join(ROOT, 'campaigns', 'lenet5-mnist', 'model.onnx'), join(ROOT, 'campaigns', 'lenet5-mnist', 'inputs.npy'), faults, inputs, plainFaults));
  }
  if (only?.endsWith('.onnx')) {
    const data = args.opt('--data');
    if (data === undefined) throw new Error(`--model ${only} needs --data FILE.npy (inputs of the model)`);
    results.push(await benchModel(basename(only), only, data, faults, inputs, plainFaults));
  }
  // Networks built in code (bench/models/), not part of the default run: each takes a few minutes.
  // They do more work per inference than the fixture: fewer faults and inputs keep the run short.
  const built = BUILT_MODELS.find((m) => m.name === only);
  if (built !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), `classes-bench-${built.name}-`));
    const count = Math.min(inputs, 8);
    writeFileSync(join(dir, `${built.name}.onnx`), built.model());
    saveNpy(join(dir, 'inputs.npy'), { data: built.inputs(count), shape: [count, ...built.sampleDims] });
    try {
      results.push(await benchModel(built.label, join(dir, `${built.name}.onnx`), join(dir, 'inputs.npy'), Math.min(faults, 100), count, Math.min(plainFaults, 10)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    return;
  }
  process.stdout.write(`campaign runner vs plain approach (target: gain >= 5x over all layers of the residual model)\n`);
  for (const r of results) process.stdout.write(report(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
