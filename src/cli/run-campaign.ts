import type { Command } from 'commander';
import { addImageFlags, type ImageFlags } from './image-flags.js';
import cliProgress from 'cli-progress';
import { usageError } from '../errors.js';
import { completeSettings, parseShard, readCampaignFile, settingsFromFlags, type RawSettings } from '../campaign/settings.js';
import { planCampaign, runCampaign, type CampaignResult } from '../campaign/runner.js';
import { summaryTable } from '../report/table.js';
import { defaultErrorModelsDir, resolveCampaignArg } from '../util/package-root.js';
import { printNotice, printWarning } from './output.js';
import { releaseHeldLocks } from '../campaign/out-lock.js';
import { checkpointedUnits } from '../campaign/checkpoint.js';
import type { Manifest } from '../report/manifest.js';

interface RunOpts extends ImageFlags {
  model?: string;
  data?: string;
  labels?: string;
  errorModels?: string;
  faults?: string;
  layers?: string;
  faultsPerLayer?: string;
  margin?: string;
  confidence?: string;
  seed?: string;
  inputs?: string;
  provider?: string;
  out?: string;
  workers?: string;
  batch?: string;
  topK?: string;
  tolerance?: string;
  criteria?: string;
  mismatchesOnly?: boolean;
  window?: string;
  shard?: string;
  force?: boolean;
  json?: boolean;
}

const EXAMPLES = `
Examples:
  # the built-in campaign (LeNet-5 on MNIST), as the README shows it; from any folder: by name
  $ classes run-campaign campaigns/lenet5-mnist/campaign.json
  $ classes run-campaign lenet5-mnist

  # everything by flags
  $ classes run-campaign --model m.onnx --data x.npy --labels y.npy \\
      --error-models models/ --layers all --faults-per-layer 500 --seed 7 \\
      --inputs 64 --provider cpu --out results/

  # a stored fault list (.tar or .jsonl) instead of error models
  $ classes run-campaign --model m.onnx --data x.npy --faults faults.tar --out results/

  # statistical sample size per layer (Leveugle et al. 2009): ±1 % at 95 % confidence
  $ classes run-campaign campaign.json --faults-per-layer auto --margin 0.01 --confidence 0.95

  # shard 2 of 8 (run all eight, then: classes merge results/shard-*/ --out results/)
  $ classes run-campaign campaign.json --shard 2/8 --out results/shard-2

A campaign file holds the same settings as the flags (input paths relative to the file; "out"
relative to the working directory); flags override it. An interrupted run resumes when the
same command is run again; run again after it finished, it exits 0 and keeps the reports (they
would come out the same); other results are never replaced without --force.`;

/** The CLI's view of a finished campaign, for --json. */
function jsonSummary(r: CampaignResult): unknown {
  const m = r.manifest;
  const rate = (k: number): number => (m.totals.runs === 0 ? 0 : k / m.totals.runs);
  return {
    ok: true,
    out: r.out,
    files: r.files,
    campaign: m.campaign,
    shard: m.shard,
    resumed: r.resumed,
    alreadyDone: r.alreadyDone,
    runs: m.totals.runs,
    outcomes: { masked: m.totals.masked, 'sdc-safe': m.totals.sdcSafe, 'sdc-critical': m.totals.sdcCritical, 'non-finite': m.totals.nonFinite },
    rates: { masked: rate(m.totals.masked), 'sdc-safe': rate(m.totals.sdcSafe), 'sdc-critical': rate(m.totals.sdcCritical), 'non-finite': rate(m.totals.nonFinite) },
    layers: m.layers.map((l) => ({ layer: l.name, output: l.output, faults: l.faults })),
    elapsedMs: m.timing.elapsedMs,
    injectionsPerSecond: m.timing.injectionsPerSecond,
    planKey: m.planKey,
  };
}

/** A progress bar on a TTY (stderr), nothing otherwise. */
interface Progress {
  start: (total: number, done: number) => void;
  update: (done: number) => void;
  stop: () => void;
  /** Clear the bar's line so that a message can be printed; the bar redraws on its next update. */
  clearLine: () => void;
}

/** How far back the time left looks for its rate. */
const RECENT_MS = 20_000;

