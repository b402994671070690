/**
 * Campaign settings: what a campaign file (campaigns/*.json) and the run-campaign flags hold.
 * Both sources are parsed into the same `RawSettings` (every value checked, every path made
 * absolute: a file's paths relative to the file, a flag's relative to the working directory),
 * then merged with flags winning, then completed with defaults into `CampaignSettings`.
 */
import { EARLY_EXIT_MODES, type EarlyExitMode } from './early-exit.js';
import { WINDOW_MODES, type WindowMode } from './window/setup.js';
import { availableParallelism } from 'node:os';
import { isGpuProvider } from '../runtime/providers.js';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { usageError } from '../errors.js';
import { MAX_FAULTS_PER_LAYER } from '../faults/faultlist.js';
import { readUserFile } from '../util/files.js';
import type { ResizeMethod } from '../data/images.js';
import { parseChannelValues, parseImageScale, parseImageSize, parseResizeMethod, type ImagePreprocessing } from '../data/image-options.js';
import { CRITERIA, CLASSES_DEFAULT_TOLERANCE, type Criteria } from './outcome.js';

export type Provider = 'cpu' | 'cuda' | 'webgpu';
export const PROVIDERS: readonly Provider[] = ['cpu', 'cuda', 'webgpu'];

export interface Shard {
  /** 1-based shard number (the i of i/n). */
  index: number;
  count: number;
}

/** Settings as read from one source; absent keys were not given there. */
export interface RawSettings {
  name?: string;
  model?: string;
  data?: string;
  labels?: string;
  errorModels?: string;
  faults?: string;
  layers?: 'all' | string[];
  faultsPerLayer?: number | 'auto';
  margin?: number;
  confidence?: number;
  seed?: number;
  inputs?: number;
  provider?: Provider;
  out?: string;
  workers?: number;
  batch?: number | 'auto';
  topK?: number;
  tolerance?: number;
  criteria?: Criteria;
  mismatchesOnly?: boolean;
  earlyExit?: EarlyExitMode;
  window?: WindowMode;
  imageScale?: number;
  imageMean?: number[];
  imageStd?: number[];
  imageResize?: ResizeMethod;
  imageSize?: { width: number; height: number };
}

/** Everything a run needs, complete. */
export interface CampaignSettings {
  name: string;
  model: string;
  data: string;
  labels: string | null;
  /** null with a stored fault list (--faults); else a folder (default: the package's error_models/). */
  errorModels: string | null;
  faults: string | null;
  layers: 'all' | string[];
  /**
   * Faults per target layer: a count, `auto` (Leveugle sample size from margin and confidence;
   * margin and confidence are ignored otherwise), or null: every fault of the stored list.
   */
  faultsPerLayer: number | 'auto' | null;
  margin: number;
  confidence: number;
  seed: number;
  /** null: every input of the data. */
  inputs: number | null;
  provider: Provider;
  out: string;
  workers: number;
  /**
   * Faulty copies stacked per suffix run, at most; 'auto' (the default on a GPU) picks it per
   * layer (run-size.ts, gpuLayerBatch).
   */
  batch: number | 'auto';
  topK: number;
  tolerance: number;
  criteria: Criteria;
  mismatchesOnly: boolean;
  /** Stop faults whose effect dies out a few nodes after the target (early-exit.ts); results do not depend on it. */
  earlyExit: EarlyExitMode;
  /**
   * Run faults that touch a small part of the target windowed (window/). Windowed runs compute
   * every node on its own, so their scores can differ in the last bits from the suffix's: it is
   * part of what a run's results depend on (and of the plan key).
   */
  window: WindowMode;
  /** How image inputs are preprocessed (only the fields given; refused for .npy data). */
  image: ImagePreprocessing;
  shard: Shard | null;
  force: boolean;
  json: boolean;
}

export const DEFAULTS = {
  faultsPerLayer: 100,
  margin: 0.01,
  confidence: 0.95,
  seed: 0,
  provider: 'cpu' as Provider,
  batch: 32,
  topK: 1,
  criteria: 'default' as Criteria,
} as const;

