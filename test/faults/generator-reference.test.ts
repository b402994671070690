import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadErrorModel, type DomainClass, type ErrorModel, type PatternEntry } from '../../src/error-models/index.js';
import { generateFault, generateFaults, type LayerTarget } from '../../src/faults/generator.js';
import { ValueClassId, type Fault, type Shape3 } from '../../src/faults/types.js';
import { bitsOf } from '../../src/faults/values/index.js';
import { NO_REFERENCE_REASON, referenceModelsDir } from '../helpers.js';
import { checkFault } from './patterns/invariants.js';

/**
 * Statistical compatibility suite against the 20 reference GPU models (and, lighter, the NVDLA
 * examples): for each file, 5 000 faults on one shape and a few hundred on extra shapes.
 * - pattern frequencies match the JSON counts (binomial z-score, |z| < 4.5);
 * - every fault satisfies its pattern's spec §2.5 invariants (checkFault, shared with the
 *   pattern tests) and every value its class's invariant;
 * - per pattern, the mean per-fault share of each value class matches the domain classes;
 * - determinism: same seed, same bytes; a fault regenerated alone equals its list entry.
 * Thresholds are generous but meaningful: a wrong weight or a swapped Double order moves a
 * z-score by tens.
 */

const REF = referenceModelsDir();
const Z_MAX = 4.5;
const MAIN_SHAPE: Shape3 = { c: 32, h: 12, w: 12 };
const MAIN_FAULTS = 5000;
const EXTRA: Array<[Shape3, number]> = [
  [{ c: 64, h: 26, w: 26 }, 150], // spec Appendix B's shape
  [{ c: 3, h: 7, w: 7 }, 300],
  [{ c: 1, h: 1, w: 1 }, 100],
  [{ c: 130, h: 2, w: 33 }, 150],
];
const RANGE = { min: -5, max: 12 };

function gpuFiles(): string[] {
  if (!REF) return [];
  const out: string[] = [];
  for (const sub of ['faulty_thread_models', 'faulty_warp_models']) {
    for (const f of readdirSync(join(REF, sub)).sort()) if (f.endsWith('.json')) out.push(join(REF, sub, f));
  }
  return out;
}

function target(shape: Shape3, layer = 'L'): LayerTarget {
  return { layer, output: `${layer}:0`, shape, range: RANGE };
}

/** The value-class invariant of spec §3 for one value (plain comparisons: this runs millions of times). */
function valueOk(cls: number, v: number): boolean {
  switch (cls) {
    case ValueClassId.zero:
      return Object.is(v, 0);
    case ValueClassId.in_range:
      return v >= RANGE.min && v <= RANGE.max;
    case ValueClassId.out_of_range:
      return Number.isFinite(v) && (v < RANGE.min || v > RANGE.max);
    case ValueClassId.nan:
      return Number.isNaN(v);
    case ValueClassId.flip: {
      const b = bitsOf(v);
      return b !== 0 && (b & (b - 1)) === 0;
    }
    default:
      return false;
  }
}

/** Expected mean per-fault share of class `id` for an entry (spec §3.4, weights by count). */
function expectedShare(entry: PatternEntry, id: number): number {
  let total = 0;
  let acc = 0;
  for (const d of entry.domainClasses) {
    total += d.count;
    acc += d.count * shareGiven(d, id);
  }
  return acc / total;
}

function shareGiven(d: DomainClass, id: number): number {
  switch (d.kind) {
    case 'single':
      return ValueClassId[d.cls] === id ? 1 : 0;
    case 'double': {
      const p1 = (d.firstPct[0] + d.firstPct[1]) / 200; // only the first key's range is used
      return (ValueClassId[d.first] === id ? p1 : 0) + (ValueClassId[d.second] === id ? 1 - p1 : 0);
    }
    case 'random': {
      const sum = d.weights.reduce((a, b) => a + b, 0);
      return d.classes.reduce((a, c, i) => a + (ValueClassId[c] === id ? d.weights[i] / sum : 0), 0);
    }
  }
}

function allowedClasses(entry: PatternEntry): Set<number> {
  const s = new Set<number>();
  for (const d of entry.domainClasses) {
    if (d.kind === 'single') s.add(ValueClassId[d.cls]);
    else if (d.kind === 'double') [d.first, d.second].forEach((c) => s.add(ValueClassId[c]));
    else d.classes.forEach((c, i) => d.weights[i] > 0 && s.add(ValueClassId[c]));
  }
  return s;
}

