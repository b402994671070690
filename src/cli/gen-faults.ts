import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { ClassesError, usageError } from '../errors.js';
import { loadErrorModel, loadErrorModelDir } from '../error-models/index.js';
import type { FaultArchiveInfo, FaultLayerSpec } from '../faults/archive/index.js';
import { generateLayerFaults, layerSpecFromProfile, selectProfiledLayers, type LayerJob } from '../faults/fault-list-builder.js';
import { faultListFormat, FaultListWriter, MAX_FAULTS_PER_LAYER, type WrittenFaultList } from '../faults/faultlist.js';
import { assertWritable } from '../util/files.js';
import { defaultErrorModelsDir } from '../util/package-root.js';
import { readProfile } from '../profile/index.js';
import { loadModel, modelSha256 } from '../onnx/index.js';
import { sha256Hex } from '../util/hash.js';
import { printNotice, printWarning } from './output.js';
import { parseInteger, parseLayerNames, parseRange, parseShape } from './parse-args.js';

interface GenOpts {
  output?: string;
  force: boolean;
  seed: string;
  json: boolean;
  // model mode
  profile?: string;
  errorModels?: string;
  faultsPerLayer: string;
  layers?: string;
  // synthetic mode
  errorModel?: string;
  shape?: string;
  range?: string;
  count: string;
  layerName: string;
  outputName?: string;
}



function parseFaultCount(text: string, flag: string): number {
  const n = parseInteger(text, flag, 1);
  if (n > MAX_FAULTS_PER_LAYER) {
    throw usageError(`${flag} ${text}: at most ${MAX_FAULTS_PER_LAYER} faults per layer fit in memory; use a smaller count (a campaign rarely needs more than a few thousand)`);
  }
  return n;
}

/** Flags that only one mode reads; given in the other mode they would be silently ignored. */
const MODEL_ONLY: Record<string, { flag: string; instead: string }> = {
  profile: { flag: '--profile', instead: 'a synthetic layer takes --shape and --range' },
  layers: { flag: '--layers', instead: 'a synthetic layer is named with --layer-name' },
  errorModels: { flag: '--error-models', instead: 'a synthetic layer takes one --error-model file' },
  faultsPerLayer: { flag: '--faults-per-layer', instead: 'a synthetic layer takes --count' },
};
const SYNTHETIC_ONLY: Record<string, { flag: string; instead: string }> = {
  errorModel: { flag: '--error-model', instead: 'with a model file, --error-models names the folder of error models' },
  shape: { flag: '--shape', instead: 'with a model file, shapes come from --profile' },
  range: { flag: '--range', instead: 'with a model file, ranges come from --profile' },
  count: { flag: '--count', instead: 'with a model file, use --faults-per-layer' },
  layerName: { flag: '--layer-name', instead: 'with a model file, layers come from --profile (pick them with --layers)' },
  outputName: { flag: '--output-name', instead: 'with a model file, output names come from --profile' },
};

/**
 * Refuse a flag of the other mode. Given by the user, that is: --count and --faults-per-layer
 * have defaults, so the value alone does not tell.
 */
function refuseOtherMode(cmd: Command, flags: Record<string, { flag: string; instead: string }>, mode: 'model' | 'synthetic'): void {
  for (const [key, { flag, instead }] of Object.entries(flags)) {
    const source = cmd.getOptionValueSource(key);
    if (source === undefined || source === 'default') continue;
    if (mode === 'model') throw usageError(`${flag} belongs to the synthetic layer mode (--error-model) and would be ignored with a model file; ${instead}`);
    throw usageError(`${flag} belongs to the model file mode (MODEL --profile) and would be ignored for a synthetic layer; ${instead}`);
  }
}

/** A progress bar on a TTY, nothing otherwise. */
function progress(total: number): { tick: (done: number) => void; stop: () => void } {
  if (!process.stderr.isTTY || total < 200) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'generating faults [{bar}] {value}/{total} {eta_formatted}' }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { tick: (done) => (done % 50 === 0 || done === total) && bar.update(done), stop: () => bar.stop() };
}

