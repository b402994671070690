/**
 * How numbers, parameters and faults are spelled in JSON (the JSONL fault list and the archive
 * manifest). JSON has no NaN or infinities, so they are written as the strings "NaN",
 * "Infinity" and "-Infinity"; -0 is written as `-0`, which JSON.parse reads back as -0.
 */
import type { Fault, ParamValue, ResolvedParams } from './types.js';

/** A JSON number literal for a double, or a string for NaN and the infinities. */
export function numberToJson(v: number): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/**
 * The shortest decimal that reads back as the same float32 (e.g. 0.1 rather than
 * 0.10000000149011612), so exported values stay readable and round-trip exactly.
 */
export function float32ToJson(v: number): string {
  if (!Number.isFinite(v) || v === 0) return numberToJson(v);
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return String(d);
  }
  return String(f); // unreachable: 9 significant digits always round-trip a float32
}

/** Reads a number written by numberToJson; undefined when `x` is neither. */
export function jsonToNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  return undefined;
}

/** Resolved parameters as a compact JSON object, keys in their given order. */
export function paramsToJson(params: ResolvedParams): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const value = Array.isArray(v) ? `[${numberToJson(v[0])},${numberToJson(v[1])}]` : numberToJson(v);
    parts.push(`${JSON.stringify(k)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}

/** Validates parsed parameters; returns an error text (without location) or the params. */
export function paramsFromJson(x: unknown): ResolvedParams | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return '"params" must be an object';
  const out: ResolvedParams = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    let value: ParamValue | undefined;
    if (Array.isArray(v)) {
      const lo = jsonToNumber(v[0]);
      const hi = jsonToNumber(v[1]);
      if (v.length === 2 && lo !== undefined && hi !== undefined) value = [lo, hi];
    } else {
      value = jsonToNumber(v);
    }
    if (value === undefined) return `params.${k} must be a number or a [lo, hi] pair of numbers`;
    out[k] = value;
  }
  return out;
}

/** One fault as one JSONL line (no trailing newline), fields in the documented order. */
export function faultToJsonLine(f: Fault): string {
  const values: string[] = new Array<string>(f.values.length);
  for (let i = 0; i < f.values.length; i++) values[i] = float32ToJson(f.values[i]);
  return (
    `{"layer":${JSON.stringify(f.layer)},"output":${JSON.stringify(f.output)},"index":${f.index},` +
    `"pattern":${JSON.stringify(f.pattern)},"params":${paramsToJson(f.params)},` +
    `"indices":[${f.indices.join(',')}],"valueClasses":[${f.valueClasses.join(',')}],"values":[${values.join(',')}]}`
  );
}

/** Returns an error text (without location) or the fault described by one parsed JSONL line. */
export function faultFromJson(x: unknown): Fault | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'expected a JSON object';
  const o = x as Record<string, unknown>;
  for (const key of ['layer', 'output', 'pattern'] as const) {
    if (typeof o[key] !== 'string' || o[key] === '') return `"${key}" must be a non-empty string`;
  }
  if (!Number.isSafeInteger(o.index) || (o.index as number) < 0) return '"index" must be a non-negative integer';
  const params = paramsFromJson(o.params);
  if (typeof params === 'string') return params;
  for (const key of ['indices', 'valueClasses', 'values'] as const) {
    if (!Array.isArray(o[key])) return `"${key}" must be an array`;
  }
  const rawIdx = o.indices as unknown[];
  const rawCls = o.valueClasses as unknown[];
  const rawVal = o.values as unknown[];
  const k = rawIdx.length;
  if (k === 0) return '"indices" must not be empty';
  if (rawCls.length !== k || rawVal.length !== k) {
    return `"indices", "valueClasses" and "values" must have the same length (${k}, ${rawCls.length}, ${rawVal.length})`;
  }
  const indices = new Uint32Array(k);
  const valueClasses = new Uint8Array(k);
  const values = new Float32Array(k);
  let prev = -1;
  for (let i = 0; i < k; i++) {
    const idx = rawIdx[i];
    if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > 0xffffffff) {
      return `indices[${i}] must be an integer in [0, 2^32)`;
    }
    if (idx <= prev) return `indices must be strictly ascending (indices[${i}] = ${idx} follows ${prev})`;
    prev = idx;
    indices[i] = idx;
    const cls = rawCls[i];
    if (typeof cls !== 'number' || !Number.isInteger(cls) || cls < 1 || cls > 5) {
      return `valueClasses[${i}] must be a value class id 1..5 (1 zero, 2 in_range, 3 out_of_range, 4 nan, 5 flip)`;
    }
    valueClasses[i] = cls;
    const v = jsonToNumber(rawVal[i]);
    if (v === undefined) return `values[${i}] must be a number or one of "NaN", "Infinity", "-Infinity"`;
    values[i] = v;
  }
  return {
    layer: o.layer as string,
    output: o.output as string,
    index: o.index as number,
    pattern: o.pattern as string,
    params,
    indices,
    valueClasses,
    values,
  };
}
