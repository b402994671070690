import { runtimeError } from '../errors.js';
import { readUserFile } from '../util/files.js';
import type { LayerProfile, Profile } from './types.js';

/** The profile as JSON text (what --json prints and -o writes). */
export function profileToJson(profile: Profile): string {
  return `${JSON.stringify(profile, null, 2)}\n`;
}

/**
 * Read and check a profile.json written by `classes profile -o`. A missing file is a usage
 * error; a malformed one a runtime error naming the file and the field.
 */
export function readProfile(path: string): Profile {
  const text = readUserFile(path, 'profile').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw runtimeError(`${path} is not valid JSON (${(err as Error).message}); regenerate it with \`classes profile MODEL -o ${path} --force\``);
  }
  return validateProfile(value, path);
}

export function validateProfile(value: unknown, path = 'profile'): Profile {
  const fail = (field: string, want: string): never => {
    throw runtimeError(`${path}: ${field} must be ${want}; regenerate the file with \`classes profile MODEL -o ${path} --force\``);
  };
  if (!isObject(value)) return fail('the top level', 'a JSON object');
  if (typeof value.model !== 'string') fail('"model"', 'a string');
  if (typeof value.modelSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.modelSha256)) fail('"modelSha256"', 'a 64-digit hex SHA-256');
  if (!isCount(value.inputs)) fail('"inputs"', 'a whole number');
  if (!Array.isArray(value.layers)) fail('"layers"', 'an array');
  // A layer (or an output tensor: ONNX gives each tensor one producer) listed twice can only
  // come from a hand edit; later commands key layers by these names and would fail deep inside.
  const names = new Set<string>();
  const outputs = new Set<string>();
  (value.layers as unknown[]).forEach((l, i) => {
    const at = `layers[${i}]`;
    if (!isObject(l)) return fail(at, 'an object');
    for (const key of ['name', 'op', 'output'] as const) if (typeof l[key] !== 'string' || l[key] === '') fail(`${at}.${key}`, 'a non-empty string');
    const { name, output } = l as { name: string; output: string };
    if (names.has(name)) fail(`${at}.name`, `unique, but layer ${name} is listed twice`);
    if (outputs.has(output)) fail(`${at}.output`, `unique, but output ${output} is listed twice`);
    names.add(name);
    outputs.add(output);
    if (l.errorModel !== null && typeof l.errorModel !== 'string') fail(`${at}.errorModel`, 'a string or null');
    if (!Array.isArray(l.shape) || !l.shape.every(isCount)) fail(`${at}.shape`, 'an array of whole numbers');
    for (const key of ['min', 'max', 'ms'] as const) if (l[key] !== null && !(typeof l[key] === 'number' && Number.isFinite(l[key]))) fail(`${at}.${key}`, 'a number or null');
    if (typeof l.min === 'number' && typeof l.max === 'number' && l.min > l.max) fail(`${at}.min`, `at most max (${l.max})`);
    if (!isCount(l.nonFinite)) fail(`${at}.nonFinite`, 'a whole number');
    // Files from before the extensions: fill them in.
    if (l.index === undefined) l.index = i;
    if (l.injectable === undefined) l.injectable = l.errorModel !== null;
  });
  return value as unknown as Profile;
}

/** The injectable layers of a profile, in order. */
export function injectableLayers(profile: Profile): LayerProfile[] {
  return profile.layers.filter((l) => l.errorModel !== null);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
