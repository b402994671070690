/** `classes characterize`: our own CPU fault-injection campaign that makes CLASSES error models. */
export * from './types.js';
export { characterizeOperator, GROUP_SIZE, type CharacterizeOptions, type OperatorResult, type SiteTally, type VariantSummary } from './campaign.js';
export { operatorVariants, parseOperatorList, isOperatorName } from './operators/index.js';
export { drawInjection, siteWeights, siteElementCounts, locateParameter } from './sites.js';
export { flipBit, withFlippedBit } from './bits.js';
export { im2colIndices, convOutputSize, type ConvGeometry } from './operators/im2col.js';
export {
  formatModelJson,
  formatReadme,
  characterizeCommand,
  assertOutputsWritable,
  writeModelFile,
  writeReadme,
  modelFileName,
  readmeFileName,
  type ReadmeInput,
} from './write.js';
