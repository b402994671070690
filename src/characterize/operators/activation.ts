/**
 * Element-wise activations on 16×16×16: Relu, Sigmoid, Tanh, Elu (alpha 1, an attribute, so a
 * fault in alpha is a graph with another alpha) and Clip as ReLU6 (bounds 0 and 6, fed as
 * inputs, the `clipped_relu` of the reference models).
 */
import { normalArray } from '../random.js';
import type { OperatorName, OperatorVariant } from '../types.js';
import { simpleVariant } from './simple.js';

const C = 16;
const S = 16;
const SHAPE = { c: C, h: S, w: S };

function unary(op: OperatorName, opType: string): OperatorVariant {
  return simpleVariant({
    op,
    opType,
    description: `${opType}, ${C}×${S}×${S}`,
    dataDescription: 'input N(0, 2²)',
    input: SHAPE,
    output: SHAPE,
    drawData: (rng) => ({ input: normalArray(rng, C * S * S, 0, 2), params: {} }),
  });
}

export const reluVariant = (): OperatorVariant => unary('relu', 'Relu');
export const sigmoidVariant = (): OperatorVariant => unary('sigmoid', 'Sigmoid');
export const tanhVariant = (): OperatorVariant => unary('tanh', 'Tanh');

export function eluVariant(): OperatorVariant {
  return simpleVariant({
    op: 'elu',
    opType: 'Elu',
    description: `Elu, alpha 1.0 (a node attribute), ${C}×${S}×${S}`,
    dataDescription: 'input N(0, 2²); alpha 1.0',
    input: SHAPE,
    output: SHAPE,
    params: [{ name: 'alpha', dims: [1], kind: 'attribute' }],
    drawData: (rng) => ({ input: normalArray(rng, C * S * S, 0, 2), params: { alpha: Float32Array.of(1) } }),
  });
}

export function clippedReluVariant(): OperatorVariant {
  return simpleVariant({
    op: 'clipped_relu',
    opType: 'Clip',
    description: `Clip to [0, 6] (ReLU6; bounds fed as scalar inputs), ${C}×${S}×${S}`,
    dataDescription: 'input N(1, 3²); bounds 0 and 6',
    input: SHAPE,
    output: SHAPE,
    params: [
      { name: 'min', dims: [], kind: 'input' },
      { name: 'max', dims: [], kind: 'input' },
    ],
    drawData: (rng) => ({ input: normalArray(rng, C * S * S, 1, 3), params: { min: Float32Array.of(0), max: Float32Array.of(6) } }),
  });
}
