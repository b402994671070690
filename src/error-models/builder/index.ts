/** The error-model builder: classify corrupted tensors into a CLASSES error model. */
export { classifyTensor } from './classify.js';
export { classifySpatial } from './spatial.js';
export { toSparse, type SparseFault } from './sparse.js';
export { goldenRange, scanCorrupted } from './detect.js';
export { classifyValue } from './value-class.js';
export { domainOf } from './domain.js';
export { percentBucket, q10, q8 } from './buckets.js';
export { formatModelJson } from './json-format.js';
export { ModelAggregator, type AggregateOptions, type ErrorModelJson, type EntryJson, type ConfigurationJson } from './aggregate.js';
export {
  ErrorModelBuilder,
  buildErrorModelFromTensors,
  type BuildOptions,
  type BuildReport,
  type BuildResult,
  type RejectedTensor,
} from './builder.js';
export * from './types.js';
export {
  buildErrorModelFromCampaign,
  listCampaign,
  naturalCompare,
  type BatchListing,
  type CampaignOptions,
  type CampaignReport,
  type CampaignResult,
  type FileLayout,
} from './folder.js';
