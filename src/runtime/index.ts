/** ONNX Runtime: sessions, providers, tensors, and the checks that need a live session. */
export * from './session.js';
export * from './tensors.js';
export * from './providers.js';
export * from './inspect.js';
export * from './batching.js';
export * from './split.js';
export * from './webgpu-layout.js';
