/**
 * Benchmark of the error-model builder: corrupted tensors classified per second for a
 * 64×32×32 layer, one core. The target is >= 2,000 tensors/s.
 *
 *   npx tsc -p . && node dist/bench/build-models.js [--tensors N] [--model FILE] [--json]
 *
 * The faults come from our generator with the reference warp conv_gemm model (found like the
 * tests do), or --model FILE. A pool of corrupted tensors is made first; the timed loop feeds
 * them to ErrorModelBuilder.add (dense scan, sparse classification, aggregation), with the
 * golden range given once, as the folder reader does per batch. Both wall-clock and process
 * CPU time are reported: on a shared machine the CPU figure says what one core can do.
 */
import { pathToFileURL } from 'node:url';
import { ErrorModelBuilder, goldenRange } from '../src/error-models/builder/index.js';
import { loadErrorModel } from '../src/error-models/index.js';
import { generateFault, type LayerTarget } from '../src/faults/generator.js';
import { benchArgs } from './args.js';

export interface BuildModelsBench {
  model: string;
  tensors: number;
  meanCorrupted: number;
  wallSeconds: number;
  cpuSeconds: number;
  tensorsPerSecondWall: number;
  tensorsPerSecondCpu: number;
  target: number;
}

const POOL = 64;

export function benchBuildModels(modelPath: string, tensors = 20000): BuildModelsBench {
  const model = loadErrorModel(modelPath);
  const shape = { c: 64, h: 32, w: 32 };
  const target: LayerTarget = { layer: 'conv', output: 'conv_out', shape, range: { min: -5, max: 12 } };
  const size = shape.c * shape.h * shape.w;
  const golden = new Float32Array(size);
  let x = 12345;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0; // a fixed LCG: the bench needs no seeded RNG of ours
    golden[i] = -5 + 17 * (x / 2 ** 32);
  }
  const pool: Float32Array[] = [];
  let corrupted = 0;
  for (let i = 0; i < POOL; i++) {
    const fault = generateFault(model, target, 'bench', i);
    const f = golden.slice();
    for (let j = 0; j < fault.indices.length; j++) f[fault.indices[j]] = fault.values[j];
    pool.push(f);
    corrupted += fault.indices.length;
  }
  const range = goldenRange(golden);
  const warm = new ErrorModelBuilder();
  for (let i = 0; i < 2000; i++) warm.add({ golden, faulty: pool[i % POOL], shape, range });

  const builder = new ErrorModelBuilder();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < tensors; i++) builder.add({ golden, faulty: pool[i % POOL], shape, range });
  builder.finish();
  const wallSeconds = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpuSeconds = (cu.user + cu.system) / 1e6;
  return {
    model: modelPath,
    tensors,
    meanCorrupted: corrupted / POOL,
    wallSeconds,
    cpuSeconds,
    tensorsPerSecondWall: tensors / wallSeconds,
    tensorsPerSecondCpu: tensors / cpuSeconds,
    target: 2000,
  };
}

function main(): void {
  const args = benchArgs();
  const tensors = args.count('--tensors', 20000);
  const model = args.referenceModel();
  const r = benchBuildModels(model, tensors);
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const verdict = r.tensorsPerSecondCpu >= r.target ? 'meets' : 'BELOW';
  process.stdout.write(
    `${r.tensors} tensors of 64x32x32 (mean ${r.meanCorrupted.toFixed(0)} corrupted values each): ` +
      `${r.tensorsPerSecondWall.toFixed(0)}/s wall, ${r.tensorsPerSecondCpu.toFixed(0)}/s CPU: ${verdict} the ${r.target}/s target\n`,
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
