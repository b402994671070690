import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers.js';
import { tempDir } from '../campaign/fixtures.js';

// The Vulkan loader reads only the drivers these variables name, so pointing them at a file that
// does not exist leaves WebGPU without an adapter on any machine, a GPU machine or one with Mesa's
// software driver included.
const NO_VULKAN_DRIVER = { VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' };

test('without a usable WebGPU adapter, --provider webgpu is one line on stderr, exit 1', () => {
  for (const args of [['run-campaign', 'lenet5-mnist', '--provider', 'webgpu', '--faults-per-layer', '1', '--inputs', '1', '--out', join(tempDir('classes-webgpu-'), 'run')], ['profile', 'campaigns/lenet5-mnist/model.onnx', '--provider', 'webgpu']]) {
    const r = runCli(args, { env: NO_VULKAN_DRIVER });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^classes: error: --provider webgpu: .*or use --provider cpu$/);
  }
});
