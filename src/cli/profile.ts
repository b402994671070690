import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultErrorModelsDir } from '../util/package-root.js';
import cliProgress from 'cli-progress';
import { usageError } from '../errors.js';
import { assertWritable, sameFile, writeFileAtomic } from '../util/files.js';
import { channelsLastNotice, channelsLastTensors, GraphIndex, loadModel, CONV_STRATEGIES, type ConvStrategy } from '../onnx/index.js';
import { assertProviderAvailable, parseProvider } from '../runtime/providers.js';
import { imagePreprocessingFromFlags, loadInputs } from '../data/index.js';
import { addImageFlags, type ImageFlags } from './image-flags.js';
import { formatProfileTable, modelSampleShape, profileModel, profileToJson } from '../profile/index.js';
import { out, printNotice, printWarning } from './output.js';
import { parseLayerNames } from './parse-args.js';

interface ProfileFlags extends ImageFlags {
  data?: string;
  inputs?: string;
  layers?: string;
  all: boolean;
  convStrategy: string;
  provider: string;
  json: boolean;
  output?: string;
  force: boolean;
  seed: string;
}

function parseCount(text: string, flag: string): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${flag} ${text}: expected a whole number >= 1`);
  return n;
}

function parseConvStrategy(text: string): ConvStrategy {
  if ((CONV_STRATEGIES as readonly string[]).includes(text)) return text as ConvStrategy;
  throw usageError(`--conv-strategy must be one of ${CONV_STRATEGIES.join(', ')} (got "${text}")`);
}

export function registerProfile(program: Command): void {
  const cmd = program
    .command('profile')
    .description('list the injectable layers of an ONNX model with shapes, operating ranges and times')
    .argument('<model>', 'ONNX model file (.onnx; an external data file must sit next to it)')
    .option('--data <path>', 'real inputs: a .npy array [N, ...sample shape] or a folder of PNG/JPEG images (default: seeded random inputs)')
    .option('--inputs <n>', 'use at most N inputs (random inputs: how many to make, default 16)')
    .option('--layers <names>', 'comma-separated layers to profile, by node name or output tensor name')
    .option('--all', 'also list nodes that are not injectable', false)
    .option('--conv-strategy <s>', 'GPU convolution algorithm whose error model Conv layers get: gemm, fft or win', 'gemm')
    .option('--provider <p>', 'execution provider: cpu, cuda, webgpu, or auto (CUDA if installed, else CPU)', 'cpu')
    .option('--json', 'print the profile as one JSON object instead of a table', false)
    .option('-o, --output <file>', 'write the profile JSON to this file (for gen-faults and run-campaign)')
    .option('--force', 'overwrite the output file if it exists', false)
    .option('--seed <n>', 'seed of the random inputs used without --data', '1')
    .addHelpText(
      'after',
      `
Operating ranges (min and max over all inputs) are what out-of-range faults are measured
against: profile with real inputs (--data). Without --data, seeded random inputs are used and
a warning says so. Layers are named by ONNX node name; unnamed nodes are called
<OpType>_<index>. "ms" is the mean kernel time of the layer at batch 1 (ONNX Runtime's
profiler, no fusion), NaN/Inf counts non-finite output values over all inputs.

Examples:
  $ classes profile model.onnx --data inputs.npy
  $ classes profile model.onnx --data images/ --inputs 500 -o profile.json
  $ classes profile model.onnx --data inputs.npy --layers conv1,/layer1/relu --json
  $ classes profile model.onnx --all --conv-strategy fft --provider auto`,
    )
    .action(async (modelPath: string, flags: ProfileFlags) => {
      const convStrategy = parseConvStrategy(flags.convStrategy);
      const provider = parseProvider(flags.provider);
      const limit = flags.inputs === undefined ? undefined : parseCount(flags.inputs, '--inputs');
      if (!/^\d+$/.test(flags.seed.trim())) throw usageError(`--seed ${flags.seed}: expected a whole number`);
      const layers = parseLayerNames(flags.layers, '--layers');
      const imageOptions = imagePreprocessingFromFlags(flags);
      assertProviderAvailable(provider);
      if (flags.output !== undefined) {
        // Even with --force: the profile would replace what it was measured from.
        if (sameFile(flags.output, modelPath)) throw usageError(`-o ${flags.output} is the model itself; write the profile to another file (e.g. profile.json)`);
        if (flags.data !== undefined && sameFile(flags.output, flags.data)) throw usageError(`-o ${flags.output} is the --data file; write the profile to another file (e.g. profile.json)`);
        assertWritable(flags.output, flags.force);
      }

      const loaded = loadModel(modelPath);
      const inputs = loadInputs({
        imageOptions,
        path: flags.data,
        expectedShape: modelSampleShape(loaded.model, modelPath),
        limit,
        seed: Number(flags.seed),
      });
      // Said once the profile stands: a bad --layers (checked inside) must be the only line.
      const inputsWarning = inputs.warning;

      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: 'profiling [{bar}] {value}/{total} inputs', stream: process.stderr, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      bar?.start(inputs.count, 0);
      let profile;
      try {
        profile = await profileModel({
          model: loaded,
          inputs,
          layers,
          all: flags.all,
          convStrategy,
          provider,
          onWarning: (m) => {
            bar?.stop();
            printWarning(m);
          },
          onProgress: (done) => bar?.update(done),
        });
      } finally {
        bar?.stop();
      }
      if (inputsWarning !== undefined) printWarning(inputsWarning);
      // The shipped models cover conv_gemm only: say so now rather than at gen-faults.
      const convModel = `conv_${convStrategy}`;
      if (profile.layers.some((l) => l.errorModel === convModel) && !existsSync(join(defaultErrorModelsDir(), `${convModel}.json`))) {
        printWarning(`--conv-strategy ${convStrategy}: the shipped error models have no ${convModel}.json, so gen-faults will need --error-models with a folder that has one`);
      }
      const injectable = profile.layers.filter((l) => l.errorModel);
      const channelsLast = new Set(channelsLastTensors(new GraphIndex(loaded.model), injectable.map((l) => l.output)));
      if (channelsLast.size > 0) printWarning(channelsLastNotice(modelPath, injectable.filter((l) => channelsLast.has(l.output)).map((l) => l.name)));

      const json = profileToJson(profile);
      if (flags.output !== undefined) {
        writeFileAtomic(flags.output, json);
      }
      if (flags.json) {
        process.stdout.write(json);
      } else {
        const style = { header: (s: string) => out.bold(s), muted: (s: string) => out.dim(s), alert: (s: string) => out.red(s) };
        process.stdout.write(
          `${out.bold(modelPath)}  sha256 ${profile.modelSha256.slice(0, 12)}  ${profile.inputs} inputs from ${profile.inputSource ?? '?'}  provider ${profile.provider ?? '?'}\n`,
        );
        process.stdout.write(formatProfileTable(profile, style));
      }
      if (flags.output !== undefined) printNotice(`wrote ${flags.output}`);
    });
  // Last in --help: most inputs are .npy arrays.
  addImageFlags(cmd);
}
