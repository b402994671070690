// Run by session.test.ts in a worker thread: runs the LeNet-like model and posts the logits.
import { parentPort } from 'node:worker_threads';
import { float32Tensor, withSession } from '../../src/runtime/index.js';
import { inputs, lenetLike } from '../onnx/models.js';

const logits = await withSession(lenetLike(), {}, async (s) => (await s.run({ input: float32Tensor(inputs(1, 64, 9), [1, 1, 8, 8]) })).logits);
parentPort?.postMessage([...(logits.data as Float32Array)]);