function checkFaults(model: ErrorModel, faults: Fault[], shape: Shape3, label: string): void {
  const allowed = new Map(model.patterns.map((p) => [p.name, allowedClasses(p)]));
  for (const f of faults) {
    const ok = allowed.get(f.pattern);
    assert.ok(ok, `${label}: pattern ${f.pattern} is in the model`);
    checkFault(f.pattern, f.params, shape, 'CHW', f.indices);
    assert.equal(f.values.length, f.indices.length);
    assert.equal(f.valueClasses.length, f.indices.length);
    for (let i = 0; i < f.values.length; i++) {
      const cls = f.valueClasses[i];
      if (!ok.has(cls) || !valueOk(cls, f.values[i])) {
        assert.fail(`${label} ${f.pattern} fault ${f.index}: value ${f.values[i]} of class ${cls} (allowed: ${[...ok].join(', ')})`);
      }
    }
  }
}

/** Per-fault share of each class id 1..5. */
function classShares(f: Fault): number[] {
  const n = [0, 0, 0, 0, 0, 0];
  for (const c of f.valueClasses) n[c]++;
  return n.map((x) => x / f.valueClasses.length);
}

function z(observed: number, n: number, p: number): number {
  const sd = Math.sqrt(n * p * (1 - p));
  return sd === 0 ? (observed === n * p ? 0 : Infinity) : (observed - n * p) / sd;
}

function faultKey(f: Fault): string {
  return [
    f.pattern,
    JSON.stringify(f.params),
    Buffer.from(f.indices.buffer, f.indices.byteOffset, f.indices.byteLength).toString('base64'),
    Buffer.from(f.valueClasses).toString('base64'),
    Buffer.from(f.values.buffer, f.values.byteOffset, f.values.byteLength).toString('base64'),
  ].join('|');
}

test('reference GPU models: frequencies, invariants, value-class shares, determinism', async (t) => {
  if (!REF) return t.skip(NO_REFERENCE_REASON);
  const files = gpuFiles();
  assert.equal(files.length, 20);
  for (const file of files) {
    const label = file.split('/').slice(-2).join('/');
    await t.test(label, () => {
      const model = loadErrorModel(file);
      const tgt = target(MAIN_SHAPE);
      const faults = generateFaults(model, tgt, 12345, MAIN_FAULTS);
      checkFaults(model, faults, MAIN_SHAPE, label);

      // Pattern frequencies against the `count` weights.
      const total = model.patterns.reduce((a, p) => a + p.count, 0);
      for (const p of model.patterns) {
        const obs = faults.filter((f) => f.pattern === p.name).length;
        const zz = z(obs, MAIN_FAULTS, p.count / total);
        assert.ok(Math.abs(zz) < Z_MAX, `${label} ${p.name}: ${obs}/${MAIN_FAULTS} vs p=${(p.count / total).toFixed(4)}, z=${zz.toFixed(2)}`);
      }

      // Value-class shares per pattern: mean of per-fault shares vs the domain classes. A
      // per-fault share s lies in [0, 1], so Var(s) <= E[s](1 - E[s]): that bound gives a z-score
      // valid even for rare classes and mixtures the sample may not show.
      for (const p of model.patterns) {
        const mine = faults.filter((f) => f.pattern === p.name && f.indices.length > 0).map(classShares);
        if (mine.length < 50) continue;
        for (let id = 1; id <= 5; id++) {
          const mean = mine.reduce((a, s) => a + s[id], 0) / mine.length;
          const e = expectedShare(p, id);
          const se = Math.sqrt((e * (1 - e)) / mine.length);
          if (se === 0) assert.ok(Math.abs(mean - e) < 1e-12, `${label} ${p.name} class ${id}: share ${mean} vs ${e}`);
          else {
            const zz = (mean - e) / se;
            assert.ok(Math.abs(zz) < Z_MAX, `${label} ${p.name} class ${id}: share ${mean.toFixed(4)} vs ${e.toFixed(4)}, z=${zz.toFixed(2)}`);
          }
        }
      }

      // Determinism: same seed, same bytes; any fault regenerates alone.
      const again = generateFaults(loadErrorModel(file), tgt, 12345, 200);
      assert.deepEqual(again.map(faultKey), faults.slice(0, 200).map(faultKey));
      for (const i of [0, 777, 2500, MAIN_FAULTS - 1]) assert.equal(faultKey(generateFault(model, tgt, 12345, i)), faultKey(faults[i]));

      // Extra shapes, fewer faults: invariants only.
      for (const [shape, n] of EXTRA) checkFaults(model, generateFaults(model, target(shape), 99, n), shape, `${label} ${shape.c}x${shape.h}x${shape.w}`);
    });
  }
});

test('reference NVDLA models: every fault keeps its invariants', (t) => {
  if (!REF) return t.skip(NO_REFERENCE_REASON);
  const root = join(REF, 'nvdla_models');
  const shape: Shape3 = { c: 48, h: 10, w: 10 };
  let files = 0;
  for (const cfg of readdirSync(root).sort()) {
    for (const f of readdirSync(join(root, cfg)).sort()) {
      if (!f.endsWith('.json')) continue;
      const model = loadErrorModel(join(root, cfg, f));
      checkFaults(model, generateFaults(model, target(shape, f), 5, 60), shape, f);
      files++;
    }
  }
  assert.ok(files > 0);
});
