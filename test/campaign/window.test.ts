import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputSpan, maxReachedSize, placeWindow, reachedOutputs, type SlideAxis, type Span } from '../../src/campaign/window/geometry.js';
import { planWindows, windowCosts, windowedRunPays, windowWork } from '../../src/campaign/window/plan.js';
import { fillCrop, HANDED_BACK, releaseWindowSessions, WindowedExecutor, type Win, type WindowCopy, type WindowedSetup } from '../../src/campaign/window/executor.js';
import { goldenForLayer, prepareModel, type InputBatch } from '../../src/campaign/golden.js';
import { packFaults } from '../../src/campaign/injector.js';
import { completeSettings, type RawSettings } from '../../src/campaign/settings.js';
import { planCampaign, runCampaign, windowMemoryNotice } from '../../src/campaign/runner.js';
import { OUTCOME_CODE } from '../../src/campaign/outcome.js';
import { decodeModel, encodeModel, loadModel, makeFloatTensor, makeInt64Tensor, makeModel, makeNode, makeValueInfo, splitAt, tensorFloat32, type LoadedModel, type TensorProto } from '../../src/onnx/index.js';
import { loadNpy } from '../../src/data/index.js';
import { createSession } from '../../src/runtime/index.js';
import { Rng } from '../../src/faults/rng.js';
import { densenetModel } from '../../bench/models/densenet.js';
import { LENET, LENET_DATA, RESNET, RESNET_DATA, classifierHead, convPoolClassifier, makeFault, randomFaultList, runLayerFaults, tempDir } from './fixtures.js';

// --- geometry, against brute force --------------------------------------------------------

/** Output indices whose kernel taps land in `input`, by trying every tap. */
function bruteReached(input: Span, a: SlideAxis, outSize: number): Span | null {
  let lo = Infinity;
  let hi = -1;
  for (let o = 0; o < outSize; o++) {
    for (let t = 0; t < a.kernel; t++) {
      const r = o * a.stride - a.padBegin + t * a.dilation;
      if (r >= input.lo && r <= input.hi) {
        lo = Math.min(lo, o);
        hi = Math.max(hi, o);
      }
    }
  }
  return hi < 0 ? null : { lo, hi };
}

test('window geometry: reached outputs, input crops and window sizes agree with brute force', () => {
  const rng = new Rng('window-geometry');
  for (let k = 0; k < 3000; k++) {
    const a: SlideAxis = { kernel: 1 + rng.index(5), stride: 1 + rng.index(3), dilation: 1 + rng.index(3), padBegin: rng.index(3) };
    const inSize = 4 + rng.index(30);
    const outSize = Math.floor((inSize + 2 * a.padBegin - ((a.kernel - 1) * a.dilation + 1)) / a.stride) + 1;
    if (outSize < 1) continue;
    const lo = rng.index(inSize);
    const span = { lo, hi: Math.min(inSize - 1, lo + rng.index(4)) };
    const got = reachedOutputs(span, a, outSize);
    assert.deepEqual(got, bruteReached(span, a, outSize), JSON.stringify({ a, inSize, span }));
    if (got !== null) {
      // the crop of an output window holds every input row its outputs read
      const crop = inputSpan(got, a);
      assert.equal(crop.lo, got.lo * a.stride - a.padBegin);
      assert.equal(crop.hi, got.hi * a.stride - a.padBegin + (a.kernel - 1) * a.dilation);
    }
    // the largest reach over every alignment of a span of this size
    const size = span.hi - span.lo + 1;
    let most = 0;
    for (let s = 0; s + size <= inSize; s++) {
      const r = bruteReached({ lo: s, hi: s + size - 1 }, a, outSize);
      if (r) most = Math.max(most, r.hi - r.lo + 1);
    }
    assert.ok(maxReachedSize(size, a, outSize) >= most, JSON.stringify({ a, size }));
  }
  // a window holds its span and stays inside the tensor
  assert.equal(placeWindow({ lo: 5, hi: 6 }, 4, 32), 5);
  assert.equal(placeWindow({ lo: 30, hi: 31 }, 4, 32), 28);
  assert.equal(placeWindow({ lo: 0, hi: 0 }, 32, 32), 0);
  // a strided 1x1 kernel steps over odd rows
  assert.equal(reachedOutputs({ lo: 5, hi: 5 }, { kernel: 1, stride: 2, dilation: 1, padBegin: 0 }, 16), null);
});

// --- plans -----------------------------------------------------------------------------------

async function resnetInputs(count: number): Promise<{ loaded: LoadedModel; inputs: InputBatch }> {
  const loaded = loadModel(RESNET);
  const x = loadNpy(RESNET_DATA);
  return { loaded, inputs: { data: (x.data as Float32Array).slice(0, count * 3072), count, sampleDims: [3, 32, 32] } };
}

