/** The bias add after a convolution: Add(X [N, 16, 16, 16], B [16, 1, 1]). */
import { normalArray, uniformArray } from '../random.js';
import type { OperatorVariant } from '../types.js';
import { simpleVariant } from './simple.js';

const C = 16;
const S = 16;

export function biasAddVariant(): OperatorVariant {
  return simpleVariant({
    op: 'bias_add',
    opType: 'Add',
    description: `Add of a per-channel bias [${C}, 1, 1], ${C}×${S}×${S}`,
    dataDescription: 'input N(0, 1); bias U(−1, 1)',
    input: { c: C, h: S, w: S },
    output: { c: C, h: S, w: S },
    params: [{ name: 'B', dims: [C, 1, 1], kind: 'input' }],
    drawData: (rng) => ({ input: normalArray(rng, C * S * S), params: { B: uniformArray(rng, C, -1, 1) } }),
  });
}
