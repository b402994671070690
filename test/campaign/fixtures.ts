/**
 * Fault lists for campaign tests that need no error-model files: seeded random faults (a few
 * positions, random values) for every injectable layer of a model, written as JSONL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphIndex, listLayers, loadModel, makeModel, makeNode, makeValueInfo, type NodeProto, type TensorProto } from '../../src/onnx/index.js';
import { inferTensorTypes } from '../../src/runtime/index.js';
import { writeFaultsJsonl } from '../../src/faults/jsonl.js';
import { Rng } from '../../src/faults/rng.js';
import type { Fault } from '../../src/faults/types.js';
import type { LayerGolden } from '../../src/campaign/golden.js';
import { LayerInjector, type ChunkResult, type PackedFaults } from '../../src/campaign/injector.js';
import type { WindowedSetup } from '../../src/campaign/window/executor.js';
import { repoPath } from '../helpers.js';

export const LENET = repoPath('campaigns', 'lenet5-mnist', 'model.onnx');
export const LENET_DATA = repoPath('campaigns', 'lenet5-mnist', 'inputs.npy');
export const LENET_LABELS = repoPath('campaigns', 'lenet5-mnist', 'labels.npy');
export const RESNET = repoPath('test', 'fixtures', 'resnet-small.onnx');
export const RESNET_DATA = repoPath('test', 'fixtures', 'resnet-small-inputs.npy');

export function makeFault(layer: string, output: string, index: number, indices: number[], values: number[]): Fault {
  return {
    layer,
    output,
    index,
    pattern: indices.length === 1 ? 'single' : 'same_row',
    params: {},
    indices: Uint32Array.from(indices),
    valueClasses: new Uint8Array(indices.length).fill(2),
    values: Float32Array.from(values),
  };
}

/** Layers (name, output, per-sample size) of a model's injectable layers. */
export async function injectableLayers(modelPath: string): Promise<{ name: string; output: string; size: number }[]> {
  const loaded = loadModel(modelPath);
  const layers = listLayers(new GraphIndex(loaded.model));
  const types = await inferTensorTypes(loaded.model, layers.map((l) => l.output));
  return layers.map((l) => {
    const dims = types.get(l.output)!.dims.slice(1).map((d) => (typeof d === 'number' ? d : 1));
    return { name: l.name, output: l.output, size: dims.reduce((a, b) => a * b, 1) };
  });
}

/** `perLayer` random faults per injectable layer (1-4 positions, values in [-8, 8], one NaN in ten). */
export async function randomFaultList(dir: string, modelPath: string, perLayer: number, seed = 1): Promise<string> {
  const faults: Fault[] = [];
  for (const l of await injectableLayers(modelPath)) {
    for (let i = 0; i < perLayer; i++) {
      const rng = Rng.forFault(seed, l.name, i);
      const k = 1 + rng.index(4);
      const idx = [...new Set(Array.from({ length: k }, () => rng.index(l.size)))].sort((a, b) => a - b);
      const vals = idx.map(() => (rng.next() < 0.1 ? NaN : rng.uniform(-8, 8)));
      faults.push(makeFault(l.name, l.output, i, idx, vals));
    }
  }
  const path = join(dir, `faults-${perLayer}.jsonl`);
  writeFaultsJsonl(path, faults);
  return path;
}

const made: string[] = [];
/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  if (made.length === 0) process.on('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/**
 * Run faults through one layer's injector, as a worker would (one chunk), with the default
 * outcome rules on the CPU; `windowed` and `earlyExit` come from the layer's golden unless given.
 */
export async function runLayerFaults(
  g: LayerGolden,
  scoresName: string,
  inputs: number,
  faults: PackedFaults,
  opts: { batch: number; windowed?: WindowedSetup | null; earlyExit?: boolean; handOver?: boolean },
): Promise<ChunkResult> {
  const inj = await LayerInjector.create({
    layerId: 0,
    suffix: g.suffix,
    boundary: g.boundary,
    scoresName,
    classes: g.classes,
    inputs,
    golden: g.golden,
    goldenTop1: g.goldenTop1,
    batch: g.batchDynamic ? opts.batch : 1,
    padBatches: false,
    classify: { criteria: 'default', topK: 1, tolerance: 0 },
    provider: 'cpu',
    earlyExit: opts.earlyExit === false ? null : g.earlyExit,
    windowed: opts.windowed === undefined ? g.windowed : opts.windowed,
    externalData: g.externalData,
    // The golden run's own session (LayerGolden.suffixSession), as the in-process pool hands it over.
    suffixSession: opts.handOver === true ? g.suffixSession : null,
  });
  try {
    return await inj.runChunk(faults);
  } finally {
    await inj.release();
  }
}

/** GlobalAveragePool, Flatten and Gemm (weights `fc`, [classes, channels]) from `from` to `logits`. */
export function classifierHead(from: string): NodeProto[] {
  return [
    makeNode('GlobalAveragePool', [from], ['g']),
    makeNode('Flatten', ['g'], ['f']),
    makeNode('Gemm', ['f', 'fc'], ['logits'], { attrs: { transB: 1 } }),
  ];
}

/**
 * The smallest classifier: Conv (3x3, same padding), Relu, GlobalAveragePool, Flatten, Gemm, with
 * a batch-dynamic input of `inputDims` ([C, H, W]) and `classes` scores. `weight` makes each
 * initializer (w0: the Conv's [4, C, 3, 3]; fc: [classes, 4]).
 */
export function convPoolClassifier(opts: { inputDims: number[]; classes: number; weight: (name: string, dims: number[]) => TensorProto; opset?: number }): ReturnType<typeof makeModel> {
  return makeModel({
    ...(opts.opset === undefined ? {} : { opset: opts.opset }),
    nodes: [
      makeNode('Conv', ['x', 'w0'], ['t'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
      makeNode('Relu', ['t'], ['r']),
      ...classifierHead('r'),
    ],
    inputs: [makeValueInfo('x', 1, ['N', ...opts.inputDims])],
    outputs: [makeValueInfo('logits', 1, ['N', opts.classes])],
    initializers: [opts.weight('w0', [4, opts.inputDims[0], 3, 3]), opts.weight('fc', [opts.classes, 4])],
  });
}