test('crops: golden with the window written over it and the fill outside the tensor, against a position-by-position copy', () => {
  const rng = new Rng('fill-crop');
  for (let k = 0; k < 2000; k++) {
    const C = 1 + rng.index(4);
    const H = 1 + rng.index(7);
    const W = 1 + rng.index(7);
    const golden = Float32Array.from({ length: 2 * C * H * W }, () => rng.uniform(-1, 1));
    const goldenAt = rng.index(2) * C * H * W;
    // a window inside the tensor, or none
    let win: Win | null = null;
    if (rng.next() < 0.8) {
      const wr = rng.index(H);
      const wc = rng.index(W);
      const wh = 1 + rng.index(H - wr);
      const ww = 1 + rng.index(W - wc);
      win = { r0: wr, c0: wc, h: wh, w: ww, data: Float32Array.from({ length: wh * ww * C }, () => 100 + rng.uniform(0, 1)), off: -1 };
    }
    // a crop that may reach past every edge
    const r0 = rng.index(H + 4) - 2;
    const c0 = rng.index(W + 4) - 2;
    const h = 1 + rng.index(H + 2);
    const w = 1 + rng.index(W + 2);
    const fill = rng.next() < 0.5 ? 0 : -Infinity;
    const at = rng.index(3);
    const dst = new Float32Array(at + h * w * C).fill(NaN);
    fillCrop(dst, at, [C, H, W], golden, goldenAt, win, r0, c0, h, w, fill);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const r = r0 + i;
        const c = c0 + j;
        for (let ch = 0; ch < C; ch++) {
          let want: number;
          if (r < 0 || r >= H || c < 0 || c >= W) want = fill;
          else if (win !== null && r >= win.r0 && r < win.r0 + win.h && c >= win.c0 && c < win.c0 + win.w) want = win.data![((r - win.r0) * win.w + c - win.c0) * C + ch];
          else want = golden[goldenAt + (r * W + c) * C + ch];
          assert.equal(dst[at + (i * w + j) * C + ch], want, `case ${k} at (${r}, ${c}, ${ch})`);
        }
      }
    }
  }
});

test('plan: the residual model runs in segments (a Conv with its BatchNormalization and Relu), then a global tail', async () => {
  const { loaded, inputs } = await resnetInputs(2);
  const pm = await prepareModel(loaded, inputs);
  const plan = (target: string) => {
    const split = splitAt(pm.base, target, { tensorTypes: pm.types });
    return planWindows(split.suffix, target, split.boundary, pm.scoresName, pm.types);
  };
  const stem = plan('/stem/Conv_output_0');
  assert.ok('plan' in stem);
  assert.deepEqual(stem.plan.nodes.map((n) => n.opType), [
    'BatchNormalization+Relu',
    'Conv+BatchNormalization+Relu',
    'Conv+BatchNormalization+Add+Relu',
    'Conv+BatchNormalization+Relu',
    'Conv+BatchNormalization',
    'Conv+BatchNormalization+Add+Relu',
    'Conv+BatchNormalization+Relu',
    'Conv+BatchNormalization+Add+Relu',
  ]);
  assert.deepEqual(stem.plan.tailOps, ['GlobalAveragePool', 'Flatten', 'Gemm']);
  assert.deepEqual(stem.plan.nodes.map((n) => n.kind), ['elementwise', 'slide', 'slide', 'slide', 'slide', 'slide', 'slide', 'slide']);
  // the stem's Relu output feeds block 1 and its skip connection: read until block 1's Add
  const relu = stem.plan.tensors.findIndex((t) => t.name === '/Relu_output_0');
  assert.equal(stem.plan.lastUse[relu], 2);
  // only the tail reads the last block's output
  const last = stem.plan.tensors.findIndex((t) => t.name === '/block3/Relu_1_output_0');
  assert.equal(stem.plan.lastUse[last], stem.plan.nodes.length);
  // a point fault is cheaper windowed early in the network; a whole map is not
  assert.equal(windowedRunPays(stem.plan, 1, 1), true);
  assert.equal(windowedRunPays(stem.plan, 32, 32), false);
  // a fault over the whole map has windows as large as every map: the whole suffix's work
  const whole = windowWork(stem.plan, 32, 32);
  assert.equal(whole.windowMacs + whole.tailMacs, whole.wholeMacs);
  assert.equal(whole.calls, stem.plan.nodes.length);
  // and a wider span never costs less
  const costs = [1, 2, 4, 8, 16, 32].map((n) => windowCosts(windowWork(stem.plan, n, n)).windowed);
  assert.deepEqual(costs, [...costs].sort((a, b) => a - b));
  // nor holds less per copy (what bounds the copies of a windowed run, run-size.ts); the tail's
  // whole inputs are held whatever the span
  const held = [1, 2, 4, 8, 16, 32].map((n) => windowWork(stem.plan, n, n).largestElements);
  assert.deepEqual(held, [...held].sort((a, b) => a - b));
  assert.ok(held[0] >= stem.plan.tailInputElements);
  // a whole-map fault holds a whole map and the crop of its input: block 1's 16 x 32 x 32 and more
  assert.ok(held[5] > 2 * 16 * 32 * 32, `${held[5]}`);
  // a residual segment adds on channels-last: its skip input goes in as it comes, and only the
  // Conv's crop and result are transposed (ONNX Runtime folds both into its NCHWc reorders)
  const nodesOf = (m: Uint8Array) => decodeModel(m).graph!.node;
  const residual = nodesOf(stem.plan.nodes[2].model);
  assert.deepEqual(residual.map((n) => n.opType), ['Transpose', 'Conv', 'BatchNormalization', 'Transpose', 'Add', 'Relu']);
  const add = residual.find((n) => n.opType === 'Add')!;
  assert.deepEqual(add.input, ['/block1/bn2/BatchNormalization_output_0:nhwc', '/Relu_output_0:nhwc']);
  assert.deepEqual(residual[residual.length - 1].output, ['/block1/Relu_1_output_0:nhwc']);
  // a Conv, BatchNormalization and Relu keep their Relu before the transpose out (fused into the Conv)
  assert.deepEqual(nodesOf(stem.plan.nodes[1].model).map((n) => n.opType), ['Transpose', 'Conv', 'BatchNormalization', 'Relu', 'Transpose']);
  // BatchNormalization needs [C, H, W]; an Add and Relu alone need no transpose at all
  assert.deepEqual(nodesOf(stem.plan.nodes[0].model).map((n) => n.opType), ['Transpose', 'BatchNormalization', 'Relu', 'Transpose']);
  const bn2 = plan('/block1/bn2/BatchNormalization_output_0');
  assert.ok('plan' in bn2);
  assert.deepEqual(nodesOf(bn2.plan.nodes[0].model).map((n) => n.opType), ['Add', 'Relu']);
  // after the last block a global pooling comes first: nothing to window
  const late = plan('/block3/Relu_1_output_0');
  assert.ok('refused' in late && /GlobalAveragePool/.test(late.refused));
  await releaseWindowSessions();
});

