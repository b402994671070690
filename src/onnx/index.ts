/** The ONNX graph layer: model I/O, graph index, injectable layers and graph rewrites. */
export * from './dtype.js';
export * from './model.js';
export * from './tensor.js';
export * from './build.js';
export * from './graph.js';
export * from './layers.js';
export * from './expose.js';
export * from './split.js';
export * from './batch.js';
export * from './weights-in-memory.js';
export type { ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto } from './gen/onnx_pb.js';
export * from './channels-last.js';
