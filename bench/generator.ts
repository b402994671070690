/**
 * Benchmark of the fault generator: faults per second for a 64×32×32 layer with the warp
 * `conv_gemm` model, one core. The target is >= 20,000 faults/s.
 *
 *   npx tsc -p . && node dist/bench/generator.js [--faults N] [--model FILE] [--json]
 *
 * The model defaults to the reference CLASSES warp conv_gemm.json (found like the tests do).
 * Both wall-clock and process CPU time are reported: on a shared machine the CPU figure is
 * the one that says what one core can do.
 */
import { pathToFileURL } from 'node:url';
import { loadErrorModel } from '../src/error-models/index.js';
import { generateFault, generateFaults, type LayerTarget } from '../src/faults/generator.js';
import { benchArgs } from './args.js';

export interface GeneratorBench {
  model: string;
  faults: number;
  meanCardinality: number;
  wallSeconds: number;
  cpuSeconds: number;
  faultsPerSecondWall: number;
  faultsPerSecondCpu: number;
  target: number;
}

export function benchGenerator(modelPath: string, faults = 20000): GeneratorBench {
  const model = loadErrorModel(modelPath);
  const target: LayerTarget = { layer: 'conv', output: 'conv_out', shape: { c: 64, h: 32, w: 32 }, range: { min: -5, max: 12 } };
  generateFaults(model, target, 'warm-up', 2000); // let the JIT settle
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let values = 0;
  for (let i = 0; i < faults; i++) values += generateFault(model, target, 42, i).indices.length;
  const wallSeconds = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  return {
    model: modelPath,
    faults,
    meanCardinality: values / faults,
    wallSeconds,
    cpuSeconds,
    faultsPerSecondWall: faults / wallSeconds,
    faultsPerSecondCpu: faults / cpuSeconds,
    target: 20000,
  };
}

function main(): void {
  const args = benchArgs();
  const faults = args.count('--faults', 20000);
  const model = args.referenceModel();
  const r = benchGenerator(model, faults);
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const verdict = r.faultsPerSecondCpu >= r.target ? 'meets' : 'BELOW';
  process.stdout.write(
    `${r.faults} faults on 64x32x32 (mean ${r.meanCardinality.toFixed(0)} values each): ` +
      `${r.faultsPerSecondWall.toFixed(0)}/s wall, ${r.faultsPerSecondCpu.toFixed(0)}/s CPU: ${verdict} the ${r.target}/s target\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