/** 75 s as "1m15s", 4000 s as "1h06m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function progressBar(enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { start: () => {}, update: () => {}, stop: () => {}, clearLine: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'injections [{bar}] {value}/{total} | {rate}/s | {left}', fps: 5, hideCursor: false },
    cliProgress.Presets.shades_classic,
  );
  let t0 = 0;
  let first = 0;
  let total = 0;
  let started = false;
  // (time, done) over the last RECENT_MS: the time left follows the recent rate, not the average
  // since the start, which the first layer's set-up (and its costlier suffix) holds down.
  const recent: [number, number][] = [];
  return {
    start: (n, done) => {
      t0 = performance.now();
      first = done;
      total = n;
      recent.length = 0;
      bar.start(n, done, { rate: '-', left: 'setting up' });
      started = true;
    },
    update: (done) => {
      const now = performance.now();
      const s = (now - t0) / 1000;
      recent.push([now, done]);
      while (recent.length > 2 && now - recent[0][0] > RECENT_MS) recent.shift();
      const [t1, d1] = recent[0];
      const perMs = now > t1 ? (done - d1) / (now - t1) : 0;
      const left = done === first ? 'setting up' : perMs > 0 ? `${formatDuration((total - done) / perMs / 1000)} left` : '…';
      bar.update(done, { rate: s > 0 && done > first ? Math.round((done - first) / s) : '-', left });
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
    clearLine: () => {
      if (started) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * The closing line: injections and the time of every attempt. The manifest's rate is the last
 * attempt's (its runs over its time), so after a resume it is said as that, not as the whole's.
 */
export function doneLine(m: Manifest, alreadyDone: boolean): string {
  const t = m.timing;
  const head = `${m.totals.runs} injections${m.shard ? ` (shard ${m.shard})` : ''} in ${(t.elapsedMs / 1000).toFixed(1)} s`;
  const attempts = t.attempts > 1 ? ` over ${t.attempts} attempts` : '';
  const rate = t.injectionsPerSecond > 0 ? (t.attempts > 1 ? ` (the last ran ${t.injectionsPerSecond} per second)` : `, ${t.injectionsPerSecond} per second`) : '';
  return head + attempts + (alreadyDone ? ` (an earlier run, ended ${t.endedAt})` : '') + rate;
}

/** What an interrupted run says: how to resume, or, stopped before its first checkpoint, that nothing was kept. */
export function interruptedMessage(signal: string, out: string): string {
  return checkpointedUnits(out) > 0
    ? `interrupted (${signal}); the work checkpointed in ${out} is kept: run the same command again to resume`
    : `interrupted (${signal}) before any work was checkpointed; nothing to resume: run the same command again to start`;
}

/**
 * Ctrl-C (SIGINT), or the SIGTERM a scheduler sends before it kills a task, stops the run at once
 * with a line saying how to go on. Nothing is lost that a kill -9 would not keep: the checkpoint
 * is at most half a second old and the same command resumes from it. The signal is then raised
 * again with its default action, so the process ends as killed by it (a shell reports 130 or
 * 143): process.exit() instead would tear ONNX Runtime down under a running session, which
 * aborted the process now and then. Returns the uninstaller.
 */
function stopOnSignals(out: string, bar: Progress): () => void {
  const handler = (signal: 'SIGINT' | 'SIGTERM'): void => {
    bar.stop();
    printNotice(interruptedMessage(signal, out));
    // The lock goes now: raising the signal below ends the process without an 'exit' event.
    releaseHeldLocks();
    uninstall();
    process.kill(process.pid, signal);
  };
  const uninstall = (): void => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return uninstall;
}

