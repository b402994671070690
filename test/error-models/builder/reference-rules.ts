/**
 * What the reference CLASSES loader and generators require of a model file (upstream spec
 * §1.1–§1.5, §2.2), as one assertion, so that the builder's output is checked against the
 * reference's rules and not only against our own loader.
 */
import assert from 'node:assert/strict';
import { PATTERN_PARAMETERS } from '../../../src/faults/patterns/index.js';

const CLASS_NAMES = ['zero', 'in_range', 'out_of_range', 'nan', 'flip'];
const ENUM_NAMES = CLASS_NAMES.map((n) => n.toUpperCase());

function isInt(x: unknown): boolean {
  return typeof x === 'number' && Number.isInteger(x);
}

function isPair(x: unknown): boolean {
  return Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === 'number' && v >= 0 && v <= 100) && x[0] <= x[1];
}

function checkParam(name: string, v: unknown, where: string): void {
  const values = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { RANDOM?: unknown }).RANDOM : [v];
  assert.ok(Array.isArray(values) && values.length > 0, `${where}.${name}: a value or a non-empty RANDOM list`);
  for (const x of values) assert.ok(isInt(x) || isPair(x), `${where}.${name}: ${JSON.stringify(x)} is neither an integer nor a [lo, hi] pair`);
}

export function assertReferenceLoadable(model: Record<string, unknown>): void {
  let entries = 0;
  for (const [name, entry] of Object.entries(model)) {
    if (name.startsWith('_')) continue;
    entries++;
    const e = entry as Record<string, unknown>;
    assert.ok(isInt(e.count) && (e.count as number) > 0, `${name}.count`);
    assert.ok(PATTERN_PARAMETERS[name] !== undefined, `${name} is a pattern the generators know`);
    const domains = e.domain_classes as Record<string, unknown>[];
    assert.ok(Array.isArray(domains) && domains.length > 0, `${name}.domain_classes`);
    for (const d of domains) {
      assert.ok(isInt(d.count) && (d.count as number) > 0, `${name} domain count`);
      if ('random' in d) {
        const values = d.values as Record<string, number>;
        assert.ok(values && Object.keys(values).length > 0, `${name} random values`);
        for (const k of Object.keys(values)) assert.ok(ENUM_NAMES.includes(k.toUpperCase()), `${name} random value class ${k}`);
      } else {
        const classes = Object.keys(d).filter((k) => CLASS_NAMES.includes(k));
        const others = Object.keys(d).filter((k) => !CLASS_NAMES.includes(k) && k !== 'count' && k !== 'frequency');
        assert.deepEqual(others, [], `${name} domain keys`);
        assert.ok(classes.length === 1 || classes.length === 2, `${name}: Single or Double`);
        for (const c of classes) assert.ok(isPair(d[c]), `${name} ${c} range`);
      }
    }
    const params = e.parameters as Record<string, unknown>[];
    assert.ok(Array.isArray(params) && params.length > 0, `${name}.parameters`);
    const spec = PATTERN_PARAMETERS[name];
    for (const p of params) {
      assert.ok(isInt(p.count) && (p.count as number) > 0, `${name} parameter count`);
      const flat = { ...(p.keys as object), ...(p.stats as object) } as Record<string, unknown>;
      for (const [k, v] of Object.entries(flat)) checkParam(k, v, name);
      for (const k of [...spec.ints, ...spec.pcts]) assert.ok(k in flat, `${name} lacks ${k}, which its generator reads`);
    }
    assert.equal(
      params.reduce((a, p) => a + (p.count as number), 0),
      e.count,
      `${name}: configuration counts add up to the entry count`,
    );
  }
  assert.ok(entries > 0, 'at least one pattern');
}
