/**
 * BatchNormalization (inference form) on 16×16×16. The input of channel c is drawn around that
 * channel's running mean and variance, as a trained network's would be.
 */
import { normalArray, uniformArray } from '../random.js';
import type { OperatorVariant } from '../types.js';
import { simpleVariant } from './simple.js';

const C = 16;
const S = 16;

export function batchNormVariant(): OperatorVariant {
  return simpleVariant({
    op: 'batchnorm',
    opType: 'BatchNormalization',
    description: `BatchNormalization, epsilon 1e-5, ${C}×${S}×${S}`,
    dataDescription: 'scale U(0.5, 1.5), bias U(−0.5, 0.5), mean U(−1, 1), variance U(0.25, 4); input of channel c N(mean_c, variance_c)',
    input: { c: C, h: S, w: S },
    output: { c: C, h: S, w: S },
    params: [
      { name: 'scale', dims: [C], kind: 'input' },
      { name: 'bias', dims: [C], kind: 'input' },
      { name: 'mean', dims: [C], kind: 'input' },
      { name: 'var', dims: [C], kind: 'input' },
    ],
    attrs: { epsilon: { float: 1e-5 } },
    drawData(rng) {
      const scale = uniformArray(rng, C, 0.5, 1.5);
      const bias = uniformArray(rng, C, -0.5, 0.5);
      const mean = uniformArray(rng, C, -1, 1);
      const variance = uniformArray(rng, C, 0.25, 4);
      const input = normalArray(rng, C * S * S);
      for (let c = 0; c < C; c++) {
        const sd = Math.sqrt(variance[c]);
        for (let i = c * S * S; i < (c + 1) * S * S; i++) input[i] = mean[c] + sd * input[i];
      }
      return { input, params: { scale, bias, mean, var: variance } };
    },
  });
}
