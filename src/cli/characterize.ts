import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { runtimeError, usageError } from '../errors.js';
import {
  OPERATOR_NAMES,
  SITE_MIXES,
  assertOutputsWritable,
  characterizeCommand,
  characterizeOperator,
  parseOperatorList,
  writeModelFile,
  writeReadme,
  type OperatorResult,
  type SiteMix,
} from '../characterize/index.js';
import { onnxRuntimeVersion } from '../runtime/ort-version.js';
import { VERSION } from '../version.js';
import { printNotice } from './output.js';
import { parseInteger } from './parse-args.js';

interface CharacterizeCliOpts {
  output: string;
  ops: string;
  samples: string;
  seed: string;
  siteMix: string;
  force: boolean;
  json: boolean;
}

function parseSiteMix(text: string): SiteMix {
  if ((SITE_MIXES as readonly string[]).includes(text)) return text as SiteMix;
  throw usageError(`--site-mix must be one of ${SITE_MIXES.join(', ')} (got "${text}")`);
}

/** A progress bar over all samples of all operators, on a TTY only. */
function progress(total: number): { update: (done: number, op: string) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'characterize {op} [{bar}] {value}/{total} {eta_formatted}' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { op: '' });
  return { update: (done, op) => bar.update(done, { op }), stop: () => bar.stop() };
}

function summary(r: OperatorResult, file: string): Record<string, unknown> {
  return {
    op: r.op,
    file,
    samples: r.samples,
    masked: r.report.masked,
    classified: r.report.classified,
    kept: r.report.kept,
    patterns: Object.fromEntries(r.report.patterns.map((p) => [p.pattern, p.kept])),
    sites: r.sites,
  };
}

export function registerCharacterize(program: Command): void {
  program
    .command('characterize')
    .description('make CLASSES error models by our own CPU fault-injection campaign: single-bit flips into one-operator ONNX models')
    .requiredOption('-o, --output <dir>', 'folder for <op>.json (one per operator) and README.md')
    .option('--ops <list>', `operators: all, or a comma-separated list of ${OPERATOR_NAMES.join(', ')}`, 'all')
    .option('--samples <n>', 'single-bit faults injected per operator', '5000')
    .option('--seed <n>', 'seed; the same seed and samples give the same files', '1')
    .option('--site-mix <mix>', 'share of the fault sites: equal (each site the same) or elements (by element count)', 'equal')
    .option('--force', 'replace existing files in the output folder', false)
    .option('--json', 'print a JSON summary on stdout', false)
    .addHelpText(
      'after',
      `
Fault sites: one input element, one weight/parameter element, one output element and, for
Conv (computed as im2col x GEMM), one partial sum of the reduction. Each sample flips one bit,
uniform over the 32 bits of a float32. The folder's README.md says exactly how the models were
made. These are CPU models, not GPU measurements: for those, \`classes models pull classes-gpu\`.

Examples:
  $ classes characterize --ops all --samples 5000 --seed 1 -o error_models/
  $ classes characterize --ops conv_gemm,relu --samples 200 -o /tmp/models --json`,
    )
    .action(async (opts: CharacterizeCliOpts) => {
      const ops = parseOperatorList(opts.ops);
      const samples = parseInteger(opts.samples, '--samples', 1);
      const seed = parseInteger(opts.seed, '--seed');
      const siteMix = parseSiteMix(opts.siteMix);
      const dir = opts.output;
      // refuse early: a long campaign must not end by failing to write
      assertOutputsWritable(dir, ops, opts.force);
      const started = Date.now();
      const bar = progress(ops.length * samples);
      const results: OperatorResult[] = [];
      try {
        for (const [k, op] of ops.entries()) {
          results.push(await characterizeOperator(op, { samples, seed, siteMix, onProgress: (done) => bar.update(k * samples + done, op) }));
        }
      } finally {
        bar.stop();
      }
      // A model without patterns cannot generate faults, and the README describes the whole set:
      // write all of it or nothing, so that the suggested rerun finds no files in its way.
      const empty = results.filter((r) => r.report.kept === 0).map((r) => r.op);
      if (empty.length > 0) {
        throw runtimeError(`too few corrupted outputs to build ${empty.join(', ')} (no pattern seen often enough); nothing was written; raise --samples (e.g. --samples 1000)`);
      }
      const files = results.map((r) => writeModelFile(dir, r));
      const command = characterizeCommand({ ops: opts.ops, samples, seed, siteMix, outDir: dir });
      const readme = writeReadme(dir, { command, classesVersion: VERSION, onnxRuntimeVersion: onnxRuntimeVersion(), results });
      const seconds = (Date.now() - started) / 1000;
      if (opts.json) {
        process.stdout.write(JSON.stringify({ ok: true, output: dir, readme, seed, samples, siteMix, seconds, operators: results.map((r, i) => summary(r, files[i])) }) + '\n');
      } else {
        for (const [i, r] of results.entries()) {
          const pats = r.report.patterns.filter((p) => p.kept > 0).length;
          printNotice(`${r.op}: ${r.samples} faults, ${r.report.masked} masked, ${r.report.kept} in the model (${pats} pattern${pats === 1 ? '' : 's'}) → ${files[i]}`);
        }
        printNotice(`wrote ${files.length} error models and ${readme} in ${seconds.toFixed(1)} s`);
      }
    });
}
