/**
 * Run as a child process by providers.ts (webgpuProblem): opens a one-node model on the WebGPU
 * provider and runs it once. Dawn, under ONNX Runtime, prints its own diagnostics to the
 * process's stderr when it finds no usable adapter; in a child they stay out of the user's
 * terminal, and the parent prints one line. When WebGPU works it prints PROBE_OK; else it exits
 * with 1 and the error message as the last line of stdout.
 */
import { encodeModel, makeModel, makeNode, makeValueInfo } from '../onnx/index.js';
import { createSession } from './session.js';
import { PROBE_OK, WEBGPU_HINT } from './providers.js';

const model = encodeModel(
  makeModel({
    nodes: [makeNode('Relu', ['x'], ['y'])],
    inputs: [makeValueInfo('x', 1, [1, 4])],
    outputs: [makeValueInfo('y', 1, [1, 4])],
  }),
);
try {
  const session = await createSession(model, { provider: 'webgpu', label: 'WebGPU probe' });
  await session.run({ x: { type: 'float32', dims: [1, 4], data: Float32Array.from([-1, 0, 1, 2]) } }, ['y']);
  // Said before teardown: a native crash while the process exits must not read as "no WebGPU".
  process.stdout.write(`\n${PROBE_OK}\n`);
  await session.release();
  process.exitCode = 0;
} catch (err) {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  process.stdout.write(`\n${msg.startsWith('--provider webgpu:') ? msg : `--provider webgpu: ONNX Runtime could not run a model on WebGPU (${msg}); ${WEBGPU_HINT}`}\n`);
  process.exitCode = 1;
}