// --- windowed runs against whole tensors -----------------------------------------------------

/** Random faults on a [C, H, W] target: a point, a bullet wake, a block, a row, in random places. */
function randomCopies(dims: number[], inputs: number, count: number, seed: string): WindowCopy[] {
  const [C, H, W] = dims;
  const rng = new Rng(seed);
  const pos = (c: number, r: number, q: number) => (c * H + r) * W + q;
  return Array.from({ length: count }, (_, k) => {
    const r = rng.index(H);
    const q = rng.index(W);
    const c = rng.index(C);
    let p: number[];
    switch (k % 4) {
      case 0:
        p = [pos(c, r, q)];
        break;
      case 1:
        p = Array.from({ length: C }, (_, cc) => pos(cc, r, q));
        break;
      case 2:
        p = [];
        for (let i = r; i < Math.min(H, r + 3); i++) for (let j = q; j < Math.min(W, q + 2); j++) p.push(pos(c, i, j));
        break;
      default:
        p = Array.from({ length: W }, (_, j) => pos(c, r, j));
    }
    // No NaN (such faults never run windowed); now and then a huge value whose overflow can make
    // a NaN further on, which hands the copy back to the whole suffix.
    const values = p.map(() => (rng.next() < 0.05 ? (rng.next() < 0.5 ? -3e38 : 3e38) : rng.uniform(-20, 20)));
    return { input: k % inputs, indices: Uint32Array.from(p), values: Float32Array.from(values) };
  });
}

async function windowedEqualsWhole(pm: Awaited<ReturnType<typeof prepareModel>>, inputs: InputBatch, target: string, faults: number): Promise<{ died: number; ran: number }> {
  const g = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, `${target}: ${g.windowRefused}`);
  const ex = await WindowedExecutor.create(g.windowed, 'cpu', g.externalData, target);
  const copies = randomCopies(g.targetDims, inputs.count, faults, target);
  const w = await ex.run(copies);
  const whole = await ex.run(copies, true);
  const C = g.windowed.classes;
  // The WebAssembly copy kernels give the JavaScript copies' results, bit for bit.
  const exKernels = await WindowedExecutor.create(g.windowed, 'cpu', g.externalData, target);
  assert.ok(exKernels.useKernels(), `${target}: kernels in use`);
  const wk = await exKernels.run(copies);
  await exKernels.release();
  assert.deepEqual(wk.row, w.row, `${target}: rows with kernels`);
  assert.deepEqual(new Uint32Array(wk.scores.buffer, wk.scores.byteOffset, wk.scores.length), new Uint32Array(w.scores.buffer, w.scores.byteOffset, w.scores.length), `${target}: scores with kernels`);
  const row = (r: typeof w, k: number) => (r.row[k] < 0 ? g.windowed!.scores.subarray(copies[k].input * C, (copies[k].input + 1) * C) : r.scores.subarray(r.row[k] * C, (r.row[k] + 1) * C));
  let died = 0;
  for (let k = 0; k < copies.length; k++) {
    // handed back in one way exactly when in the other: a NaN appeared from exact values
    assert.equal(w.row[k] === HANDED_BACK, whole.row[k] === HANDED_BACK, `${target} copy ${k}`);
    if (w.row[k] === HANDED_BACK) continue;
    assert.deepEqual(new Uint32Array(Float32Array.from(row(w, k)).buffer), new Uint32Array(Float32Array.from(row(whole, k)).buffer), `${target} copy ${k}`);
    if (w.row[k] === -1) died++;
  }
  return { died, ran: copies.length };
}

test('windowed runs give the scores of every node computed over whole tensors, bit for bit (residual model)', async () => {
  const { loaded, inputs } = await resnetInputs(3);
  const pm = await prepareModel(loaded, inputs);
  for (const target of ['/stem/Conv_output_0', '/Relu_output_0', '/block1/Relu_1_output_0', '/block2/down/down.0/Conv_output_0', '/block3/bn2/BatchNormalization_output_0']) {
    await windowedEqualsWhole(pm, inputs, target, 40);
  }
  await releaseWindowSessions();
});

test('windowed runs on LeNet-5 (MaxPool) equal whole tensors, and faults killed by its Relu die out', async () => {
  const loaded = loadModel(LENET);
  const x = loadNpy(LENET_DATA);
  const inputs = { data: (x.data as Float32Array).slice(0, 3 * 784), count: 3, sampleDims: [1, 28, 28] };
  const pm = await prepareModel(loaded, inputs);
  const { died } = await windowedEqualsWhole(pm, inputs, '/conv1/Conv_output_0', 60);
  assert.ok(died > 0, 'some faults die out at the Relu or the MaxPool');
  await windowedEqualsWhole(pm, inputs, '/MaxPool_output_0', 30);
  await releaseWindowSessions();
});