/** The settings keys, each with its flag name (the file accepts both spellings). */
const KEYS: Record<keyof RawSettings, string> = {
  name: 'name',
  model: 'model',
  data: 'data',
  labels: 'labels',
  errorModels: 'error-models',
  faults: 'faults',
  layers: 'layers',
  faultsPerLayer: 'faults-per-layer',
  margin: 'margin',
  confidence: 'confidence',
  seed: 'seed',
  inputs: 'inputs',
  provider: 'provider',
  out: 'out',
  workers: 'workers',
  batch: 'batch',
  topK: 'top-k',
  tolerance: 'tolerance',
  criteria: 'criteria',
  mismatchesOnly: 'mismatches-only',
  earlyExit: 'early-exit',
  window: 'window',
  imageScale: 'image-scale',
  imageMean: 'image-mean',
  imageStd: 'image-std',
  imageResize: 'image-resize',
  imageSize: 'image-size',
};
/** Keys a campaign file may carry for people only. */
const COMMENT_KEYS = new Set(['description', 'comment', '$schema']);
/** Input paths: resolved against the campaign file's folder. `out` is not one of them (see below). */
const INPUT_PATH_KEYS = new Set<keyof RawSettings>(['model', 'data', 'labels', 'errorModels', 'faults']);

function keyOf(name: string): keyof RawSettings | undefined {
  for (const [k, flag] of Object.entries(KEYS)) if (name === k || name === flag) return k as keyof RawSettings;
  return undefined;
}

// ---- value parsers: each takes the raw value and `where` (a flag or "file: key") for messages ----

function parseNumber(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw usageError(`${where}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function parseInteger(v: unknown, where: string, min: number): number {
  const n = parseNumber(v, where);
  // Past 2^53 integers no longer survive a round trip through a double (a seed would silently
  // become its neighbour).
  if (!Number.isInteger(n) || n < min) throw usageError(`${where}: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  if (!Number.isSafeInteger(n)) throw usageError(`${where}: ${JSON.stringify(v)} is past ${Number.MAX_SAFE_INTEGER} (2^53 - 1), where integers lose their last digits; give a smaller one`);
  return n;
}

function parseFraction(v: unknown, where: string): number {
  const n = parseNumber(v, where);
  if (!(n > 0 && n < 1)) throw usageError(`${where}: expected a number between 0 and 1 (exclusive), got ${JSON.stringify(v)}`);
  return n;
}

function parseString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw usageError(`${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function parseBoolean(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw usageError(`${where}: expected true or false, got ${JSON.stringify(v)}`);
}

export function parseLayers(v: unknown, where: string): 'all' | string[] {
  let names: string[];
  if (typeof v === 'string') {
    if (v.trim() === 'all') return 'all';
    names = v.split(',').map((s) => s.trim());
  } else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) {
    names = (v as string[]).map((s) => s.trim());
  } else {
    throw usageError(`${where}: expected "all" or a comma-separated list of node or tensor names`);
  }
  if (names.length === 0 || names.some((s) => s === '')) throw usageError(`${where}: empty layer name in ${JSON.stringify(v)}`);
  return [...new Set(names)];
}

export function parseShard(v: unknown, where: string): Shard {
  const m = typeof v === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v) : null;
  if (!m) throw usageError(`${where}: expected i/n with 1 <= i <= n, e.g. 2/8; got ${JSON.stringify(v)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1 && index >= 1 && index <= count)) throw usageError(`${where}: shard ${index}/${count} is out of range; use i/n with 1 <= i <= n`);
  return { index, count };
}