export function registerRunCampaign(program: Command): void {
  const cmd = program
    .command('run-campaign')
    .description('run a fault-injection campaign (layers × faults × inputs) and write injections.csv, summary.csv and manifest.json')
    .argument('[campaign]', 'campaign file (campaigns/*.json); flags override its settings')
    .option('--model <file>', 'ONNX model')
    .option('--data <file>', 'inputs: .npy [N, ...sample shape], or a folder of images')
    .option('--labels <file>', 'labels .npy (one integer class per input), reported next to each run')
    .option('--error-models <dir>', "folder of CLASSES error models (default: the package's error_models/)")
    .option('--faults <file>', 'a stored fault list (.tar or .jsonl) instead of error models')
    .option('--layers <names>', '"all" or comma-separated node or output tensor names', undefined)
    .option('--faults-per-layer <n|auto>', 'faults per layer (default 100, or every fault of --faults); auto sizes it by --margin and --confidence')
    .option('--margin <e>', 'error margin for --faults-per-layer auto (default 0.01)')
    .option('--confidence <c>', 'confidence level for --faults-per-layer auto (default 0.95)')
    .option('--seed <n>', 'seed of the generated faults (default 0)')
    .option('--inputs <n>', 'use the first N inputs of the data (default: all)')
    .option('--provider <name>', 'cpu, cuda (needs the CUDA provider installed) or webgpu (bundled; a GPU with Vulkan drivers) (default cpu)')
    .option('--out <dir>', 'output folder (default results/<campaign name>, or results/)')
    .option('--workers <n>', 'worker threads, each with one single-threaded session (default: the number of cores)')
    .option('--batch <n>', 'faulty copies stacked per suffix run, at most, or auto (default: 32 on the CPU, fewer where they would not fit in cache; auto on a GPU, chosen per layer); CPU results do not depend on it, GPU results may (a GPU resume or shard needs the same --batch)')
    .option('--top-k <k>', 'critical when the golden top-1 class leaves the faulty top-K (default 1)')
    .option('--tolerance <t>', 'differences <= T count as masked (default 0: bit-identical)')
    .option('--criteria <name>', "default, or classes: the reference CLASSES rule (see docs/campaign.md)")
    .option('--early-exit <mode>', 'off: run the whole suffix (default); auto: try stopping faults that die out a few nodes after the target (experimental; it did not pay on our fixtures)')
    .option('--window <mode>', 'auto: faults that touch a small part of the layer output run node by node on the windows they can reach, where that is faster (default on the CPU); on: wherever possible; off: every fault runs the whole suffix (default on a GPU)')
    .option('--mismatches-only', 'injections.csv keeps only rows whose top-1 changed or whose output is non-finite')
    .option('--shard <i/n>', 'run shard i of n (1-based); join the shards with classes merge')
    .option('--force', 'replace existing results (an unfinished run is otherwise resumed)')
    .option('--json', 'print a JSON summary on stdout (for CI) instead of the table')
    .addHelpText('after', EXAMPLES)
    .action(async (campaign: string | undefined, opts: RunOpts) => {
      const sources: RawSettings[] = [];
      if (campaign !== undefined) sources.push(readCampaignFile(resolveCampaignArg(campaign)));
      const flags = settingsFromFlags({ ...opts, mismatchesOnly: opts.mismatchesOnly ? true : undefined });
      sources.push(flags);
      if (campaign === undefined && (!flags.model || !flags.data)) {
        throw usageError('give a campaign file, or at least --model and --data (see classes run-campaign --help)');
      }
      const settings = completeSettings(sources, {
        defaultErrorModels: defaultErrorModelsDir(),
        shard: opts.shard !== undefined ? parseShard(opts.shard, '--shard') : null,
        force: opts.force ?? false,
        json: opts.json ?? false,
      });
      const bar = progressBar(true);
      const hooks = {
        notice: (m: string) => {
          bar.clearLine();
          printNotice(m);
        },
        warning: (m: string) => {
          bar.clearLine();
          printWarning(m);
        },
        progressStart: (total: number, done: number) => bar.start(total, done),
        progress: (done: number) => bar.update(done),
        progressStop: () => bar.stop(),
      };
      const setup = planCampaign(settings, hooks);
      const uninstall = stopOnSignals(settings.out, bar);
      let result: CampaignResult;
      try {
        result = await runCampaign(setup, hooks);
      } finally {
        uninstall();
      }
      if (settings.json) {
        process.stdout.write(JSON.stringify(jsonSummary(result), null, 2) + '\n');
        return;
      }
      const m = result.manifest;
      process.stdout.write(summaryTable(setup.plan.layers, result.counts));
      process.stdout.write(`\n${doneLine(m, result.alreadyDone)}\nresults: ${result.out}/{injections.csv,summary.csv,manifest.json}\n`);
    });
  // Last in --help: most inputs are .npy arrays.
  addImageFlags(cmd);
}