/** A model built in code, prepared for a campaign, with `count` seeded inputs in [-1, 1]. */
async function builtModel(name: string, bytes: Uint8Array, count: number, sampleDims: number[]): Promise<{ pm: Awaited<ReturnType<typeof prepareModel>>; inputs: InputBatch }> {
  const loaded: LoadedModel = { path: `${name}.onnx`, bytes, model: decodeModel(bytes), externalData: [] };
  const rng = new Rng(`${name}-inputs`);
  const inputs = { data: Float32Array.from({ length: count * sampleDims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), count, sampleDims };
  return { pm: await prepareModel(loaded, inputs), inputs };
}

/** Seeded random weights for models built in code. */
function randomWeights(seed: string): (name: string, dims: number[]) => TensorProto {
  const rng = new Rng(seed);
  return (name, dims) => makeFloatTensor(name, dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-0.5, 0.5)));
}

/**
 * A model with what the residual fixture lacks: an even kernel with SAME_UPPER padding (one more
 * row and column after than before), a dilated convolution with uneven padding, a padded strided MaxPool (padding reads as -Infinity), an AveragePool counting its padding,
 * a per-channel Mul and an Add of two windowed branches.
 */
function exoticModel(): Uint8Array {
  const w = randomWeights('exotic-model');
  const nodes = [
    makeNode('Conv', ['x', 'w0', 'b0'], ['t'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
    makeNode('Conv', ['t', 'w1'], ['u'], { attrs: { kernel_shape: [4, 4], auto_pad: 'SAME_UPPER' } }),
    makeNode('Conv', ['u', 'w2'], ['d'], { attrs: { kernel_shape: [3, 3], dilations: [2, 2], pads: [2, 1, 2, 3] } }),
    makeNode('MaxPool', ['d'], ['m'], { attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } }),
    makeNode('AveragePool', ['m'], ['a'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 } }),
    makeNode('Mul', ['a', 'scale'], ['s']),
    makeNode('Add', ['s', 'm'], ['sum']),
    makeNode('Relu', ['sum'], ['r']),
    ...classifierHead('r'),
  ];
  return encodeModel(
    makeModel({
      nodes,
      inputs: [makeValueInfo('x', 1, ['N', 2, 13, 11])],
      outputs: [makeValueInfo('logits', 1, ['N', 5])],
      initializers: [w('w0', [4, 2, 3, 3]), w('b0', [4]), w('w1', [4, 4, 4, 4]), w('w2', [4, 4, 3, 3]), makeFloatTensor('scale', [4, 1, 1], [0.5, -1, 2, 0.25]), w('fc', [5, 4])],
    }),
  );
}

test('windowed runs of SAME-padded, dilated, strided and padded pooling nodes equal whole tensors', async () => {
  const { pm, inputs } = await builtModel('exotic', exoticModel(), 3, [2, 13, 11]);
  const { ran } = await windowedEqualsWhole(pm, inputs, 't', 80);
  assert.equal(ran, 80);
  await windowedEqualsWhole(pm, inputs, 'u', 40);
  await windowedEqualsWhole(pm, inputs, 'd', 40);
  await releaseWindowSessions();
});

/**
 * A residual block whose Add is followed by a scalar Mul and a Relu, with a per-channel Mul
 * before it: the Add, scalar Mul and Relu can run channels-last, the per-channel Mul cannot.
 */
