/**
 * The plain approach on the whole machine the way the runner uses it: one worker thread per core,
 * each with its own single-threaded ONNX Runtime sessions, the faults of every layer dealt out
 * between them. The benchmark compares the runner with this, not only with one process whose
 * sessions use every core, because one thread per core is what a plain script would do too.
 *
 * Each worker plans the same campaign from the same settings (so it draws the same faults from the
 * same seed), takes every W-th of the first `faults` faults of each layer, and waits for the
 * start signal. As in the one-thread figure, only the faulty runs are timed (not the sessions'
 * creation nor the golden runs); the time is the slowest worker's.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { completeSettings, type RawSettings } from '../../src/campaign/settings.js';
import { planCampaign } from '../../src/campaign/runner.js';
import { prepareModel } from '../../src/campaign/golden.js';
import { plainApproach } from '../../src/campaign/baseline.js';
import { GeneratedFaults } from '../../src/campaign/fault-source.js';
import { toShape3 } from '../../src/faults/shape3.js';

/** A layer as the benchmark already measured it: shape and operating range fix its faults. */
export interface PlainLayer {
  shape: number[];
  range: { min: number; max: number };
}

interface Job {
  settings: RawSettings;
  defaultErrorModels: string;
  layers: PlainLayer[];
  faults: number;
  worker: number;
  workers: number;
}

type FromPlainWorker = { kind: 'ready' } | { kind: 'done'; runs: number; ms: number } | { kind: 'failed'; message: string };

/** Injections per second of the plain approach with `workers` threads running at once. */
export async function plainOnEveryCore(settings: RawSettings, defaultErrorModels: string, layers: PlainLayer[], faults: number, workers: number): Promise<{ perSec: number; runs: number }> {
  const threads = Array.from({ length: workers }, (_, worker) => new Worker(new URL(import.meta.url), { workerData: { settings, defaultErrorModels, layers, faults, worker, workers } satisfies Job }));
  const next = (w: Worker): Promise<FromPlainWorker> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: FromPlainWorker): void => {
        w.off('error', reject);
        if (m.kind === 'failed') reject(new Error(`plain worker: ${m.message}`));
        else resolve(m);
      };
      w.once('message', onMessage);
      w.once('error', reject);
    });
  try {
    await Promise.all(threads.map(next));
    const done = threads.map(next);
    for (const w of threads) w.postMessage('go');
    const results = (await Promise.all(done)).flatMap((m) => (m.kind === 'done' ? [m] : []));
    const runs = results.reduce((a, m) => a + m.runs, 0);
    // Like the one-thread figure, the faulty runs only: the slowest worker's sum of them.
    const ms = Math.max(...results.map((m) => m.ms));
    return { perSec: runs / (ms / 1000), runs };
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

async function workerMain(job: Job): Promise<void> {
  const port = parentPort!;
  try {
    const settings = completeSettings([job.settings], { defaultErrorModels: job.defaultErrorModels });
    const setup = planCampaign(settings);
    const pm = await prepareModel(setup.loaded, setup.inputs);
    const classify = { criteria: settings.criteria, topK: settings.topK, tolerance: settings.tolerance };
    const lists = setup.targets.map((t, l) => {
      const src = new GeneratedFaults(setup.models!.get(t.errorModel!)!, { layer: t.name, output: t.output, shape: toShape3(job.layers[l].shape), range: job.layers[l].range }, 1);
      const mine = [];
      for (let i = job.worker; i < job.faults; i += job.workers) mine.push(src.fault(i));
      return mine;
    });
    await new Promise<void>((resolve) => {
      port.once('message', () => resolve());
      port.postMessage({ kind: 'ready' } satisfies FromPlainWorker);
    });
    let runs = 0;
    let ms = 0;
    for (let l = 0; l < setup.targets.length; l++) {
      if (lists[l].length === 0) continue;
      ms += (await plainApproach(pm, setup.targets[l].output, setup.inputs, lists[l], { provider: 'cpu', classify })).ms;
      runs += lists[l].length * setup.inputs.count;
    }
    port.postMessage({ kind: 'done', runs, ms } satisfies FromPlainWorker);
  } catch (err) {
    port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromPlainWorker);
  }
}

if (!isMainThread) await workerMain(workerData as Job);
