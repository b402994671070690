import { runtimeError, type ClassesError } from '../errors.js';
import { childPath, lineColumn } from './json-path.js';
import { PATTERN_REQUIRED_PARAMS, isPctParam, partnerName } from './pattern-params.js';
import {
  DOMAIN_CLASS_NAMES,
  type DomainClass,
  type DomainClassName,
  type ErrorModel,
  type NamedParamSpec,
  type ParamSpec,
  type ParamValue,
  type ParameterConfig,
  type PatternEntry,
  type PctRange,
} from './types.js';

/**
 * Validation of the CLASSES error-model JSON (spec §1). Every error names the source and the
 * JSON path of the offending field, e.g.
 * `conv.json: $.same_row.parameters[0].count must be a positive integer (got 0)`.
 *
 * The checks are a little stricter than upstream where upstream would crash later or silently
 * ignore a typo: unknown keys inside a domain class, non-positive counts, a `*_pct` value that
 * is not a [lo, hi] percentage pair, a non-positive or fractional integer parameter, a fixed
 * `min_X` above its fixed `max_X`, and missing parameters of a known pattern are all rejected.
 */

type Json = unknown;
type JsonObject = Record<string, Json>;

const DOMAIN_META_KEYS = new Set(['count', 'frequency']);
const CLASS_LIST = DOMAIN_CLASS_NAMES.join(', ');

class Validator {
  constructor(readonly source: string) {}

  fail(path: string, problem: string): ClassesError {
    return runtimeError(`${this.source}: ${path} ${problem}; fix or replace this error-model file (docs/compatibility.md has the schema)`);
  }

  object(v: Json, path: string): JsonObject {
    if (!isObject(v)) throw this.fail(path, `must be a JSON object (got ${describe(v)})`);
    return v;
  }

  positiveInt(v: Json, path: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw this.fail(path, `must be a positive integer (got ${describe(v)})`);
    }
    return v;
  }

  nonEmptyArray(v: Json, path: string): Json[] {
    if (!Array.isArray(v)) throw this.fail(path, `must be an array (got ${describe(v)})`);
    if (v.length === 0) throw this.fail(path, 'must not be empty');
    return v;
  }

  pct(v: Json, path: string): PctRange {
    if (
      !Array.isArray(v) ||
      v.length !== 2 ||
      typeof v[0] !== 'number' ||
      typeof v[1] !== 'number' ||
      !Number.isFinite(v[0]) ||
      !Number.isFinite(v[1])
    ) {
      throw this.fail(path, `must be a [lo, hi] percentage pair (got ${describe(v)})`);
    }
    const [lo, hi] = v as [number, number];
    if (lo < 0 || hi > 100 || lo > hi) {
      throw this.fail(path, `must satisfy 0 <= lo <= hi <= 100 (got [${lo}, ${hi}])`);
    }
    return [lo, hi];
  }
}

export function parseErrorModel(json: Json, sourceName: string): ErrorModel {
  const v = new Validator(sourceName);
  const top = v.object(json, '$');
  const meta: Record<string, unknown> = {};
  const patterns: PatternEntry[] = [];
  for (const [name, value] of Object.entries(top)) {
    if (name.startsWith('_')) {
      meta[name] = value; // metadata: upstream ignores it, so do we
      continue;
    }
    patterns.push(parseEntry(v, name, value, childPath('$', name)));
  }
  if (patterns.length === 0) {
    throw v.fail('$', 'has no spatial-pattern entries (every key starts with "_"); it is not an error model');
  }
  return { source: sourceName, meta, patterns };
}

/** JSON.parse plus validation; syntax errors name the source, line and column. */
export function parseErrorModelText(text: string, sourceName: string): ErrorModel {
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    const where = m ? (({ line, column }) => ` at line ${line}, column ${column}`)(lineColumn(text, Number(m[1]))) : '';
    throw runtimeError(`${sourceName}: not valid JSON${where}: ${msg}; fix or replace this error-model file (docs/compatibility.md has the schema)`);
  }
  return parseErrorModel(json, sourceName);
}

function parseEntry(v: Validator, name: string, value: Json, path: string): PatternEntry {
  const obj = v.object(value, path);
  const count = v.positiveInt(obj.count, childPath(path, 'count'));
  const dcPath = childPath(path, 'domain_classes');
  const domainClasses = v.nonEmptyArray(obj.domain_classes, dcPath).map((d, i) => parseDomainClass(v, d, childPath(dcPath, i)));
  const pPath = childPath(path, 'parameters');
  const parameters = v.nonEmptyArray(obj.parameters, pPath).map((p, i) => parseConfig(v, name, p, childPath(pPath, i)));
  return { name, count, domainClasses, parameters };
}

