/** MaxPool and AveragePool, 2×2 windows with stride 2 (LeNet and VGG style), 16×32×32 → 16×16×16. */
import { normalArray } from '../random.js';
import type { OperatorVariant } from '../types.js';
import { simpleVariant } from './simple.js';

const C = 16;
const IN = 32;

function pool(op: 'maxpool' | 'avgpool', opType: string): OperatorVariant {
  return simpleVariant({
    op,
    opType,
    description: `${opType} 2×2, stride 2, ${C}×${IN}×${IN} → ${C}×${IN / 2}×${IN / 2}`,
    dataDescription: 'input N(0, 1)',
    input: { c: C, h: IN, w: IN },
    output: { c: C, h: IN / 2, w: IN / 2 },
    attrs: { kernel_shape: [2, 2], strides: [2, 2] },
    drawData: (rng) => ({ input: normalArray(rng, C * IN * IN), params: {} }),
  });
}

export const maxPoolVariant = (): OperatorVariant => pool('maxpool', 'MaxPool');
export const avgPoolVariant = (): OperatorVariant => pool('avgpool', 'AveragePool');
