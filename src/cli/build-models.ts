import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { runtimeError, usageError } from '../errors.js';
import { buildErrorModelFromCampaign, formatModelJson, type CampaignReport, type FileLayout } from '../error-models/builder/index.js';
import { assertWritable, sameFile, writeFileAtomic } from '../util/files.js';
import { printNotice, printWarning } from './output.js';
import { COLOR_KEY, TensorHeatmaps, assertHeatmapDirUsable } from '../viz/index.js';
import { parseInteger, parseRange } from './parse-args.js';

interface BuildModelsOpts {
  golden: string;
  faulty: string;
  output: string;
  layout: string;
  tolerance: string;
  range?: string;
  limit?: string;
  minClassCount: string;
  minConfigFrequency: string;
  report?: string;
  force: boolean;
  json: boolean;
  png?: string;
}

function parsePositive(text: string, flag: string, max = Infinity): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > max) {
    throw usageError(`${flag} ${text}: expected a number between 0 and ${max}, e.g. ${flag} 1e-3`);
  }
  return n;
}

function parseLayout(text: string): FileLayout {
  const v = text.trim().toUpperCase();
  if (v !== 'NCHW' && v !== 'NHWC') throw usageError(`--layout ${text}: expected nchw or nhwc`);
  return v;
}

/** A progress bar on a TTY, nothing otherwise. */
function progress(): { tick: (done: number, total: number) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { tick: () => {}, stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  return {
    tick: (done, total) => {
      if (total < 200) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'classifying tensors [{bar}] {value}/{total} {eta_formatted}' }, cliProgress.Presets.shades_classic);
        bar.start(total, 0);
      }
      if (done % 50 === 0 || done === total) bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

function summaryLines(report: CampaignReport, out: string): string[] {
  const patterns = report.patterns.filter((p) => p.kept > 0).length;
  const lines = [
    `wrote ${out}: ${report.kept} tensor${report.kept === 1 ? '' : 's'} in ${patterns} pattern${patterns === 1 ? '' : 's'} ` +
      `(${report.tensors} read, ${report.masked} masked, ${report.rejected} rejected)`,
  ];
  for (const p of [...report.patterns].sort((a, b) => b.kept - a.kept)) {
    lines.push(`  ${p.pattern.padEnd(34)} ${String(p.kept).padStart(7)}${p.kept !== p.classified ? ` (of ${p.classified} classified)` : ''}`);
  }
  const reasons = Object.entries(report.rejectedByReason);
  if (reasons.length > 0) lines.push(`  rejected: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  for (const b of report.batches) if (b.skipped) lines.push(`  skipped batch ${b.name}: ${b.skipped}`);
  return lines;
}

export function registerBuildModels(program: Command): void {
  program
    .command('build-models')
    .description('classify corrupted layer outputs of a fault-injection campaign into a CLASSES error model')
    .argument('<campaign-dir>', 'campaign folder: one sub-folder per batch, each with its golden file and faulty folder')
    .requiredOption('--golden <path>', 'golden tensor (.npy), relative to each batch folder, e.g. test/golden.npy')
    .requiredOption('--faulty <dir>', 'folder, relative to each batch folder, whose sub-folders hold the corrupted errorN.npy files')
    .requiredOption('-o, --output <file>', 'error-model JSON to write')
    .option('--layout <nchw|nhwc>', 'memory layout of the tensor files', 'nchw')
    .option('--tolerance <x>', 'a value is corrupted when |faulty - golden| >= x (NaN and Inf always are)', '1e-3')
    .option('--range <MIN,MAX>', 'range for in_range/out_of_range values (default: each golden tensor\'s min and max)')
    .option('--limit <n>', 'use only the first n batches (in name order)')
    .option('--min-class-count <n>', 'drop patterns (and merged rare configurations) with fewer tensors', '5')
    .option('--min-config-frequency <f>', 'merge parameter configurations rarer than this share of all tensors', '0.01')
    .option('--report <file>', 'also write the full report (every rejected tensor and why) as JSON')
    .option('--force', 'replace output files that exist', false)
    .option('--json', 'print the report summary as JSON on stdout', false)
    .option('--png <dir>', 'also draw corrupted-position heatmaps: one PNG per pattern, its first 4 classified tensors')
    .addHelpText(
      'after',
      `
Campaign layout (as the reference cnn-error-classifier reads it):
  <campaign-dir>/<batch>/<golden>                    e.g. conv_1/test/golden.npy
  <campaign-dir>/<batch>/<faulty>/<sub-batch>/*.npy  e.g. conv_1/test/fp32_wrv/error1.npy
Folders whose name starts with "_" are ignored.

Examples:
  $ classes build-models campaign/ --golden test/golden.npy --faulty test -o conv.json
  $ classes build-models campaign/ --golden out.npy --faulty faults --layout nhwc \\
      --range=-3,5 -o relu.json --report relu.report.json

The model follows docs/compatibility.md ("Error-model builder") and loads with
classes gen-faults and with the upstream CLASSES loader.`,
    )
    .action((root: string, opts: BuildModelsOpts) => {
      const layout = parseLayout(opts.layout);
      const tolerance = parsePositive(opts.tolerance, '--tolerance');
      const range = opts.range ? parseRange(opts.range) : undefined;
      const limit = opts.limit === undefined ? undefined : parseInteger(opts.limit, '--limit', 1);
      const minClassCount = parseInteger(opts.minClassCount, '--min-class-count', 1);
      const minConfigFrequency = parsePositive(opts.minConfigFrequency, '--min-config-frequency', 1);
      // Model folders are read by <operator>.json names (conv_gemm.json, relu.json, ...).
      if (!opts.output.toLowerCase().endsWith('.json')) throw usageError(`-o ${opts.output}: an error model is a .json file, found in a folder by its operator's name (e.g. conv_gemm.json); give a .json name`);
      assertWritable(opts.output, opts.force);
      if (opts.report !== undefined && sameFile(opts.report, opts.output)) {
        throw usageError(`--report ${opts.report} is the same file as -o: the report would replace the model; give it another name`);
      }
      if (opts.report) assertWritable(opts.report, opts.force);
      if (opts.png) assertHeatmapDirUsable(opts.png, opts.force);
      const pictures = opts.png ? new TensorHeatmaps({ tolerance }) : undefined;

      const bar = progress();
      let result;
      try {
        result = buildErrorModelFromCampaign(root, {
          golden: opts.golden,
          faulty: opts.faulty,
          layout,
          tolerance,
          range,
          limit,
          minClassCount,
          minConfigFrequency,
          onProgress: bar.tick,
          onTensor: pictures?.onTensor,
        });
      } finally {
        bar.stop();
      }
      const { model, report } = result;
      if (report.tensors === 0) {
        const high = report.strayFiles.length > 0 ? ` (${report.strayFiles.length} lie one level too high, e.g. ${report.strayFiles[0]})` : '';
        throw usageError(`no batch of ${root} has corrupted tensors (.npy files) in ${opts.faulty}/<sub-folder>/${high}; check --faulty (relative to each batch folder)`);
      }
      if (report.strayFiles.length > 0) {
        printWarning(`${report.strayFiles.length} .npy file(s) lie right in a --faulty folder without sub-folders, e.g. ${report.strayFiles[0]}, and were not read: corrupted tensors go one folder deeper, in ${opts.faulty}/<sub-folder>/`);
      }
      if (report.kept === 0) {
        // Say why most tensors were rejected (a golden file missing everywhere, say), with an example.
        const top = Object.entries(report.rejectedByReason).sort((a, b) => b[1] - a[1])[0];
        const example = top ? report.rejections.find((r) => r.reason === top[0]) : undefined;
        const why = top && example ? `; ${top[1]} rejected as ${top[0]}, e.g. ${example.detail}` : '';
        throw runtimeError(
          `no pattern of ${root} has ${minClassCount} or more classified tensors (${report.tensors} read, ${report.masked} masked, ` +
            `${report.rejected} rejected${why}); check --golden/--faulty/--layout/--tolerance, or lower --min-class-count`,
        );
      }
      writeFileAtomic(opts.output, formatModelJson(model));
      if (opts.report) writeFileAtomic(opts.report, JSON.stringify(report, null, 2) + '\n');
      if (pictures && opts.png) printNotice(`wrote ${pictures.write(opts.png, opts.force).length} heatmap(s) to ${opts.png}; ${COLOR_KEY}`);
      if (opts.json) {
        const { rejections: _rejections, ...summary } = report;
        process.stdout.write(JSON.stringify({ ok: true, output: opts.output, ...summary, rejections: report.rejections.length }) + '\n');
      } else {
        const [first, ...rest] = summaryLines(report, opts.output);
        printNotice(first);
        for (const line of rest) process.stderr.write(`${line}\n`);
      }
    });
}