function parseDomainClass(v: Validator, value: Json, path: string): DomainClass {
  const obj = v.object(value, path);
  const count = v.positiveInt(obj.count, childPath(path, 'count'));

  if ('random' in obj) {
    // Random distribution: the `random` list is a marker only; `values` holds the class weights.
    for (const key of Object.keys(obj)) {
      if (key !== 'random' && key !== 'values' && !DOMAIN_META_KEYS.has(key)) {
        throw v.fail(childPath(path, key), 'is not allowed next to "random" (a random distribution lists its classes under "values")');
      }
    }
    const valuesPath = childPath(path, 'values');
    const values = v.object(obj.values, valuesPath);
    const classes: DomainClassName[] = [];
    const weights: number[] = [];
    for (const [key, w] of Object.entries(values)) {
      const kPath = childPath(valuesPath, key);
      // Upstream looks these names up case-insensitively (spec §1.4).
      const cls = DOMAIN_CLASS_NAMES.find((n) => n === key.toLowerCase());
      if (cls === undefined) throw v.fail(kPath, `is not a value class (expected one of ${CLASS_LIST})`);
      if (classes.includes(cls)) throw v.fail(kPath, `repeats the value class ${cls}`);
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw v.fail(kPath, `must be a non-negative number (got ${describe(w)})`);
      }
      classes.push(cls);
      weights.push(w);
    }
    if (classes.length === 0) throw v.fail(valuesPath, 'must name at least one value class');
    if (!(weights.reduce((a, b) => a + b, 0) > 0)) throw v.fail(valuesPath, 'must have a positive sum of weights');
    return { kind: 'random', count, classes, weights };
  }

  const found: Array<{ cls: DomainClassName; pct: PctRange }> = [];
  for (const [key, val] of Object.entries(obj)) {
    if (DOMAIN_META_KEYS.has(key)) continue;
    const kPath = childPath(path, key);
    const cls = DOMAIN_CLASS_NAMES.find((n) => n === key);
    if (cls === undefined) {
      const hint = key === 'values' ? ' (a "values" object needs "random": [100.0, 100.0] next to it)' : ` (expected one of ${CLASS_LIST}, random, count, frequency)`;
      throw v.fail(kPath, `is not a known domain-class key${hint}`);
    }
    found.push({ cls, pct: v.pct(val, kPath) });
  }
  if (found.length === 0) throw v.fail(path, `names no value class (expected one of ${CLASS_LIST}, or "random")`);
  if (found.length > 2) {
    throw v.fail(path, `names ${found.length} value classes; a fixed distribution has one or two (use "random" with "values" for more)`);
  }
  if (found.length === 1) return { kind: 'single', count, cls: found[0].cls };
  // Double: the first class in JSON key order is the one whose share is drawn (spec §3.4: a
  // deterministic replacement for upstream's per-process set order).
  return { kind: 'double', count, first: found[0].cls, firstPct: found[0].pct, second: found[1].cls, secondPct: found[1].pct };
}

function parseConfig(v: Validator, pattern: string, value: Json, path: string): ParameterConfig {
  const obj = v.object(value, path);
  const count = v.positiveInt(obj.count, childPath(path, 'count'));
  // `{**keys, **stats}`: a Map keeps the first position of a name and takes the last value,
  // exactly like a Python dict update.
  const flat = new Map<string, { spec: ParamSpec; path: string }>();
  for (const section of ['keys', 'stats'] as const) {
    const sPath = childPath(path, section);
    if (obj[section] === undefined) continue; // absent = empty, convenient for hand-written `single` entries
    const params = v.object(obj[section], sPath);
    for (const [name, raw] of Object.entries(params)) {
      const pPath = childPath(sPath, name);
      flat.set(name, { spec: parseParamSpec(v, name, raw, pPath), path: pPath });
    }
  }

  const required = PATTERN_REQUIRED_PARAMS[pattern];
  if (required) {
    for (const name of required) {
      if (!flat.has(name)) throw v.fail(path, `lacks the parameter "${name}" that the ${pattern} pattern needs (in "keys" or "stats")`);
    }
  }

  // A fixed min above a fixed max can never be resolved consistently (RANDOM ones are coupled).
  for (const [name, { spec, path: pPath }] of flat) {
    if (!name.startsWith('max_')) continue;
    const partner = flat.get(partnerName(name)!);
    if (!partner || spec.kind !== 'fixed' || partner.spec.kind !== 'fixed') continue;
    const mx = spec.value;
    const mn = partner.spec.value;
    if (typeof mx === 'number' && typeof mn === 'number' && mn > mx) {
      throw v.fail(pPath, `(${mx}) is below ${partnerName(name)} (${mn})`);
    }
  }

  const params: NamedParamSpec[] = [];
  for (const [name, { spec }] of flat) params.push({ name, spec });
  return { count, params };
}

function parseParamSpec(v: Validator, name: string, raw: Json, path: string): ParamSpec {
  if (isObject(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1 || keys[0] !== 'RANDOM') {
      throw v.fail(path, `must be a value or {"RANDOM": [...]} (got an object with keys ${keys.join(', ') || 'none'})`);
    }
    const rPath = childPath(path, 'RANDOM');
    const choices = v.nonEmptyArray(raw.RANDOM, rPath).map((c, i) => parseParamValue(v, name, c, childPath(rPath, i)));
    return { kind: 'random', choices };
  }
  return { kind: 'fixed', value: parseParamValue(v, name, raw, path) };
}

function parseParamValue(v: Validator, name: string, raw: Json, path: string): ParamValue {
  if (isPctParam(name)) return v.pct(raw, path);
  return v.positiveInt(raw, path);
}

function isObject(v: Json): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: Json): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
