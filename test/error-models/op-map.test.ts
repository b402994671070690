import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassesError } from '../../src/errors.js';
import { opToErrorModelName, parseConvStrategy, MAPPED_MODEL_NAMES } from '../../src/error-models/index.js';

test('ONNX operators map to the CLASSES model files', () => {
  assert.equal(opToErrorModelName('Conv'), 'conv_gemm');
  assert.equal(opToErrorModelName('Conv', 'conv_fft'), 'conv_fft');
  assert.equal(opToErrorModelName('Conv', 'conv_win'), 'conv_win');
  const table: Array<[string, string]> = [
    ['MaxPool', 'maxpool'],
    ['AveragePool', 'avgpool'],
    ['GlobalAveragePool', 'avgpool'],
    ['BatchNormalization', 'batchnorm'],
    ['Relu', 'relu'],
    ['Clip', 'clipped_relu'],
    ['Sigmoid', 'sigmoid'],
    ['Tanh', 'tanh'],
    ['Elu', 'elu'],
  ];
  for (const [op, model] of table) assert.equal(opToErrorModelName(op, 'conv_fft'), model, op);
  assert.equal(opToErrorModelName('Add'), null, 'a residual Add is not a bias add');
  assert.equal(opToErrorModelName('Add', 'conv_gemm', { biasAdd: true }), 'bias_add');
  for (const op of ['Gemm', 'MatMul', 'Softmax', 'Reshape', 'conv']) assert.equal(opToErrorModelName(op), null, op);
  for (const name of ['conv_gemm', 'maxpool', 'bias_add', 'clipped_relu']) assert.ok(MAPPED_MODEL_NAMES.includes(name));
});

test('conv strategies are validated with a usage error naming the flag', () => {
  assert.equal(parseConvStrategy('conv_win'), 'conv_win');
  assert.throws(
    () => parseConvStrategy('winograd'),
    (e: unknown) => e instanceof ClassesError && e.exitCode === 2 && /--conv-strategy must be one of conv_gemm, conv_fft, conv_win/.test(e.message),
  );
});
