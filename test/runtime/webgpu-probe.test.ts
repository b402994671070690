import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webgpuProblem } from '../../src/runtime/providers.js';
import { join } from 'node:path';
import { runCli } from '../helpers.js';
import { tempDir } from '../campaign/fixtures.js';

// Where WebGPU works there is nothing to check here (bench/gpu-check.sh covers that machine).
const problem = webgpuProblem();

test('without a usable WebGPU adapter, --provider webgpu is one line on stderr, exit 1', { skip: problem === null ? 'WebGPU works on this machine' : false }, () => {
  assert.match(problem!, /^--provider webgpu: .*or use --provider cpu$/);
  for (const args of [['run-campaign', 'lenet5-mnist', '--provider', 'webgpu', '--faults-per-layer', '1', '--inputs', '1', '--out', join(tempDir('classes-webgpu-'), 'run')], ['profile', 'campaigns/lenet5-mnist/model.onnx', '--provider', 'webgpu']]) {
    const r = runCli(args);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), [`classes: error: ${problem}`]);
  }
});
