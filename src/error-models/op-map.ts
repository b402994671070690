import { usageError } from '../errors.js';

/**
 * Which CLASSES GPU model file (stem) an ONNX operator gets. It follows upstream's historic
 * module mapping (spec §5.1), extended to the operators upstream left unmapped or commented
 * out (activations, bias add, clipped ReLU), since the GPU model folders ship those files.
 */
export const CONV_STRATEGIES = ['conv_gemm', 'conv_fft', 'conv_win'] as const;
export type ConvStrategy = (typeof CONV_STRATEGIES)[number];

const OP_TO_MODEL: Readonly<Record<string, string>> = {
  MaxPool: 'maxpool',
  GlobalMaxPool: 'maxpool',
  AveragePool: 'avgpool',
  GlobalAveragePool: 'avgpool',
  BatchNormalization: 'batchnorm',
  Relu: 'relu',
  Clip: 'clipped_relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Elu: 'elu',
  BiasAdd: 'bias_add',
};

/** Every model stem an operator can map to, for listings and checks. */
export const MAPPED_MODEL_NAMES: readonly string[] = [...CONV_STRATEGIES, ...new Set(Object.values(OP_TO_MODEL))];

/**
 * The model stem for an ONNX `opType`, or null when the operator is not injectable.
 * `Add` maps to `bias_add` only when the caller has established that it adds a per-channel
 * constant after a convolution (`opts.biasAdd`); a plain residual Add is not a bias add.
 */
export function opToErrorModelName(
  opType: string,
  convStrategy: ConvStrategy = 'conv_gemm',
  opts: { biasAdd?: boolean } = {},
): string | null {
  if (opType === 'Conv') return convStrategy;
  if (opType === 'Add') return opts.biasAdd ? 'bias_add' : null;
  return OP_TO_MODEL[opType] ?? null;
}

/** Validate a `--conv-strategy` value. */
export function parseConvStrategy(value: string, flag = '--conv-strategy'): ConvStrategy {
  if ((CONV_STRATEGIES as readonly string[]).includes(value)) return value as ConvStrategy;
  throw usageError(`${flag} must be one of ${CONV_STRATEGIES.join(', ')} (got "${value}")`);
}
