import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareProviderWithCpu, plainScores, prepareModel } from '../../src/campaign/golden.js';
import { loadNpy } from '../../src/data/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { LENET, LENET_DATA } from './fixtures.js';

// The GPU-vs-CPU check of GPU campaigns, exercised with CPU scores standing in for the GPU's
// (no GPU here): identical scores pass; perturbed ones report the difference and the top-1 flips.
test('the provider check reports how far scores are from the CPU provider, and top-1 changes', async () => {
  const loaded = loadModel(LENET);
  const x = loadNpy(LENET_DATA);
  const inputs = { data: (x.data as Float32Array).slice(0, 6 * 784), count: 6, sampleDims: [1, 28, 28] };
  const pm = await prepareModel(loaded, inputs);
  const cpu = await plainScores(pm, inputs, 'cpu', 4);
  const same = await compareProviderWithCpu(pm, inputs, cpu, 'webgpu', 4);
  assert.deepEqual(same, { provider: 'webgpu', maxAbsDiff: 0, top1Changes: 0 });

  const skewed = cpu.slice();
  skewed[3] += 0.5; // a small change that keeps input 0's top-1
  for (let k = 0; k < 10; k++) skewed[10 + k] = k === 0 ? 100 : 0; // input 1 now votes 0
  const r = await compareProviderWithCpu(pm, inputs, skewed, 'webgpu', 4);
  assert.ok(r.maxAbsDiff >= 0.5);
  assert.equal(r.top1Changes, cpu.subarray(10, 20).indexOf(Math.max(...cpu.subarray(10, 20))) === 0 ? 0 : 1);
});
