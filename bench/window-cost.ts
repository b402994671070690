/**
 * How good the window cost model's choices are (src/campaign/window/plan.ts, windowedRunPays).
 *
 *   npx tsc -p . && node dist/bench/window-cost.js [--faults N] [--layers 0,1,...] [--json]
 *
 * For every layer of the residual fixture that has a window plan, faults are drawn from the
 * shipped error models and, when they are found (as the tests find them), from the reference
 * warp and thread models: error models whose faults have very different shapes. The faults
 * (without NaN values, which always run the whole suffix) are grouped by span the way the
 * runner groups them, and each group runs twice: every copy windowed, then every copy through
 * the whole suffix (alternated, the faster of two runs each). A layer's time is then counted
 * three ways: with the cost model's choice for each fault (at its group's mean time per copy),
 * with the faster way for each group, and with every fault run through the whole suffix. One
 * thread; per-copy times, setup not counted.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { completeSettings } from '../src/campaign/settings.js';
import { planCampaign } from '../src/campaign/runner.js';
import { goldenForLayer, prepareModel } from '../src/campaign/golden.js';
import { LayerInjector, packFaults, spanGroupKey } from '../src/campaign/injector.js';
import { GeneratedFaults } from '../src/campaign/fault-source.js';
import { toShape3 } from '../src/faults/shape3.js';
import { windowedRunPays } from '../src/campaign/window/plan.js';
import { spanOfIndices, spanSize } from '../src/campaign/window/geometry.js';
import { releaseWindowSessions } from '../src/campaign/window/executor.js';
import { loadErrorModelDir, type ErrorModelSet } from '../src/error-models/index.js';
import { ROOT, referenceModelsDir } from '../test/helpers.js';
import { benchArgs } from './args.js';
import { benchLayerSetup } from './lib/layer-setup.js';

interface GroupResult {
  rows: number;
  cols: number;
  copies: number;
  windowedUs: number;
  wholeUs: number;
  modelSaysWindowed: boolean;
}

interface LayerResult {
  layer: string;
  groups: GroupResult[];
  /** Seconds for the layer's copies: the cost model's choices, the faster way per group, all whole suffix. */
  chosenS: number;
  bestS: number;
  wholeS: number;
}

const args = benchArgs();


function errorModelSets(): { name: string; set: ErrorModelSet }[] {
  const sets = [{ name: 'shipped', set: loadErrorModelDir(join(ROOT, 'error_models')) }];
  const ref = referenceModelsDir();
  if (ref !== null) {
    for (const kind of ['warp', 'thread']) sets.push({ name: `reference ${kind}`, set: loadErrorModelDir(join(ref, `faulty_${kind}_models`)) });
  }
  return sets;
}

async function timeChunk(inj: LayerInjector, packed: ReturnType<typeof packFaults>): Promise<number> {
  const t0 = performance.now();
  await inj.runChunk(packed);
  return performance.now() - t0;
}