function channelsLastModel(): Uint8Array {
  const w = randomWeights('channels-last-model');
  return encodeModel(
    makeModel({
      nodes: [
        makeNode('Conv', ['x', 'w0'], ['t'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Relu', ['t'], ['r']),
        makeNode('Conv', ['r', 'w1'], ['a'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Relu', ['a'], ['b']),
        makeNode('Conv', ['b', 'w2'], ['c'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Mul', ['c', 'scale'], ['m']),
        makeNode('Add', ['m', 'r'], ['s']),
        makeNode('Mul', ['s', 'half'], ['h']),
        makeNode('Relu', ['h'], ['o']),
        ...classifierHead('o'),
      ],
      inputs: [makeValueInfo('x', 1, ['N', 3, 9, 10])],
      outputs: [makeValueInfo('logits', 1, ['N', 3])],
      initializers: [w('w0', [4, 3, 3, 3]), w('w1', [4, 4, 3, 3]), w('w2', [4, 4, 3, 3]), makeFloatTensor('scale', [4, 1, 1], [0.5, -1, 2, 0.25]), makeFloatTensor('half', [], [0.5]), w('fc', [3, 4])],
    }),
  );
}

test('element-wise nodes after a residual Add run channels-last; a per-channel Mul stays before the transpose; scores unchanged', async () => {
  const { pm, inputs } = await builtModel('channels-last', channelsLastModel(), 3, [3, 9, 10]);
  const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, String(g.windowRefused));
  const ops = (k: number) => decodeModel(g.windowed!.plan.nodes[k].model).graph!.node.map((n) => n.opType);
  assert.deepEqual(ops(0), ['Relu']);
  assert.deepEqual(ops(1), ['Transpose', 'Conv', 'Relu', 'Transpose']);
  assert.deepEqual(ops(2), ['Transpose', 'Conv', 'Mul', 'Transpose', 'Add', 'Mul', 'Relu']);
  // the windowed graph computes what the model computes: its golden scores are the suffix's
  const C = g.windowed.classes;
  for (let k = 0; k < inputs.count * C; k++) assert.ok(Math.abs(g.windowed.scores[k] - g.golden[k]) <= 1e-5, `score ${k}`);
  await windowedEqualsWhole(pm, inputs, 't', 40);
  await releaseWindowSessions();
});

/** Two branches joined by a Concat along channels, then a Conv and a global tail. */
function concatModel(inputDims: (number | string)[] = ['N', 3, 10, 12]): Uint8Array {
  const w = randomWeights('concat-model');
  return encodeModel(
    makeModel({
      nodes: [
        makeNode('Conv', ['x', 'w0'], ['t'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Relu', ['t'], ['r']),
        makeNode('Conv', ['r', 'wa'], ['a'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Conv', ['r', 'wb'], ['b'], { attrs: { kernel_shape: [1, 1] } }),
        makeNode('Concat', ['a', 'b'], ['cat'], { attrs: { axis: 1 } }),
        makeNode('Conv', ['cat', 'wc'], ['c'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        ...classifierHead('c'),
      ],
      inputs: [makeValueInfo('x', 1, inputDims)],
      outputs: [makeValueInfo('logits', 1, ['N', 4])],
      initializers: [w('w0', [4, 3, 3, 3]), w('wa', [3, 4, 3, 3]), w('wb', [2, 4, 1, 1]), w('wc', [4, 5, 3, 3]), w('fc', [4, 4])],
    }),
  );
}

test('a Concat along channels runs windowed, channels-last, in the segment of the branch it ends', async () => {
  const { pm, inputs } = await builtModel('concat', concatModel(), 2, [3, 10, 12]);
  const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, String(g.windowRefused));
  const plan = g.windowed.plan;
  assert.deepEqual(plan.nodes.map((n) => n.opType), ['Relu', 'Conv', 'Conv+Concat', 'Conv']);
  assert.deepEqual(plan.tailOps, ['GlobalAveragePool', 'Flatten', 'Gemm']);
  assert.deepEqual(plan.tensors[plan.nodes[2].output].sampleDims, [5, 10, 12]);
  // the Conv's branch is turned back to channels-last; the Concat joins it with the other branch along the last axis
  const seg = decodeModel(plan.nodes[2].model).graph!.node;
  assert.deepEqual(seg.map((n) => n.opType), ['Transpose', 'Conv', 'Transpose', 'Concat']);
  assert.equal(Number(seg[3].attribute.find((a) => a.name === 'axis')!.i), 3);
  const { ran } = await windowedEqualsWhole(pm, inputs, 't', 60);
  assert.equal(ran, 60);
  await windowedEqualsWhole(pm, inputs, 'b', 30);
  await releaseWindowSessions();
});

test('a model exported with dynamic rows and columns runs windowed: the data give every layer its shape', async () => {
  const { pm, inputs } = await builtModel('concat-dynamic', concatModel(['N', 3, 'H', 'W']), 2, [3, 10, 12]);
  assert.deepEqual(pm.types.get('cat')!.dims.slice(1), [5, 10, 12]);
  const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, String(g.windowRefused));
  const { ran } = await windowedEqualsWhole(pm, inputs, 't', 30);
  assert.equal(ran, 30);
  await releaseWindowSessions();
});

/**
 * What exports add around pooling and padding: a Pad with a constant of 0.5 and uneven padding
 * before a Conv (TensorFlow's SAME padding on strides), a Pad of size 0 before an AveragePool
 * (PyTorch's AvgPool2d), and a BatchNormalization whose scale is an Identity of an initializer
 * (PyTorch exports equal parameters once). `reflect` makes the first Pad one that cannot run on crops.
 */
function padModel(mode: 'constant' | 'reflect', opset = 13): Uint8Array {
  const w = randomWeights('pad-model');
  // From opset 18 on, the first Pad names its axes (rows and columns, counted from the end) and pads only those.
  const firstPad = opset >= 18 ? ['t', 'hw_pads', 'half', 'hw_axes'] : mode === 'constant' ? ['t', 'pads', 'half'] : ['t', 'pads'];
  return encodeModel(
    makeModel({
      opset,
      nodes: [
        makeNode('Conv', ['x', 'w0'], ['t'], { attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } }),
        makeNode('Pad', firstPad, ['p'], { attrs: { mode } }),
        makeNode('Conv', ['p', 'w1'], ['u'], { attrs: { kernel_shape: [3, 3], strides: [2, 1] } }),
        makeNode('Pad', ['u', 'zeros'], ['z']),
        makeNode('AveragePool', ['z'], ['a'], { attrs: { kernel_shape: [2, 2], strides: [2, 2] } }),
        makeNode('Identity', ['ones'], ['bn.scale']),
        makeNode('BatchNormalization', ['a', 'bn.scale', 'beta', 'mean', 'var'], ['bn']),
        makeNode('Relu', ['bn'], ['r']),
        ...classifierHead('r'),
      ],
      inputs: [makeValueInfo('x', 1, ['N', 3, 9, 10])],
      outputs: [makeValueInfo('logits', 1, ['N', 3])],
      initializers: [
        w('w0', [4, 3, 3, 3]),
        makeInt64Tensor('pads', [8], [0, 0, 1, 2, 0, 0, 2, 1]),
        makeInt64Tensor('hw_pads', [4], [1, 2, 2, 1]),
        makeInt64Tensor('hw_axes', [2], [-2, -1]),
        makeFloatTensor('half', [], [0.5]),
        w('w1', [4, 4, 3, 3]),
        makeInt64Tensor('zeros', [8], [0, 0, 0, 0, 0, 0, 0, 0]),
        makeFloatTensor('ones', [4], [1, 1, 1, 1]),
        w('beta', [4]),
        w('mean', [4]),
        makeFloatTensor('var', [4], [0.5, 1, 1.5, 2]),
        w('fc', [3, 4]),
      ],
    }),
  );
}

test('Pads in constant mode run windowed (their constant outside the map); a reflecting Pad ends the windowed part', async () => {
  const { pm, inputs } = await builtModel('pad', padModel('constant'), 3, [3, 9, 10]);
  const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, String(g.windowRefused));
  const plan = g.windowed.plan;
  assert.deepEqual(plan.nodes.map((n) => n.opType), ['Pad', 'Conv', 'Pad', 'AveragePool+BatchNormalization+Relu']);
  assert.equal(plan.nodes[0].fill, 0.5);
  assert.deepEqual([plan.nodes[0].rows!.padBegin, plan.nodes[0].cols!.padBegin], [1, 2]);
  assert.deepEqual(plan.tensors[plan.nodes[0].output].sampleDims, [4, 12, 13]);
  // on crops a Pad copies its input: an Identity on the channels-last tensors, no Transpose
  assert.deepEqual(decodeModel(plan.nodes[0].model).graph!.node.map((n) => n.opType), ['Identity']);
  assert.deepEqual(plan.tailOps, ['GlobalAveragePool', 'Flatten', 'Gemm']);
  const { ran } = await windowedEqualsWhole(pm, inputs, 't', 80);
  assert.equal(ran, 80);
  await windowedEqualsWhole(pm, inputs, 'u', 40);

  // the same Pad at opset 18, given by its axes
  const axes = await builtModel('pad-axes', padModel('constant', 18), 2, [3, 9, 10]);
  const ga = await goldenForLayer(axes.pm, 't', axes.inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(ga.windowed, String(ga.windowRefused));
  assert.deepEqual([ga.windowed.plan.nodes[0].opType, ga.windowed.plan.nodes[0].fill, ga.windowed.plan.nodes[0].rows!.padBegin, ga.windowed.plan.nodes[0].cols!.padBegin], ['Pad', 0.5, 1, 2]);
  await windowedEqualsWhole(axes.pm, axes.inputs, 't', 40);

  const reflect = await builtModel('pad-reflect', padModel('reflect'), 2, [3, 9, 10]);
  const r = await goldenForLayer(reflect.pm, 't', reflect.inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(!r.windowed && /Pad/.test(String(r.windowRefused)), String(r.windowRefused));
  const later = await goldenForLayer(reflect.pm, 'u', reflect.inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(later.windowed, String(later.windowRefused));
  assert.deepEqual(later.windowed.plan.nodes.map((n) => n.opType), ['Pad', 'AveragePool+BatchNormalization+Relu']);
  await releaseWindowSessions();
});

test('a DenseNet as PyTorch exports it runs windowed from its first layer to the global pool, bit for bit', async () => {
  const { pm, inputs } = await builtModel('densenet', densenetModel(16), 2, [3, 16, 16]);
  const g = await goldenForLayer(pm, 'c0_out', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed, String(g.windowRefused));
  const ops = g.windowed.plan.nodes.map((n) => n.opType);
  assert.equal(ops.filter((o) => o.includes('Concat')).length, 12);
  assert.equal(ops.filter((o) => o === 'Pad').length, 2);
  assert.deepEqual(g.windowed.plan.tailOps, ['GlobalAveragePool', 'Flatten', 'Gemm']);
  const { ran } = await windowedEqualsWhole(pm, inputs, 'c0_out', 40);
  assert.equal(ran, 40);
  await windowedEqualsWhole(pm, inputs, 'trans0/pool_out', 30);
  await releaseWindowSessions();
});

/** Conv, Relu, then a global average pool and a classifier, at a given opset. */
function gapModel(opset: number): { bytes: Uint8Array; fc: Float32Array } {
  const w = randomWeights(`gap-model-${opset}`);
  let fc: TensorProto | undefined;
  const weight = (name: string, dims: number[]): TensorProto => {
    const t = w(name, dims);
    if (name === 'fc') fc = t;
    return t;
  };
  const bytes = encodeModel(convPoolClassifier({ opset, inputDims: [2, 6, 7], classes: 3, weight }));
  return { bytes, fc: tensorFloat32(fc!) };
}

test('a global average pool in the tail reads the channels-last input through a ReduceMean (opsets 13 and 18), with the same means', async () => {
  for (const opset of [13, 18]) {
    const { bytes, fc } = gapModel(opset);
    const { pm, inputs } = await builtModel(`gap-${opset}`, bytes, 2, [2, 6, 7]);
    const g = await goldenForLayer(pm, 't', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
    assert.ok(g.windowed, String(g.windowRefused));
    assert.deepEqual(g.windowed.plan.tailOps, ['GlobalAveragePool', 'Flatten', 'Gemm']);
    const tail = decodeModel(g.windowed.plan.tail);
    const ops = tail.graph!.node.map((n) => n.opType);
    assert.deepEqual(ops, ['ReduceMean', 'Transpose', 'Flatten', 'Gemm'], `opset ${opset}`);
    // the tail on channels-last values [N, H, W, C] gives fc · (mean of each channel)
    const session = await createSession(g.windowed.plan.tail, { provider: 'cpu', intraOpThreads: 1 });
    const rng = new Rng(`gap-tail-${opset}`);
    const x = Float32Array.from({ length: 2 * 6 * 7 * 4 }, () => rng.uniform(-2, 2));
    const inName = session.inputNames[0];
    const scores = (await session.run({ [inName]: { type: 'float32', dims: [2, 6, 7, 4], data: x } }, [session.outputNames[0]]))[session.outputNames[0]].data as Float32Array;
    await session.release();
    for (let n = 0; n < 2; n++) {
      const mean = [0, 1, 2, 3].map((c) => {
        let sum = 0;
        for (let p = 0; p < 42; p++) sum += x[(n * 42 + p) * 4 + c];
        return sum / 42;
      });
      for (let k = 0; k < 3; k++) {
        const want = mean.reduce((a, m, c) => a + m * fc[k * 4 + c], 0);
        assert.ok(Math.abs(scores[n * 3 + k] - want) < 1e-5, `opset ${opset}: score ${k} of sample ${n}: ${scores[n * 3 + k]} against ${want}`);
      }
    }
    // the same bits for a copy alone as in a batch (ONNX Runtime's ReduceMean sums a batch of 1 in
    // another order; the executor never runs the tail on one copy)
    const executor = await WindowedExecutor.create(g.windowed, 'cpu', g.externalData, `gap-${opset}`);
    assert.deepEqual(await executor.goldenScores(2, 1), g.windowed.scores);
    assert.deepEqual(await executor.goldenScores(2, 2), g.windowed.scores);
    await windowedEqualsWhole(pm, inputs, 't', 20);
  }
  await releaseWindowSessions();
});

// --- campaigns -------------------------------------------------------------------------------

const settings = (raw: RawSettings) => completeSettings([{ workers: 1, batch: 8, ...raw }], { defaultErrorModels: '/nonexistent' });

test('windowed campaigns: the same bytes whatever the workers and batch; outcomes match whole suffixes', async () => {
  const dir = tempDir('classes-window-');
  const list = await randomFaultList(dir, RESNET, 6, 11);
  const layers = ['/stem/Conv', '/block1/Relu', '/block2/conv2/Conv'];
  const run = async (name: string, extra: RawSettings) => {
    const out = join(dir, name);
    const r = await runCampaign(planCampaign(settings({ model: RESNET, data: RESNET_DATA, faults: list, layers, inputs: 3, out, ...extra })));
    return { csv: readFileSync(join(out, 'injections.csv'), 'utf8'), manifest: r.manifest };
  };
  const on1 = await run('on1', { window: 'on', workers: 1, batch: 8 });
  const on2 = await run('on2', { window: 'on', workers: 2, batch: 3 });
  assert.equal(on2.csv, on1.csv);
  // every copy runs windowed except faults with a NaN value (a tenth of these), which run the whole suffix
  const t = on1.manifest.totals;
  assert.ok(t.windowed > 0.7 * (t.runs - t.skippedWithoutRunning) && t.windowed < t.runs - t.skippedWithoutRunning, JSON.stringify(t));
  for (const l of on1.manifest.layers) assert.ok(l.windowed && 'nodes' in l.windowed, `${l.name}: ${JSON.stringify(l.windowed)}`);
  const off = await run('off', { window: 'off' });
  assert.equal(off.manifest.totals.windowed, 0);
  assert.deepEqual([on1.manifest.settings.window, off.manifest.settings.window], ['on', 'off']);
  for (const l of off.manifest.layers) assert.equal(l.windowed, null);
  // Windowed runs compute a graph fused differently from the whole suffix: the last bits of the
  // scores may differ, not the classes.
  const top1 = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',')[8]);
  assert.deepEqual(top1(on1.csv), top1(off.csv));
  const golden = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',')[7]);
  assert.deepEqual(golden(on1.csv), golden(off.csv));
});

test('a NaN that appears in a window (Inf - Inf) hands the copy back to the whole suffix, windowed or not', async () => {
  const { loaded, inputs } = await resnetInputs(2);
  const pm = await prepareModel(loaded, inputs);
  const g = await goldenForLayer(pm, '/Relu_output_0', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed);
  const ex = await WindowedExecutor.create(g.windowed, 'cpu', g.externalData, 'test');
  const [C, H, W] = g.targetDims;
  // one position in every channel, huge values of both signs: the next Conv overflows both ways
  const copies = [3e38, 1e30].flatMap((v) =>
    [0, 1].map((input) => ({ input, indices: Uint32Array.from({ length: C }, (_, c) => (c * H + 5) * W + 7), values: Float32Array.from({ length: C }, (_, c) => (c % 2 ? v : -v)) })),
  );
  for (const whole of [false, true]) {
    const r = await ex.run(copies, whole);
    assert.deepEqual([...r.row.subarray(0, 2)], [HANDED_BACK, HANDED_BACK]);
    assert.ok(r.row[2] >= 0 && r.row[3] >= 0, 'finite all the way: the tail ran');
  }
  await releaseWindowSessions();
});

test('windowed injector: a NaN runs the whole suffix and is non-finite, a value equal to golden is masked without running, a killed value dies out', async () => {
  const { loaded, inputs } = await resnetInputs(2);
  const pm = await prepareModel(loaded, inputs);
  const target = '/bn/BatchNormalization_output_0'; // the stem's Relu comes next
  const g = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(g.windowed);
  const gold = g.boundary[0].data as Float32Array;
  const per = gold.length / inputs.count;
  // positions where input 0 and input 1 are both negative: a more negative value dies at the Relu
  let neg = -1;
  for (let p = 0; p < per && neg < 0; p++) if (gold[p] < 0 && gold[per + p] < 0) neg = p;
  assert.ok(neg >= 0);
  const faults = [
    makeFault('/bn/BatchNormalization', target, 0, [100], [NaN]),
    makeFault('/bn/BatchNormalization', target, 1, [neg], [-1e6]),
    makeFault('/bn/BatchNormalization', target, 2, [7, 8], [gold[7], gold[8]]),
  ];
  const run = (windowed: WindowedSetup | null) => runLayerFaults(g, pm.scoresName, inputs.count, packFaults(faults), { batch: 4, windowed });
  const w = await run(g.windowed);
  const whole = await run(null);
  // the same outcome classes as the whole suffix, slot by slot
  assert.deepEqual([...w.outcome], [...whole.outcome]);
  assert.deepEqual([...w.faultyTop1], [...whole.faultyTop1]);
  // the NaN reaches the scores
  assert.deepEqual([...w.outcome.subarray(0, 2)], [OUTCOME_CODE['non-finite'], OUTCOME_CODE['non-finite']]);
  // the negative value dies at the Relu on both inputs: masked, without reaching the tail
  assert.deepEqual([...w.outcome.subarray(2, 4)], [OUTCOME_CODE.masked, OUTCOME_CODE.masked]);
  assert.equal(w.diedOut, 2);
  // fault 2 writes input 0's own values: masked without running there (on input 1 it runs)
  assert.equal(w.outcome[4], OUTCOME_CODE.masked);
  assert.equal(w.maxAbsDiff[4], 0);
  assert.equal(w.skipped, 1);
  // the NaN fault runs the whole suffix (where a NaN falls in a crop changes what a MaxPool or Relu makes of it)
  assert.equal(w.windowed, 3);
  assert.equal(whole.windowed, 0);
  await releaseWindowSessions();
});

test('golden memory: a layer whose golden tensors would pass the budget runs whole suffixes, and says how many inputs would fit', async () => {
  const { loaded, inputs } = await resnetInputs(3);
  const pm = await prepareModel(loaded, inputs);
  const target = '/block1/Relu_output_0';
  const free = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.ok(free.windowed, String(free.windowRefused));
  assert.equal(free.windowMaxInputs, null);
  const perInput = free.windowed.plan.tensors.reduce((a, t) => a + 4 * t.sampleDims.reduce((x, y) => x * y, 1), 0);
  // Room for exactly two inputs' golden tensors: three are refused, and the refusal says two fit.
  const tight = await goldenForLayer(pm, target, inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on', windowGoldenBudget: 2 * perInput + 3 });
  assert.equal(tight.windowed, null);
  assert.equal(tight.windowMaxInputs, 2);
  assert.match(String(tight.windowRefused), /golden tensors would take .* MiB for 3 inputs, over the .* MiB allowed/);
  assert.deepEqual(tight.golden, free.golden, 'the whole suffix golden does not change');
  const two = { ...inputs, count: 2, data: inputs.data.subarray(0, 2 * inputs.data.length / 3) };
  const fits = await goldenForLayer(await prepareModel(loaded, two), target, two, { provider: 'cpu', batch: 4, padBatches: false, window: 'on', windowGoldenBudget: 2 * perInput + 3 });
  assert.ok(fits.windowed, String(fits.windowRefused));
  // Other refusals say nothing of inputs.
  const late = await goldenForLayer(pm, '/GlobalAveragePool_output_0', inputs, { provider: 'cpu', batch: 4, padBatches: false, window: 'on' });
  assert.equal(late.windowed, null);
  assert.equal(late.windowMaxInputs, null);

  const line = windowMemoryNotice('/block1/Relu', String(tight.windowRefused), 2);
  assert.match(line, /^layer \/block1\/Relu: no windowed runs, every fault runs the whole suffix \(slower\): its golden tensors would take .*; with --inputs 2 or fewer they stay on \(said once: any later layer refused for this is listed in manifest\.json, layers\[\]\.windowed\.refused\)$/);
  assert.match(windowMemoryNotice('x', 'r', 0), /not even one input fits/);
});

test('a campaign whose layers pass the golden memory budget runs them as --window off does, with one notice', async () => {
  const dir = tempDir('classes-window-budget-');
  const list = await randomFaultList(dir, RESNET, 4, 13);
  const layers = ['/stem/Conv', '/block1/Relu', '/block2/conv2/Conv'];
  const plan = (name: string, window: 'on' | 'off') => planCampaign(settings({ model: RESNET, data: RESNET_DATA, faults: list, layers, inputs: 3, out: join(dir, name), window }));
  const tight = plan('tight', 'on');
  tight.windowGoldenBudget = 1;
  const notices: string[] = [];
  const r = await runCampaign(tight, { notice: (m) => notices.push(m) });
  const budget = notices.filter((m) => m.includes('no windowed runs'));
  assert.equal(budget.length, 1, notices.join('\n'));
  assert.match(budget[0], /^layer \/stem\/Conv: .*golden tensors would take .* for 3 inputs.*not even one input fits/);
  for (const l of r.manifest.layers) assert.ok(l.windowed && 'refused' in l.windowed && /golden tensors/.test(l.windowed.refused), JSON.stringify(l.windowed));
  assert.equal(r.manifest.totals.windowed, 0);
  await runCampaign(plan('off', 'off'));
  assert.equal(readFileSync(join(dir, 'tight', 'injections.csv'), 'utf8'), readFileSync(join(dir, 'off', 'injections.csv'), 'utf8'));
});
