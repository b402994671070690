import { test } from 'node:test';
import assert from 'node:assert/strict';
import { characterizeOperator, formatModelJson, type Injection } from '../../src/characterize/index.js';
import { bitsOf } from '../../src/faults/values/float-bits.js';
import type { TensorPair } from '../../src/error-models/builder/index.js';

function differing(pair: TensorPair): number[] {
  const out: number[] = [];
  for (let i = 0; i < pair.golden.length; i++) if (bitsOf(pair.golden[i]) !== bitsOf(pair.faulty[i])) out.push(i);
  return out;
}

test('relu: deterministic, every sample counted once, only single faults', async () => {
  const a = await characterizeOperator('relu', { samples: 150, seed: 3 });
  const b = await characterizeOperator('relu', { samples: 150, seed: 3 });
  assert.equal(formatModelJson(a.model), formatModelJson(b.model));
  const sites = Object.values(a.sites);
  assert.equal(sites.reduce((s, t) => s + (t?.injected ?? 0), 0), 150);
  assert.equal(a.report.tensors, 150);
  assert.equal(a.report.masked, sites.reduce((s, t) => s + (t?.masked ?? 0), 0));
  assert.deepEqual(Object.keys(a.model).filter((k) => !k.startsWith('_')), ['single']);
  const other = await characterizeOperator('relu', { samples: 150, seed: 4 });
  assert.notEqual(formatModelJson(other.model), formatModelJson(a.model));
});

test('each fault site changes what it should: one value, one channel, or the input footprint', async () => {
  const seen = new Set<string>();
  const check = (op: string) => (inj: Injection, pair: TensorPair) => {
    const d = differing(pair);
    seen.add(`${op}/${inj.site}`);
    if (inj.site === 'output') {
      assert.deepEqual(d, [inj.element]);
      const x = (bitsOf(pair.golden[inj.element]) ^ bitsOf(pair.faulty[inj.element])) >>> 0;
      assert.equal(x, (1 << inj.bit) >>> 0);
    } else if (inj.site === 'partial_sum') {
      assert.ok(d.length <= 1 && (d.length === 0 || d[0] === inj.element));
    } else if (op === 'bias_add' && inj.site === 'parameter') {
      assert.ok(d.every((i) => Math.floor(i / 256) === inj.element), 'one channel only');
    } else if (op === 'maxpool' && inj.site === 'input') {
      // 2×2 windows with stride 2: an input value reaches one output value
      const c = Math.floor(inj.element / 1024);
      const r = inj.element % 1024;
      const target = c * 256 + Math.floor(Math.floor(r / 32) / 2) * 16 + Math.floor((r % 32) / 2);
      assert.ok(d.every((i) => i === target));
    } else if (op === 'conv_gemm' && inj.site === 'input') {
      // a 3×3 kernel at most: every channel, positions within 2 rows/columns of the flipped one
      const p = inj.element % 256;
      assert.ok(d.every((i) => Math.abs(Math.floor((i % 256) / 16) - Math.floor(p / 16)) <= 2 && Math.abs((i % 16) - (p % 16)) <= 2));
    }
  };
  for (const op of ['conv_gemm', 'bias_add', 'maxpool'] as const) {
    await characterizeOperator(op, { samples: 120, seed: 1, onPair: check(op) });
  }
  for (const key of ['conv_gemm/partial_sum', 'conv_gemm/input', 'bias_add/parameter', 'maxpool/input', 'maxpool/output']) {
    assert.ok(seen.has(key), `no ${key} fault was drawn`);
  }
});

test('elu alpha and clip bounds are fault sites too', async () => {
  const r = await characterizeOperator('elu', { samples: 90, seed: 1 });
  assert.ok((r.sites.parameter?.injected ?? 0) > 0);
  const patterns = r.sites.parameter?.patterns ?? {};
  // alpha scales every negative output: a fault there spreads over many channels
  assert.ok(Object.keys(patterns).some((p) => p !== 'single'), JSON.stringify(patterns));
  const c = await characterizeOperator('clipped_relu', { samples: 60, seed: 1 });
  assert.ok((c.sites.parameter?.injected ?? 0) > 0);
});
