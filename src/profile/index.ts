/** Layer profiling: shapes, operating ranges, non-finite counts and times (profile.json). */
export * from './types.js';
export * from './file.js';
export { profileModel, modelSampleShape, type ProfileInputs, type ProfileOptions } from './profile.js';
export { buildRangeModel, type RangeOutputs } from './range-graph.js';
export { meanKernelTimes } from './timing.js';
export { formatProfileTable, type TableStyle } from './table.js';