function modelJobs(modelPath: string, opts: GenOpts, cmd: Command): { info: Omit<FaultArchiveInfo, 'seed'>; jobs: LayerJob[]; count: number } {
  refuseOtherMode(cmd, SYNTHETIC_ONLY, 'model');
  const count = parseFaultCount(opts.faultsPerLayer, '--faults-per-layer');
  if (!opts.profile) {
    throw usageError(`gen-faults needs the layer shapes and ranges of ${modelPath}: run \`classes profile ${modelPath} -o profile.json\` first, then pass --profile profile.json`);
  }
  const modelSha = modelSha256(loadModel(modelPath));
  const profile = readProfile(opts.profile);
  if (profile.modelSha256 !== modelSha) {
    throw usageError(`${opts.profile} was made for another model (its model sha256 differs from ${modelPath}); run classes profile again`);
  }
  const wanted = parseLayerNames(opts.layers, '--layers');
  const specs = new Map<string, FaultLayerSpec>();
  const layers = selectProfiledLayers(profile.layers, wanted).filter((l) => {
    try {
      specs.set(l.name, layerSpecFromProfile(l));
      return true;
    } catch (err) {
      // a layer the user named must work; others that cannot take faults are skipped
      if (wanted || !(err instanceof ClassesError)) throw err;
      printWarning(`skipped: ${err.message}`);
      return false;
    }
  });
  if (layers.length === 0) throw usageError(`${opts.profile} lists no layer that can take faults; nothing to inject`);
  const dir = opts.errorModels ?? defaultErrorModelsDir();
  const names = [...new Set(layers.map((l) => l.errorModel as string))];
  const set = loadErrorModelDir(dir, { only: names });
  return {
    info: { modelSha256: modelSha, errorModels: set.hashes() },
    jobs: layers.map((l) => ({ spec: specs.get(l.name) as FaultLayerSpec, model: set.require(l.errorModel as string) })),
    count,
  };
}

function syntheticJobs(opts: GenOpts, cmd: Command): { info: Omit<FaultArchiveInfo, 'seed'>; jobs: LayerJob[]; count: number } {
  refuseOtherMode(cmd, MODEL_ONLY, 'synthetic');
  if (!opts.shape || !opts.range) throw usageError('a synthetic layer needs --shape C,H,W and --range MIN,MAX with --error-model');
  const shape = parseShape(opts.shape);
  const range = parseRange(opts.range);
  // Faults hold float32 values: a bound beyond float32 (±3.4e38) would fail later as if a
  // profile were damaged; here it is the flag value that is wrong.
  if (!Number.isFinite(Math.fround(range.min)) || !Number.isFinite(Math.fround(range.max))) {
    throw usageError(`--range ${opts.range}: MIN and MAX must fit in float32 (magnitude at most 3.4e38), e.g. --range=-3,5`);
  }
  // An empty name is written but makes a list that cannot be read back.
  if (opts.layerName.trim() === '') throw usageError('--layer-name is empty; give the synthetic layer a name, e.g. --layer-name conv1');
  if (opts.outputName !== undefined && opts.outputName.trim() === '') throw usageError('--output-name is empty; give a tensor name or leave the flag out');
  const count = parseFaultCount(opts.count, '--count');
  const file = opts.errorModel as string;
  const model = loadErrorModel(file);
  const stem = basename(file).replace(/\.json$/i, '');
  return {
    info: { modelSha256: null, errorModels: { [stem]: model.sha256 ?? sha256Hex(readFileSync(file)) } },
    jobs: [{ spec: { name: opts.layerName, output: opts.outputName ?? opts.layerName, shape, range, errorModel: stem }, model }],
    count,
  };
}

