/**
 * Benchmark of fault-list compactness: bytes of a `.tar` fault list against the dense-mask size
 * (C·H·W bytes per fault, what upstream stores per fault). The target is a file at most
 * 1/20 of the dense size.
 *
 *   npx tsc -p . && node dist/bench/fault-list-size.js
 *
 * Cases: the shipped conv_gemm model on a 64×32×32 layer, and, where the reference CLASSES
 * models are found (like the tests find them), the warp and thread conv_gemm models.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadErrorModel } from '../src/error-models/index.js';
import { encodeFaultArchive } from '../src/faults/archive/index.js';
import { generateFaults, type LayerTarget } from '../src/faults/generator.js';
import { referenceModelsDir, repoPath } from '../test/helpers.js';

export interface SizeCase {
  name: string;
  faults: number;
  archiveBytes: number;
  denseBytes: number;
  ratio: number;
}

export function measureSize(name: string, modelPath: string, faults = 2000): SizeCase {
  const model = loadErrorModel(modelPath);
  const shape = { c: 64, h: 32, w: 32 };
  const target: LayerTarget = { layer: 'conv', output: 'conv_out', shape, range: { min: -5, max: 12 } };
  const list = generateFaults(model, target, 1, faults);
  const { chunks } = encodeFaultArchive({ seed: 1, modelSha256: null, errorModels: { [name]: model.sha256 ?? '' } }, [
    { info: { name: 'conv', output: 'conv_out', shape, range: target.range, errorModel: name }, faults: list },
  ]);
  const archiveBytes = chunks.reduce((n, c) => n + c.length, 0);
  const denseBytes = faults * shape.c * shape.h * shape.w;
  return { name, faults, archiveBytes, denseBytes, ratio: denseBytes / archiveBytes };
}

function main(): void {
  const cases: [string, string][] = [['shipped conv_gemm', repoPath('error_models', 'conv_gemm.json')]];
  const ref = referenceModelsDir();
  if (ref) {
    cases.push(['warp conv_gemm', join(ref, 'faulty_warp_models', 'conv_gemm.json')]);
    cases.push(['thread conv_gemm', join(ref, 'faulty_thread_models', 'conv_gemm.json')]);
  } else {
    console.log('reference CLASSES models not found: only the shipped model is measured');
  }
  console.log('fault-list size, 2000 faults on a 64x32x32 layer (dense mask = 65,536 bytes per fault)');
  for (const [name, path] of cases) {
    const r = measureSize(name, path);
    console.log(`${r.name.padEnd(18)} archive ${String(r.archiveBytes).padStart(9)} B   dense ${r.denseBytes} B   ${r.ratio.toFixed(1)}x smaller (target >= 20x)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