function parseValue(key: keyof RawSettings, v: unknown, where: string): RawSettings[keyof RawSettings] {
  switch (key) {
    case 'name': {
      // It names the default results folder, results/<name>: one folder name, never a path.
      const name = parseString(v, where);
      if (name.trim() === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name)) throw usageError(`${where}: a campaign name is one folder name (no / or \\ or control characters, not . or ..), got ${JSON.stringify(name)}`);
      return name;
    }
    case 'model':
    case 'data':
    case 'labels':
    case 'errorModels':
    case 'faults':
    case 'out':
      return parseString(v, where);
    case 'layers':
      return parseLayers(v, where);
    case 'faultsPerLayer': {
      if (v === 'auto') return 'auto';
      const n = parseInteger(v, where, 1);
      if (n > MAX_FAULTS_PER_LAYER) throw usageError(`${where}: at most ${MAX_FAULTS_PER_LAYER} faults per layer, got ${n}; ask for fewer (a campaign rarely needs more than a few thousand) or split the layers over several runs`);
      return n;
    }
    case 'margin':
    case 'confidence':
      return parseFraction(v, where);
    case 'seed':
      return parseInteger(v, where, 0);
    case 'batch': {
      if (v === 'auto') return 'auto';
      const n = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${where}: expected auto or a whole number >= 1, got ${JSON.stringify(v)}`);
      return n;
    }
    case 'inputs':
    case 'workers':
    case 'topK':
      return parseInteger(v, where, 1);
    case 'tolerance': {
      const t = parseNumber(v, where);
      if (t < 0) throw usageError(`${where}: tolerance must be >= 0, got ${t}`);
      return t;
    }
    case 'provider':
      if (!PROVIDERS.includes(v as Provider)) throw usageError(`${where}: expected one of ${PROVIDERS.join(', ')}, got ${JSON.stringify(v)}`);
      return v as Provider;
    case 'criteria':
      if (!CRITERIA.includes(v as Criteria)) throw usageError(`${where}: expected one of ${CRITERIA.join(', ')}, got ${JSON.stringify(v)}`);
      return v as Criteria;
    case 'mismatchesOnly':
      return parseBoolean(v, where);
    case 'earlyExit':
      if (!EARLY_EXIT_MODES.includes(v as EarlyExitMode)) throw usageError(`${where}: expected one of ${EARLY_EXIT_MODES.join(', ')}, got ${JSON.stringify(v)}`);
      return v as EarlyExitMode;
    case 'window':
      if (!WINDOW_MODES.includes(v as WindowMode)) throw usageError(`${where}: expected one of ${WINDOW_MODES.join(', ')}, got ${JSON.stringify(v)}`);
      return v as WindowMode;
    case 'imageScale':
      return parseImageScale(v, where);
    case 'imageMean':
      return parseChannelValues(v, where, false);
    case 'imageStd':
      return parseChannelValues(v, where, true);
    case 'imageResize':
      return parseResizeMethod(v, where);
    case 'imageSize':
      return parseImageSize(v, where);
  }
}

/** Read a campaign file. Input paths in it are taken relative to the file's folder. */
export function readCampaignFile(path: string): RawSettings {
  const file = resolve(path);
  const text = readUserFile(file, 'campaign file').toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw usageError(`campaign file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw usageError(`campaign file ${path} must hold a JSON object of settings`);
  const raw: RawSettings = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (COMMENT_KEYS.has(name)) continue;
    const key = keyOf(name);
    if (!key) throw usageError(`campaign file ${path}: unknown setting "${name}"; known: ${Object.values(KEYS).join(', ')}`);
    const parsed = parseValue(key, value, `${path}: ${name}`);
    (raw as Record<string, unknown>)[key] = INPUT_PATH_KEYS.has(key) ? resolve(dirname(file), parsed as string) : parsed;
  }
  if (raw.name === undefined) raw.name = basename(dirname(file));
  return raw;
}

/**
 * Settings from command-line flags as commander gives them (strings, booleans, undefined).
 * `flags` is keyed by commander's camelCase option names.
 */
export function settingsFromFlags(flags: Record<string, unknown>, cwd: string = process.cwd()): RawSettings {
  const raw: RawSettings = {};
  for (const [key, flag] of Object.entries(KEYS) as [keyof RawSettings, string][]) {
    const v = flags[key];
    if (v === undefined) continue;
    const parsed = parseValue(key, v, `--${flag}`);
    (raw as Record<string, unknown>)[key] = INPUT_PATH_KEYS.has(key) || key === 'out' ? resolve(cwd, parsed as string) : parsed;
  }
  return raw;
}

export interface CompleteOptions {
  /** The package's default error_models/ folder, used when neither error models nor a fault list are given. */
  defaultErrorModels: string;
  shard?: Shard | null;
  force?: boolean;
  json?: boolean;
  cwd?: string;
}

/**
 * Refuse settings that would be silently ignored: a seed or error models next to a stored fault
 * list, a margin or confidence next to a fixed fault count. Only where the ignored setting comes
 * from the same source as what overrides it, or a later one: a flag that overrides a campaign
 * file (--faults over the file's error models, say) is what flags are for.
 */
/** Index of the last source that sets `k`, or -1. */
function lastSetIn(sources: readonly RawSettings[], k: keyof RawSettings): number {
  for (let i = sources.length - 1; i >= 0; i--) if (sources[i][k] !== undefined) return i;
  return -1;
}

const IMAGE_KEYS = ['imageScale', 'imageMean', 'imageStd', 'imageResize', 'imageSize'] as const;

function checkIgnoredSettings(sources: readonly RawSettings[], merged: RawSettings): void {
  const lastSet = (k: keyof RawSettings): number => lastSetIn(sources, k);
  const where = (k: keyof RawSettings, i: number): string => (i === sources.length - 1 ? `--${KEYS[k]}` : `"${k}" of the campaign file`);
  const faults = lastSet('faults');
  if (faults >= 0) {
    for (const k of ['seed', 'errorModels'] as const) {
      const i = lastSet(k);
      if (i >= faults) throw usageError(`${where(k, i)} is for generated faults, but the faults come from the stored list ${merged.faults}; drop ${where(k, i)}`);
    }
  }
  if (merged.faultsPerLayer !== 'auto') {
    const count = lastSet('faultsPerLayer');
    for (const k of ['margin', 'confidence'] as const) {
      const i = lastSet(k);
      if (i >= 0 && i >= count) throw usageError(`${where(k, i)} sizes the sample of --faults-per-layer auto only; pass --faults-per-layer auto or drop ${where(k, i)}`);
    }
  }
}