function report(w: WrittenFaultList, seed: number, json: boolean): void {
  const ratio = w.bytes > 0 ? w.denseMaskBytes / w.bytes : 0;
  if (json) {
    process.stdout.write(JSON.stringify({ ok: true, output: w.path, format: w.format, seed, layers: w.layers, faults: w.totalFaults, bytes: w.bytes, denseMaskBytes: w.denseMaskBytes }) + '\n');
    return;
  }
  // Tiny layers (or JSONL text) can take more room than dense masks would: say so the right way round.
  const size = ratio >= 1.05 ? `1/${ratio.toFixed(1)} of the size of dense masks` : ratio > 1 / 1.05 ? 'about the size of dense masks' : `${(1 / ratio).toFixed(1)}x the size of dense masks`;
  printNotice(`wrote ${w.totalFaults} faults for ${w.layers} layer(s) to ${w.path} (${w.bytes} bytes, ${size})`);
}

export function registerGenFaults(program: Command): void {
  program
    .command('gen-faults')
    .description('generate a seeded fault list (.tar archive or .jsonl) for the layers of a model, or for one synthetic layer')
    .argument('[model]', 'ONNX model; its layers come from --profile')
    .requiredOption('-o, --output <file>', 'fault list to write: .tar (compact archive) or .jsonl (one fault per line)')
    .option('--profile <file>', 'profile.json of the model (from `classes profile`): layer shapes, ranges and error models')
    .option('--error-models <dir>', 'folder of CLASSES error-model JSON files (default: the models shipped with classes)')
    .option('--faults-per-layer <n>', `faults per layer (at most ${MAX_FAULTS_PER_LAYER})`, '1000')
    .option('--layers <names>', 'only these layers (comma-separated node or output names)')
    .option('--error-model <file>', 'synthetic layer: the error-model JSON file to sample')
    .option('--shape <C,H,W>', 'synthetic layer: per-sample output shape')
    .option('--range <MIN,MAX>', 'synthetic layer: operating range of the output (write --range=-3,5 or --range -3,5)')
    .option('--count <n>', `synthetic layer: number of faults (at most ${MAX_FAULTS_PER_LAYER})`, '1000')
    .option('--layer-name <name>', 'synthetic layer: its name in the fault list', 'synthetic')
    .option('--output-name <tensor>', 'synthetic layer: its output tensor name (default: the layer name)')
    .option('--seed <n>', 'seed; fault i of layer L depends only on (seed, L, i)', '0')
    .option('--force', 'replace the output file if it exists', false)
    .option('--json', 'print a JSON summary on stdout', false)
    .addHelpText(
      'after',
      `
Examples:
  $ classes profile campaigns/lenet5-mnist/model.onnx -o profile.json
  $ classes gen-faults campaigns/lenet5-mnist/model.onnx --profile profile.json \\
      --faults-per-layer 1000 --seed 42 -o faults.tar
  $ classes gen-faults model.onnx --profile profile.json --layers conv1,conv2 \\
      --error-models ~/.cache/classes/models/classes-gpu/faulty_warp_models -o faults.tar
  $ classes gen-faults --error-model conv_gemm.json --shape 16,8,8 --range -3,5 \\
      --count 2000 --seed 1 -o faults.jsonl

The same inputs and seed give a byte-identical file on any machine. Formats: docs/fault-list-format.md.`,
    )
    .action((model: string | undefined, opts: GenOpts, cmd: Command) => {
      const out = opts.output as string;
      faultListFormat(out, '-o');
      const seed = parseInteger(opts.seed, '--seed');
      // refuse early: a long generation must not end by failing to write
      assertWritable(out, opts.force);
      let plan;
      if (model) plan = modelJobs(model, opts, cmd);
      else if (opts.errorModel) plan = syntheticJobs(opts, cmd);
      else throw usageError('give a model file (with --profile), or --error-model with --shape and --range for a synthetic layer');
      const writer = new FaultListWriter(out, { seed, ...plan.info }, { force: opts.force });
      const bar = progress(plan.jobs.length * plan.count);
      let done = 0;
      try {
        // one layer at a time: its faults are encoded, then dropped
        for (const job of plan.jobs) writer.addLayer(job.spec, generateLayerFaults(job, seed, plan.count, () => bar.tick(++done)));
      } finally {
        bar.stop();
      }
      const written = writer.finish();
      report(written, seed, opts.json);
    });
}
