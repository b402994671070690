/**
 * manifest.json, the first member of a fault-list archive: what the faults were made from
 * (seed, model and error-model hashes), and per layer where its records are and their sha256.
 * It is JSON with one line per field and per layer, so that `tar -xOf faults.tar manifest.json` is readable.
 */
import type { Shape3, ValueRange } from '../types.js';
import { jsonToNumber } from '../json-values.js';

export const ARCHIVE_FORMAT = 'classes-fault-list';
export const ARCHIVE_FORMAT_VERSION = 1;
export const MANIFEST_MEMBER = 'manifest.json';

/** What a caller says about one layer; the fault count is taken from the faults given. */
export interface FaultLayerSpec {
  /** ONNX node name. */
  name: string;
  /** ONNX tensor name the faults overwrite. */
  output: string;
  /** Per-sample shape; fault indices are flat CHW indices below c*h*w. */
  shape: Shape3;
  /** Operating range the values were drawn for. */
  range: ValueRange;
  /** Error-model name or file the faults were drawn from (a key of `errorModels`). */
  errorModel: string;
}

export interface FaultLayerInfo extends FaultLayerSpec {
  count: number;
  /** Archive member holding the records, e.g. `layers/0000.bin`. */
  member: string;
  /** sha256 of that member, checked when the archive is opened. */
  sha256: string;
  bytes: number;
}

/** What a caller says about the whole list. */
export interface FaultArchiveInfo {
  seed: number | string;
  /** sha256 of the ONNX model file; null for synthetic layers. */
  modelSha256: string | null;
  /** error-model name or file → sha256 of its JSON file. */
  errorModels: Record<string, string>;
}

export interface FaultArchiveManifest extends FaultArchiveInfo {
  format: typeof ARCHIVE_FORMAT;
  formatVersion: number;
  /** `classes <version>` that wrote it. */
  tool: string;
  totalFaults: number;
  layers: FaultLayerInfo[];
}

/** Non-finite numbers as the strings used everywhere else in our JSON. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

export function manifestToJson(m: FaultArchiveManifest): string {
  // Built field by field so the key order (and so the bytes) never depends on the caller.
  const doc = {
    format: m.format,
    formatVersion: m.formatVersion,
    tool: m.tool,
    seed: m.seed,
    modelSha256: m.modelSha256,
    errorModels: Object.fromEntries(Object.keys(m.errorModels).sort().map((k) => [k, m.errorModels[k]])),
    totalFaults: m.totalFaults,
    layers: m.layers.map((l) => ({
      name: l.name,
      output: l.output,
      shape: [l.shape.c, l.shape.h, l.shape.w],
      range: [l.range.min, l.range.max],
      errorModel: l.errorModel,
      count: l.count,
      member: l.member,
      sha256: l.sha256,
      bytes: l.bytes,
    })),
  };
  // One line per top-level field and per layer: readable, and short for many layers.
  const lines = Object.entries(doc).map(([k, v]) => {
    if (k !== 'layers') return `  ${JSON.stringify(k)}: ${JSON.stringify(v, replacer)}`;
    const items = (v as unknown[]).map((l) => `    ${JSON.stringify(l, replacer)}`);
    return items.length ? `  "layers": [\n${items.join(',\n')}\n  ]` : '  "layers": []';
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

const SHA = /^[0-9a-f]{64}$/;

/** Validates a parsed manifest; returns the manifest or the reason it is not one. */
export function manifestFromJson(x: unknown): FaultArchiveManifest | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'manifest.json is not a JSON object';
  const o = x as Record<string, unknown>;
  if (o.format !== ARCHIVE_FORMAT) return `manifest.json has format ${JSON.stringify(o.format)}, expected "${ARCHIVE_FORMAT}"`;
  if (o.formatVersion !== ARCHIVE_FORMAT_VERSION) {
    return `format version ${JSON.stringify(o.formatVersion)} is not supported (this classes reads version ${ARCHIVE_FORMAT_VERSION}); use the classes release that wrote it`;
  }
  if (typeof o.seed !== 'number' && typeof o.seed !== 'string') return 'manifest.json: "seed" must be a number or a string';
  if (o.modelSha256 !== null && !(typeof o.modelSha256 === 'string' && SHA.test(o.modelSha256))) return 'manifest.json: "modelSha256" must be a sha256 hex string or null';
  if (typeof o.errorModels !== 'object' || o.errorModels === null || Array.isArray(o.errorModels)) return 'manifest.json: "errorModels" must be an object';
  const errorModels: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.errorModels as Record<string, unknown>)) {
    if (typeof v !== 'string') return `manifest.json: errorModels.${k} must be a string`;
    errorModels[k] = v;
  }
  if (!Array.isArray(o.layers)) return 'manifest.json: "layers" must be an array';
  const layers: FaultLayerInfo[] = [];
  let total = 0;
  for (let i = 0; i < o.layers.length; i++) {
    const l = o.layers[i] as Record<string, unknown>;
    const where = `manifest.json: layers[${i}]`;
    if (typeof l !== 'object' || l === null) return `${where} is not an object`;
    for (const key of ['name', 'output', 'errorModel', 'member', 'sha256'] as const) {
      if (typeof l[key] !== 'string' || l[key] === '') return `${where}.${key} must be a non-empty string`;
    }
    const shape = l.shape;
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      return `${where}.shape must be [C, H, W] with integers >= 1`;
    }
    const range = l.range;
    const lo = Array.isArray(range) ? jsonToNumber(range[0]) : undefined;
    const hi = Array.isArray(range) ? jsonToNumber(range[1]) : undefined;
    if (!Array.isArray(range) || range.length !== 2 || lo === undefined || hi === undefined) return `${where}.range must be [min, max]`;
    for (const key of ['count', 'bytes'] as const) {
      if (!Number.isSafeInteger(l[key]) || (l[key] as number) < 0) return `${where}.${key} must be a non-negative integer`;
    }
    if (!SHA.test(l.sha256 as string)) return `${where}.sha256 must be a sha256 hex string`;
    total += l.count as number;
    layers.push({
      name: l.name as string,
      output: l.output as string,
      shape: { c: shape[0], h: shape[1], w: shape[2] },
      range: { min: lo, max: hi },
      errorModel: l.errorModel as string,
      count: l.count as number,
      member: l.member as string,
      sha256: l.sha256 as string,
      bytes: l.bytes as number,
    });
  }
  if (o.totalFaults !== total) return `manifest.json: "totalFaults" (${String(o.totalFaults)}) is not the sum of the layer counts (${total})`;
  return {
    format: ARCHIVE_FORMAT,
    formatVersion: ARCHIVE_FORMAT_VERSION,
    tool: typeof o.tool === 'string' ? o.tool : 'unknown',
    seed: o.seed,
    modelSha256: o.modelSha256 as string | null,
    errorModels,
    totalFaults: total,
    layers,
  };
}