/**
 * Merge sources (later ones win) and fill in defaults. `out` from a campaign file is taken
 * relative to the working directory: results belong where the user runs, not inside the
 * (possibly installed, read-only) campaign folder. Default out: results/<campaign name>.
 */
export function completeSettings(sources: RawSettings[], opts: CompleteOptions): CampaignSettings {
  const s: RawSettings = Object.assign({}, ...sources) as RawSettings;
  const cwd = opts.cwd ?? process.cwd();
  if (!s.model) throw usageError('no model given: pass --model FILE.onnx or a campaign file');
  if (!s.data) throw usageError('no input data given: pass --data FILE.npy or a campaign file');
  const criteria = s.criteria ?? DEFAULTS.criteria;
  if (criteria === 'classes' && s.topK !== undefined && s.topK !== 1) {
    throw usageError('--top-k does not apply to --criteria classes (the reference rule fixes its own top-1 test); drop one of them');
  }
  // A campaign file's image preprocessing is for its own images: a later --data .npy replaces both.
  if (s.data !== undefined && s.data.toLowerCase().endsWith('.npy')) {
    const dataAt = lastSetIn(sources, 'data');
    for (const k of IMAGE_KEYS) if (lastSetIn(sources, k) < dataAt) delete s[k];
  }
  // A campaign file's labels belong to its own data: a later --data without --labels drops them.
  if (s.labels !== undefined && lastSetIn(sources, 'labels') < lastSetIn(sources, 'data')) delete s.labels;
  checkIgnoredSettings(sources, s);
  // ONNX Runtime 1.30's WebGPU provider crashes the process (a segmentation fault, seen on an
  // H100 and on Mesa's software Vulkan) with sessions in worker threads: one worker runs in the
  // main thread, so more than one cannot be given.
  if (s.provider === 'webgpu' && s.workers !== undefined && s.workers > 1) {
    throw usageError(`--workers ${s.workers}: the WebGPU provider crashes in worker threads; use --workers 1 (the default with a GPU provider)`);
  }
  const name = s.name ?? 'campaign';
  const outRaw = s.out ?? (s.name ? `results/${name}` : 'results');
  return {
    name,
    model: s.model,
    data: s.data,
    labels: s.labels ?? null,
    errorModels: s.faults ? null : (s.errorModels ?? opts.defaultErrorModels),
    faults: s.faults ?? null,
    layers: s.layers ?? 'all',
    faultsPerLayer: s.faultsPerLayer ?? (s.faults ? null : DEFAULTS.faultsPerLayer),
    margin: s.margin ?? DEFAULTS.margin,
    confidence: s.confidence ?? DEFAULTS.confidence,
    seed: s.seed ?? DEFAULTS.seed,
    inputs: s.inputs ?? null,
    provider: s.provider ?? DEFAULTS.provider,
    out: isAbsolute(outRaw) ? outRaw : resolve(cwd, outRaw),
    workers: s.workers ?? (isGpuProvider(s.provider ?? DEFAULTS.provider) ? 1 : availableParallelism()),
    // On a GPU each run has a fixed cost that larger batches share (run-size.ts, gpuLayerBatch).
    batch: s.batch ?? (isGpuProvider(s.provider ?? DEFAULTS.provider) ? 'auto' : DEFAULTS.batch),
    topK: s.topK ?? DEFAULTS.topK,
    tolerance: s.tolerance ?? (criteria === 'classes' ? CLASSES_DEFAULT_TOLERANCE : 0),
    criteria,
    mismatchesOnly: s.mismatchesOnly ?? false,
    earlyExit: s.earlyExit ?? 'off',
    // Windowed runs make one ONNX Runtime call per node: they pay on the CPU, not on a GPU.
    window: s.window ?? (isGpuProvider(s.provider ?? DEFAULTS.provider) ? 'off' : 'auto'),
    image: Object.fromEntries(
      Object.entries({ scale: s.imageScale, mean: s.imageMean, std: s.imageStd, resize: s.imageResize, width: s.imageSize?.width, height: s.imageSize?.height }).filter(([, v]) => v !== undefined),
    ) as ImagePreprocessing,
    shard: opts.shard ?? null,
    force: opts.force ?? false,
    json: opts.json ?? false,
  };
}