export async function main(): Promise<void> {
  const faults = args.count('--faults', 150);
  const out = mkdtempSync(join(tmpdir(), 'classes-bench-window-'));
  const sets = errorModelSets();
  const model = join(ROOT, 'test', 'fixtures', 'resnet-small.onnx');
  const data = join(ROOT, 'test', 'fixtures', 'resnet-small-inputs.npy');
  const settings = completeSettings([{ model, data, errorModels: join(ROOT, 'error_models'), faultsPerLayer: faults, inputs: 16, seed: 1, workers: availableParallelism(), out: join(out, 'run') }], {
    defaultErrorModels: join(ROOT, 'error_models'),
  });
  const setup = planCampaign(settings);
  const pm = await prepareModel(setup.loaded, setup.inputs);
  const only = args.opt('--layers')?.split(',').map(Number);
  const results: LayerResult[] = [];
  for (let l = 0; l < setup.targets.length; l++) {
    if (only !== undefined && !only.includes(l)) continue;
    const t = setup.targets[l];
    const g = await goldenForLayer(pm, t.output, setup.inputs, { provider: 'cpu', batch: 32, padBatches: false, earlyExit: 'off', window: 'on' });
    if (g.windowed === null) continue;
    const plan = g.windowed.plan;
    const [, H, W] = plan.tensors[0].sampleDims;
    const groups = new Map<number, { indices: Uint32Array; values: Float32Array; rows: number; cols: number }[]>();
    sets.forEach(({ set }, s) => {
      const em = set.models.get(t.errorModel!);
      if (em === undefined) return;
      const src = new GeneratedFaults(em, { layer: t.name, output: t.output, shape: toShape3(g.targetDims), range: g.range! }, 1 + s);
      for (let i = 0; i < faults; i++) {
        const f = src.fault(i);
        if (f.values.some((v) => Number.isNaN(v))) continue;
        const span = spanOfIndices(f.indices, 0, f.indices.length, H, W);
        const rows = spanSize(span.rows);
        const cols = spanSize(span.cols);
        const key = spanGroupKey(rows, cols, W); // the runner's own grouping
        let list = groups.get(key);
        if (list === undefined) groups.set(key, (list = []));
        list.push({ indices: f.indices, values: f.values, rows, cols });
      }
    });
    const run = { scoresName: pm.scoresName, inputs: setup.inputs.count, classify: { criteria: settings.criteria, topK: settings.topK, tolerance: settings.tolerance } };
    const injector = (windowed: boolean): Promise<LayerInjector> => LayerInjector.create(benchLayerSetup(l, g, run, { earlyExit: null, windowed: windowed ? g.windowed : null }));
    const windowedInj = await injector(true);
    const wholeInj = await injector(false);
    const layer: LayerResult = { layer: t.name, groups: [], chosenS: 0, bestS: 0, wholeS: 0 };
    for (const list of groups.values()) {
      const packed = packFaults(list);
      // Warm-up: each way's sessions and buffers for this span.
      await windowedInj.runChunk(packFaults(list.slice(0, 2)));
      await wholeInj.runChunk(packFaults(list.slice(0, 2)));
      const win: number[] = [];
      const whole: number[] = [];
      for (let rep = 0; rep < 2; rep++) {
        if (rep === 0) win.push(await timeChunk(windowedInj, packed));
        whole.push(await timeChunk(wholeInj, packed));
        if (rep === 1) win.push(await timeChunk(windowedInj, packed));
      }
      const copies = list.length * setup.inputs.count;
      // The runner decides per exact span; count each fault under the model's decision for it.
      const saysWindowed = list.filter((f) => windowedRunPays(plan, f.rows, f.cols)).length;
      const group: GroupResult = {
        rows: list.reduce((a, f) => a + f.rows, 0) / list.length,
        cols: list.reduce((a, f) => a + f.cols, 0) / list.length,
        copies,
        windowedUs: (Math.min(...win) * 1000) / copies,
        wholeUs: (Math.min(...whole) * 1000) / copies,
        modelSaysWindowed: saysWindowed * 2 >= list.length,
      };
      layer.groups.push(group);
      const perFault = setup.inputs.count / 1e6;
      layer.chosenS += perFault * (saysWindowed * group.windowedUs + (list.length - saysWindowed) * group.wholeUs);
      layer.bestS += (copies / 1e6) * Math.min(group.windowedUs, group.wholeUs);
      layer.wholeS += (copies / 1e6) * group.wholeUs;
    }
    await windowedInj.release();
    await wholeInj.release();
    results.push(layer);
    process.stderr.write(`  ${t.name}: model's choices ${layer.chosenS.toFixed(2)} s, best per group ${layer.bestS.toFixed(2)} s, all whole suffix ${layer.wholeS.toFixed(2)} s\n`);
  }
  await releaseWindowSessions();
  rmSync(out, { recursive: true, force: true });
  const sum = (k: 'chosenS' | 'bestS' | 'wholeS'): number => results.reduce((a, r) => a + r[k], 0);
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify({ errorModels: sets.map((s) => s.name), faults, layers: results }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    `window cost model on resnet-small, ${results.length} layers, ${faults} faults per layer from each of: ${sets.map((s) => s.name).join(', ')}; 16 inputs, one thread\n` +
      `  with the model's choices ${sum('chosenS').toFixed(2)} s; the faster way per span group ${sum('bestS').toFixed(2)} s ` +
      `(the model's choices take ${((sum('chosenS') / sum('bestS') - 1) * 100).toFixed(1)} % longer); every fault through the whole suffix ${sum('wholeS').toFixed(2)} s\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
