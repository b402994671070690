import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, makeFloatTensor, makeModel, makeNode, makeValueInfo, type ModelProto } from '../../src/onnx/index.js';
import { createSession, webgpuChannelsLastHazards, webgpuLayoutFor, webgpuProblem } from '../../src/runtime/index.js';
import { loadNpy } from '../../src/data/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers.js';
import { LENET, LENET_DATA, RESNET, RESNET_DATA, tempDir } from '../campaign/fixtures.js';

/** One Conv: cin → cout channels, a k×k kernel (weights constant unless told), on 10×10 maps. */
function conv(cin: number, cout: number, k: number, opts: { group?: number; dynamicWeights?: boolean; identityWeights?: boolean; strides?: number[] } = {}): ModelProto {
  const group = opts.group ?? 1;
  const w = makeFloatTensor(opts.identityWeights ? 'w0' : 'w', [cout, cin / group, k, k], new Float32Array(cout * (cin / group) * k * k).fill(0.1));
  return makeModel({
    nodes: [
      // PyTorch exports often pass weights through an Identity: still constant.
      ...(opts.identityWeights ? [makeNode('Identity', ['w0'], ['w'])] : []),
      makeNode('Conv', ['x', 'w'], ['y'], { name: 'c', attrs: { kernel_shape: [k, k], group, ...(opts.strides ? { strides: opts.strides } : {}) } }),
    ],
    inputs: [makeValueInfo('x', 1, ['N', cin, 10, 10]), ...(opts.dynamicWeights ? [makeValueInfo('w', 1, [cout, cin / group, k, k])] : [])],
    outputs: [makeValueInfo('y', 1)],
    initializers: opts.dynamicWeights ? [] : [w],
  });
}

test('WebGPU layout: Convs with a multiple of 3 (not of 4) input channels and a multiple of 4 output channels need NCHW', () => {
  assert.deepEqual(webgpuChannelsLastHazards(conv(6, 16, 5)), ['c']);
  assert.deepEqual(webgpuChannelsLastHazards(conv(18, 8, 2)), ['c']);
  assert.deepEqual(webgpuChannelsLastHazards(conv(6, 16, 1, { strides: [2, 2] })), ['c'], 'a strided 1x1 Conv is no plain matrix product');
  assert.deepEqual(webgpuChannelsLastHazards(conv(6, 16, 3, { dynamicWeights: true })), ['c'], 'unknown channel counts count as a hazard');
  for (const [m, why] of [
    [conv(3, 16, 3), 'exactly 3 input channels read right'],
    [conv(8, 16, 3), 'a multiple of 4 input channels'],
    [conv(8, 16, 3, { identityWeights: true }), 'weights through an Identity are known'],
    [conv(9, 6, 3), 'output channels not a multiple of 4 take the scalar kernel'],
    [conv(6, 16, 1), '1x1: a matrix product'],
    [conv(12, 8, 3, { group: 2 }), 'grouped Convs take another kernel'],
  ] as const) {
    assert.deepEqual(webgpuChannelsLastHazards(m), [], why);
    assert.equal(webgpuLayoutFor(m), 'NHWC', why);
  }
  assert.equal(webgpuLayoutFor(conv(6, 16, 5)), 'NCHW');
  assert.deepEqual(webgpuChannelsLastHazards(loadModel(LENET).model), ['/conv2/Conv'], "LeNet-5's 6 → 16 Conv");
  assert.deepEqual(webgpuChannelsLastHazards(loadModel(RESNET).model), []);
});

// Where a WebGPU adapter exists (a GPU, or Mesa's software Vulkan driver as .ci/run installs it),
// the plain models must give the CPU's class scores on WebGPU.
const problem = webgpuProblem();
const noWebgpu = problem === null ? false : `no WebGPU adapter here (${problem.split(';')[0]})`;

async function maxDiffCpuWebgpu(path: string, data: string, count: number): Promise<{ diff: number; layout: string | undefined }> {
  const loaded = loadModel(path);
  const x = loadNpy(data);
  const sample = x.shape.slice(1);
  const per = sample.reduce((a, b) => a * b, 1);
  const feeds = { [loaded.model.graph!.input[0].name]: { type: 'float32' as const, dims: [count, ...sample], data: (x.data as Float32Array).slice(0, count * per) } };
  const scores: Record<string, Float32Array> = {};
  let layout: string | undefined;
  for (const provider of ['cpu', 'webgpu'] as const) {
    const s = await createSession(loaded, { provider });
    try {
      const out = loaded.model.graph!.output[0].name;
      scores[provider] = (await s.run(feeds, [out]))[out].data as Float32Array;
      if (provider === 'webgpu') layout = s.webgpuLayout;
    } finally {
      await s.release();
    }
  }
  let diff = 0;
  for (let i = 0; i < scores.cpu.length; i++) diff = Math.max(diff, Math.abs(scores.cpu[i] - scores.webgpu[i]));
  return { diff, layout };
}

test('on WebGPU, LeNet-5 (NCHW for its 6 → 16 Conv) and resnet-small (NHWC) give the CPU provider\'s scores', { skip: noWebgpu }, async () => {
  const lenet = await maxDiffCpuWebgpu(LENET, LENET_DATA, 16);
  assert.equal(lenet.layout, 'NCHW');
  assert.ok(lenet.diff < 1e-3, `LeNet-5 scores differ by ${lenet.diff}`);
  const resnet = await maxDiffCpuWebgpu(RESNET, RESNET_DATA, 4);
  assert.equal(resnet.layout, 'NHWC');
  assert.ok(resnet.diff < 1e-3, `resnet-small scores differ by ${resnet.diff}`);
});

test('run-campaign --provider webgpu on the built-in campaign: exit 0, its scores check against the CPU is clean, and the NaN notice', { skip: noWebgpu }, () => {
  const out = join(tempDir('classes-webgpu-campaign-'), 'run');
  const r = runCli(['run-campaign', 'lenet5-mnist', '--provider', 'webgpu', '--faults-per-layer', '3', '--inputs', '4', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^classes: --provider webgpu: its kernels do not carry NaN/m);
  assert.doesNotMatch(r.stderr, /differ from the CPU provider's/);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { providerVsCpu: { provider: string; maxAbsDiff: number; top1Changes: number }; totals: { rows: number } };
  assert.equal(manifest.providerVsCpu.provider, 'webgpu');
  assert.equal(manifest.providerVsCpu.top1Changes, 0);
  assert.ok(manifest.providerVsCpu.maxAbsDiff < 1e-3, `scores differ by ${manifest.providerVsCpu.maxAbsDiff}`);
  assert.equal((JSON.parse(r.stdout) as { runs: number }).runs, 8 * 3 * 4);
});
