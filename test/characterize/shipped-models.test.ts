import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { repoPath } from '../helpers.js';
import { OPERATOR_NAMES } from '../../src/characterize/index.js';
import { loadErrorModel, loadErrorModelDir, opToErrorModelName } from '../../src/error-models/index.js';
import { generateFaults } from '../../src/faults/generator.js';

const DIR = repoPath('error_models');

test('error_models/ holds one model per characterized operator, named as the reference files, and a README', () => {
  const files = readdirSync(DIR).sort();
  assert.deepEqual(files, [...OPERATOR_NAMES.map((o) => `${o}.json`), 'README.md'].sort());
  for (const [op, stem] of [['Conv', 'conv_gemm'], ['MaxPool', 'maxpool'], ['Relu', 'relu'], ['Clip', 'clipped_relu'], ['BatchNormalization', 'batchnorm']] as const) {
    assert.equal(opToErrorModelName(op), stem);
  }
  assert.equal(opToErrorModelName('Add', 'conv_gemm', { biasAdd: true }), 'bias_add');
  const readme = readFileSync(repoPath('error_models', 'README.md'), 'utf8');
  assert.ok(readme.includes('classes characterize --ops all --samples 5000 --seed 1 -o error_models/'));
  assert.match(readme, /not GPU measurements/);
  assert.match(readme, /classes models pull/);
});

test('every shipped model loads and generates faults inside the layer', () => {
  const set = loadErrorModelDir(DIR);
  assert.equal(set.models.size, OPERATOR_NAMES.length);
  for (const op of OPERATOR_NAMES) {
    const model = loadErrorModel(repoPath('error_models', `${op}.json`));
    const shape = { c: 16, h: 12, w: 10 };
    const faults = generateFaults(model, { layer: op, output: `${op}_out`, shape, range: { min: -2, max: 6 } }, 7, 40);
    assert.equal(faults.length, 40);
    for (const f of faults) {
      assert.ok(f.indices.length > 0, `${op}: a fault corrupts something`);
      assert.ok(f.indices[f.indices.length - 1] < shape.c * shape.h * shape.w);
      assert.equal(f.values.length, f.indices.length);
    }
  }
});

test('the shipped models are what the documented command makes (bias_add regenerated)', async () => {
  // If this fails after a change to the builder or the campaign, regenerate the folder with the
  // command in error_models/README.md (about half a minute) and commit the result.
  const { characterizeOperator, formatModelJson } = await import('../../src/characterize/index.js');
  const r = await characterizeOperator('bias_add', { samples: 5000, seed: 1 });
  assert.equal(formatModelJson(r.model), readFileSync(repoPath('error_models', 'bias_add.json'), 'utf8'));
});
