import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  drawInjection,
  flipBit,
  locateParameter,
  operatorVariants,
  parseOperatorList,
  siteWeights,
  withFlippedBit,
  OPERATOR_NAMES,
} from '../../src/characterize/index.js';
import { ClassesError } from '../../src/errors.js';

test('flipBit inverts one bit of a float32: sign, exponent, mantissa', () => {
  assert.equal(flipBit(1, 31), -1);
  assert.equal(flipBit(1, 23), 0.5); // 0x3F800000 → 0x3F000000
  assert.equal(flipBit(1, 22), 1.5);
  assert.equal(flipBit(flipBit(0.3, 7), 7), Math.fround(0.3));
  assert.throws(() => flipBit(1, 32), RangeError);
  const a = Float32Array.of(1, 2, 3);
  const b = withFlippedBit(a, 1, 31);
  assert.deepEqual([...a], [1, 2, 3]);
  assert.deepEqual([...b], [1, -2, 3]);
});

test('sample i draws the same fault whatever the sample count, and differs between seeds', () => {
  const variants = operatorVariants('conv_gemm');
  const a = drawInjection(variants, 1, 17, 'equal');
  assert.deepEqual(drawInjection(variants, 1, 17, 'equal'), a);
  const many = Array.from({ length: 40 }, (_, i) => drawInjection(variants, 2, i, 'equal'));
  assert.ok(many.some((m, i) => JSON.stringify(m) !== JSON.stringify({ ...drawInjection(variants, 1, i, 'equal') })));
  for (const m of many) {
    assert.ok(m.bit >= 0 && m.bit < 32);
    const sites = siteWeights(variants[m.variant], 'equal');
    const site = sites.find((s) => s.site === m.site);
    assert.ok(site, `site ${m.site} exists`);
    assert.ok(m.element >= 0 && m.element < site.elements);
  }
});

test('site weights: equal shares, or shares by element count', () => {
  const [bn] = operatorVariants('batchnorm');
  assert.deepEqual(
    siteWeights(bn, 'equal').map((s) => [s.site, s.elements]),
    [['input', 4096], ['parameter', 64], ['output', 4096]],
  );
  for (const s of siteWeights(bn, 'equal')) assert.equal(s.weight, 1 / 3);
  const byCount = siteWeights(bn, 'elements');
  assert.equal(byCount[1].weight, 64 / (4096 + 64 + 4096));
  const conv = operatorVariants('conv_gemm');
  assert.deepEqual(conv.map((v) => v.label), ['conv_gemm/1x1', 'conv_gemm/3x3', 'conv_gemm/5x5']);
  assert.deepEqual(siteWeights(conv[1], 'equal').map((s) => s.site), ['input', 'parameter', 'partial_sum', 'output']);
  assert.deepEqual(siteWeights(operatorVariants('relu')[0], 'equal').map((s) => s.site), ['input', 'output']);
});

test('a parameter element is located in the concatenation of the parameters', () => {
  const [bn] = operatorVariants('batchnorm');
  assert.deepEqual(locateParameter(bn, 0), { name: 'scale', index: 0 });
  assert.deepEqual(locateParameter(bn, 17), { name: 'bias', index: 1 });
  assert.deepEqual(locateParameter(bn, 63), { name: 'var', index: 15 });
  assert.throws(() => locateParameter(bn, 64), RangeError);
});

test('--ops: all, a list in campaign order, or a usage error naming the bad name', () => {
  assert.deepEqual(parseOperatorList('all'), [...OPERATOR_NAMES]);
  assert.deepEqual(parseOperatorList('relu, conv_gemm,relu'), ['conv_gemm', 'relu']);
  assert.throws(() => parseOperatorList('relu,conv'), (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /"conv"/.test(e.message));
  assert.throws(() => parseOperatorList(' , '), (e: unknown) => e instanceof ClassesError && e.exitCode === 2);
});
