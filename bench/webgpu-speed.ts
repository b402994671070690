/**
 * Plain batched inference on the CPU provider (every core) and on the WebGPU provider in both
 * layouts ONNX Runtime offers it (channels-last NHWC, its default, and NCHW, which classes
 * chooses for graphs with a Conv that 1.30's channels-last kernel gets wrong;
 * src/runtime/webgpu-layout.ts): milliseconds per batch (median), images per second, and the
 * largest score difference from the CPU. Skipped where WebGPU finds no adapter.
 *
 *   node dist/bench/webgpu-speed.js [--runs R] [MODEL.onnx@NxCxHxW ...]
 *
 * Without models: LeNet-5 (batch 1,024), the residual fixture (256) and bench/models/resnet64
 * (64), all with seeded inputs.
 */
import { cpus } from 'node:os';
import { loadModel, type LoadedModel } from '../src/onnx/index.js';
import { createSession, webgpuProblem, type SessionOptions } from '../src/runtime/index.js';
import { BENCH_SKIPPED, benchArgs } from './args.js';
import { resnet64Model, RESNET64_INPUT } from './models/resnet64.js';
import { seededInputs } from './models/seeded-inputs.js';
import { repoPath } from '../test/helpers.js';
import { decodeModel } from '../src/onnx/model.js';

interface Case {
  label: string;
  model: LoadedModel | Uint8Array;
  inputName: string;
  outputName: string;
  dims: number[];
}

function fileCase(spec: string, label?: string): Case {
  const at = spec.lastIndexOf('@');
  if (at < 0) throw new Error(`${spec}: give MODEL.onnx@NxCxHxW (the batch and sample shape)`);
  const loaded = loadModel(spec.slice(0, at));
  const graph = loaded.model.graph!;
  return { label: label ?? spec.slice(0, at).split('/').pop()!, model: loaded, inputName: graph.input[0].name, outputName: graph.output[0].name, dims: spec.slice(at + 1).split('x').map(Number) };
}

function defaultCases(): Case[] {
  const lenet = fileCase(`${repoPath('campaigns', 'lenet5-mnist', 'model.onnx')}@1024x1x28x28`, 'LeNet-5');
  const resnet = fileCase(`${repoPath('test', 'fixtures', 'resnet-small.onnx')}@256x3x32x32`, 'resnet-small');
  const r64 = resnet64Model();
  const g = decodeModel(r64).graph!;
  return [lenet, resnet, { label: 'resnet64 (bench)', model: r64, inputName: g.input[0].name, outputName: g.output[0].name, dims: [64, ...RESNET64_INPUT] }];
}

async function main(): Promise<void> {
  const problem = webgpuProblem();
  if (problem !== null) {
    process.stdout.write(`skipped: ${problem}\n`);
    process.exit(BENCH_SKIPPED);
  }
  const args = benchArgs();
  const runs = args.count('--runs', 10);
  const specs = process.argv.slice(2).filter((a, i, all) => a.includes('@') && all[i - 1] !== '--runs');
  const cases = specs.length > 0 ? specs.map((spec) => fileCase(spec)) : defaultCases();
  const variants: [string, SessionOptions][] = [
    [`cpu (${cpus().length} threads)`, { provider: 'cpu', intraOpThreads: cpus().length }],
    ['webgpu NHWC', { provider: 'webgpu', webgpuLayout: 'NHWC' }],
    ['webgpu NCHW', { provider: 'webgpu', webgpuLayout: 'NCHW' }],
  ];
  process.stdout.write(`| model | batch | provider | ms per batch (median of ${runs}) | images/s | largest score difference from the CPU |\n|---|---|---|---|---|---|\n`);
  for (const c of cases) {
    const feeds = { [c.inputName]: { type: 'float32' as const, dims: c.dims, data: seededInputs(`webgpu-speed-${c.label}`, c.dims.slice(1), c.dims[0]) } };
    let cpuScores: Float32Array<ArrayBufferLike> | undefined;
    for (const [name, options] of variants) {
      const s = await createSession(c.model, options);
      try {
        let scores: Float32Array<ArrayBufferLike> = new Float32Array(0);
        for (let i = 0; i < 2; i++) scores = (await s.run(feeds, [c.outputName]))[c.outputName].data as Float32Array; // warm-up: shaders, allocations
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          await s.run(feeds, [c.outputName]);
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        const ms = times[Math.floor(times.length / 2)];
        cpuScores ??= scores;
        let diff = 0;
        for (let i = 0; i < scores.length; i++) diff = Math.max(diff, Math.abs(scores[i] - cpuScores[i]));
        process.stdout.write(`| ${c.label} | ${c.dims[0]} | ${name} | ${ms.toFixed(2)} | ${Math.round((c.dims[0] / ms) * 1000)} | ${diff.toPrecision(3)} |\n`);
      } finally {
        await s.release();
      }
    }
  }
}

await main();
