/** The operators `classes characterize` knows, by model-file stem. */
import { usageError } from '../../errors.js';
import { OPERATOR_NAMES, type OperatorName, type OperatorVariant } from '../types.js';
import { clippedReluVariant, eluVariant, reluVariant, sigmoidVariant, tanhVariant } from './activation.js';
import { batchNormVariant } from './batchnorm.js';
import { biasAddVariant } from './bias-add.js';
import { convGemmVariants } from './conv-gemm.js';
import { avgPoolVariant, maxPoolVariant } from './pool.js';

const FACTORIES: Readonly<Record<OperatorName, () => OperatorVariant[]>> = {
  conv_gemm: convGemmVariants,
  maxpool: () => [maxPoolVariant()],
  avgpool: () => [avgPoolVariant()],
  batchnorm: () => [batchNormVariant()],
  relu: () => [reluVariant()],
  clipped_relu: () => [clippedReluVariant()],
  sigmoid: () => [sigmoidVariant()],
  tanh: () => [tanhVariant()],
  elu: () => [eluVariant()],
  bias_add: () => [biasAddVariant()],
};

/** The variants (graphs) of an operator; Conv has one per kernel size. */
export function operatorVariants(op: OperatorName): OperatorVariant[] {
  return FACTORIES[op]();
}

export function isOperatorName(name: string): name is OperatorName {
  return (OPERATOR_NAMES as readonly string[]).includes(name);
}

/** `all` or a comma-separated list of operator names → names in campaign order, de-duplicated. */
export function parseOperatorList(text: string, flag = '--ops'): OperatorName[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw usageError(`${flag} is empty; give all or some of: ${OPERATOR_NAMES.join(', ')}`);
  if (items.includes('all')) return [...OPERATOR_NAMES];
  for (const it of items) {
    if (!isOperatorName(it)) throw usageError(`${flag}: unknown operator "${it}"; use all or some of: ${OPERATOR_NAMES.join(', ')}`);
  }
  return OPERATOR_NAMES.filter((n) => items.includes(n));
}
