/** CLASSES error models: types, validation, loading, and the ONNX operator → model mapping. */
export * from './types.js';
export { parseErrorModel, parseErrorModelText } from './parse.js';
export { loadErrorModel, loadErrorModelDir, ErrorModelSet } from './load.js';
export { opToErrorModelName, parseConvStrategy, CONV_STRATEGIES, MAPPED_MODEL_NAMES, type ConvStrategy } from './op-map.js';
export { PATTERN_REQUIRED_PARAMS, isPctParam, partnerName } from './pattern-params.js';
export { childPath } from './json-path.js';
