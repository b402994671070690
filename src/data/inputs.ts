import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { usageError } from '../errors.js';
import { toFloat32, toLabels } from './convert.js';
import { type AppliedImagePreprocessing, type ImageOptions, isImageFile, loadImageFiles, loadImageFolder } from './images.js';
import { isEmptyPreprocessing } from './image-options.js';
import { loadNpy, shapeSize } from './npy.js';
import { DEFAULT_RANDOM_INPUTS, randomInputs } from './random.js';

/** What to load: a `.npy` file, a folder of images, one image, or nothing (seeded random). */
export interface InputSpec {
  /** `.npy` file, image folder or image file; absent: seeded random inputs. */
  path?: string;
  /** `.npy` file of class labels, one per sample of `path` (overrides folder labels). */
  labels?: string;
  /** Per-sample shape the model takes, e.g. [1, 28, 28]; dimensions <= 0 match any size. */
  expectedShape?: readonly number[];
  /** Use at most this many samples (the first ones); for random inputs, how many to make. */
  limit?: number;
  /** Image decoding options; width, height and channels default to `expectedShape`. */
  imageOptions?: ImageOptions;
  /** Seed of random inputs. Default 1. */
  seed?: number | string;
  /** The option that named `path`, for messages. Default `--data`. */
  flag?: string;
}

export interface LoadedInputs {
  /** All samples, one after another (row-major per sample). */
  data: Float32Array;
  count: number;
  sampleShape: number[];
  labels?: Int32Array;
  /** Class names of an image folder, indexed by label. */
  classNames?: string[];
  /** For images: the file of each sample, in order. */
  files?: string[];
  /** Samples the source holds before a limit, when the loader applied the limit itself (images). */
  available?: number;
  /** Where the samples came from, for reports: a path or `random(seed=S)`. */
  source: string;
  /** For images: the preprocessing that made their values (absent for .npy and random data). */
  image?: AppliedImagePreprocessing;
  random: boolean;
  /** Something the user should be told (random data), or absent. */
  warning?: string;
}

/** Load model inputs as float32, check them against the model's input shape, attach labels. */
export function loadInputs(spec: InputSpec): LoadedInputs {
  const flag = spec.flag ?? '--data';
  if (spec.limit !== undefined && !(Number.isInteger(spec.limit) && spec.limit > 0)) {
    throw usageError(`the number of inputs must be a positive integer, got ${spec.limit}`);
  }
  if (spec.path === undefined) {
    if (spec.labels !== undefined) throw usageError(`labels ${spec.labels} were given without ${flag}; give the inputs they label`);
    if (!isEmptyPreprocessing(spec.imageOptions)) throw usageError(`--image-* options preprocess images, but no ${flag} was given (random inputs are used as they are); drop them or give ${flag}`);
    return loadRandom(spec, flag);
  }
  const path = spec.path;
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw usageError(`${flag} ${path} does not exist; give a .npy file or a folder of PNG/JPEG images`);
  }
  let loaded: LoadedInputs;
  const isNpy = !isDir && extname(path).toLowerCase() === '.npy';
  if (isNpy && !isEmptyPreprocessing(spec.imageOptions)) {
    throw usageError(`--image-* options preprocess images, but ${flag} ${path} is a .npy array, used as it is; drop them`);
  }
  if (isDir) loaded = loadImages(spec, path);
  else if (isNpy) loaded = loadNpyInputs(spec, path);
  else if (isImageFile(path)) loaded = loadImages(spec, path);
  else throw usageError(`${flag} ${path}: unsupported input file; give a .npy file, a PNG/JPEG image or a folder of images`);

  // Labels are one per sample of the whole source (an image folder is decoded only as far as the limit).
  if (spec.labels !== undefined) loaded.labels = loadLabels(spec.labels, loaded.available ?? loaded.count, path).subarray(0, loaded.count);
  if (spec.limit !== undefined && spec.limit < loaded.count) {
    const size = shapeSize(loaded.sampleShape);
    loaded.count = spec.limit;
    loaded.data = loaded.data.subarray(0, spec.limit * size);
    loaded.labels = loaded.labels?.subarray(0, spec.limit);
  }
  assertFinite(loaded.data, shapeSize(loaded.sampleShape), path);
  return loaded;
}

function loadRandom(spec: InputSpec, flag: string): LoadedInputs {
  if (spec.expectedShape === undefined) throw usageError(`no ${flag} given and the model input shape is unknown; give ${flag} with real inputs`);
  const count = spec.limit ?? DEFAULT_RANDOM_INPUTS;
  const seed = spec.seed ?? 1;
  const sampleShape = [...spec.expectedShape];
  return {
    data: randomInputs(count, sampleShape, seed),
    count,
    sampleShape,
    source: `random(seed=${seed})`,
    random: true,
    warning: `no ${flag} given: using ${count} seeded random inputs uniform in [0, 1]; operating ranges measured on random data can differ widely from real ones, so give ${flag} with real inputs`,
  };
}

function loadNpyInputs(spec: InputSpec, path: string): LoadedInputs {
  const npy = loadNpy(path);
  const { count, sampleShape } = fitSamples(npy.shape, spec.expectedShape, path);
  return { data: toFloat32(npy), count, sampleShape, source: path, random: false };
}

/**
 * Where a model wants the channels of an image: first ([C, H, W], what PyTorch exports), unless
 * only the last axis can be channels ([H, W, 3] or [H, W, 1], as Keras and TensorFlow exports
 * take them). Symbolic dims (<= 0) can be anything.
 */
export function imageLayoutFor(expected: readonly number[] | undefined): 'NCHW' | 'NHWC' {
  if (expected === undefined || expected.length !== 3) return 'NCHW';
  const channels = (d: number) => d === 1 || d === 3;
  return channels(expected[2]) && !channels(expected[0]) ? 'NHWC' : 'NCHW';
}

function loadImages(spec: InputSpec, path: string): LoadedInputs {
  // Decode only the images used: a folder may hold many more than --inputs.
  const options: ImageOptions = { ...spec.imageOptions, ...(spec.limit === undefined ? {} : { limit: spec.limit }) };
  const expected = spec.expectedShape;
  const layout = (options.layout ??= imageLayoutFor(expected));
  // The model's input shape fills in what the user left out: [C, H, W] or [H, W, C].
  if (expected !== undefined && expected.length === 3) {
    const [c, h, w] = layout === 'NCHW' ? expected : [expected[2], expected[0], expected[1]];
    if (options.channels === undefined) {
      if (c !== 1 && c !== 3 && c > 0) throw usageError(`the model takes ${c} channels but images give 1 or 3; give a .npy file instead of images`);
      if (c === 1 || c === 3) options.channels = c;
    }
    if (options.width !== undefined && h > 0 && w > 0 && (options.width !== w || options.height !== h)) {
      throw usageError(`--image-size ${options.width},${options.height}: the model takes ${w}x${h} images, and images are resized to that; drop --image-size`);
    }
    if (options.width === undefined && options.height === undefined && h > 0 && w > 0) {
      options.width = w;
      options.height = h;
    }
  }
  const set = statSync(path).isDirectory() ? loadImageFolder(path, options) : loadImageFiles([path], options);
  const { count, sampleShape } = fitSamples(set.shape, expected, path);
  return { data: set.inputs, count, sampleShape, labels: set.labels, classNames: set.classNames, files: set.files, available: set.available, source: path, image: set.applied, random: false };
}

/**
 * How to turn samples of shape `got` into `want`, when that is clear. The same dims in another
 * order (channels-last images for a channels-first model) need a transpose: a reshape would
 * keep the numbers in memory order and silently mix pixels and channels up.
 */
function layoutHint(got: readonly number[], want: readonly number[]): string {
  if (!want.every((d) => d > 0)) return '';
  const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
  if (got.length !== want.length) {
    // Flattened samples of the right size: a reshape is right if they were flattened in this order.
    return size(got) === size(want) ? ` (numpy: arr.reshape(-1, ${want.join(', ')}) if each sample was flattened from [${want.join(',')}])` : '';
  }
  // Each wanted dim from the first unused axis of that size: channels-last [H, W, C] for
  // [C, H, W] gives (2, 0, 1) even with H = W.
  const used = new Set<number>();
  const perm: number[] = [];
  for (const d of want) {
    const a = got.findIndex((g, k) => g === d && !used.has(k));
    if (a < 0) return '';
    used.add(a);
    perm.push(a);
  }
  return ` (numpy: arr.transpose(0, ${perm.map((a) => a + 1).join(', ')}) if the axes are in another order; a reshape would mix the values up)`;
}

/**
 * Split an array shape into a sample count and a per-sample shape that must equal the model's:
 * [N, ...expected] or just [...expected] (one sample). Dimensions <= 0 of `expected` are
 * symbolic and match any size.
 */
export function fitSamples(shape: readonly number[], expected: readonly number[] | undefined, name: string): { count: number; sampleShape: number[] } {
  if (shape.length === 0) throw usageError(`${name} holds a single number (a 0-d array); save an array of shape [N, ...sample shape]`);
  const matches = (s: readonly number[]) => expected !== undefined && s.length === expected.length && s.every((d, i) => expected[i] <= 0 || d === expected[i]);
  let fit: { count: number; sampleShape: number[] };
  if (expected === undefined) fit = { count: shape[0], sampleShape: shape.slice(1) };
  else if (matches(shape.slice(1))) fit = { count: shape[0], sampleShape: shape.slice(1) };
  else if (matches(shape)) fit = { count: 1, sampleShape: [...shape] };
  else {
    const want = expected.map((d) => (d > 0 ? String(d) : '?')).join(',');
    throw usageError(`${name} has shape [${shape.join(',')}] but the model takes samples of shape [${want}]; save the inputs as [N,${want}]${layoutHint(shape.slice(1), expected)}`);
  }
  if (fit.count === 0 || shapeSize(fit.sampleShape) === 0) throw usageError(`${name} holds no samples (shape [${shape.join(',')}]); give a non-empty array`);
  return fit;
}

function loadLabels(path: string, count: number, inputsPath: string): Int32Array {
  if (extname(path).toLowerCase() !== '.npy') throw usageError(`labels ${path}: give the labels as a .npy file of integer class indices`);
  const labels = toLabels(loadNpy(path), path);
  if (labels.length !== count) {
    throw usageError(`labels ${path} has ${labels.length} labels but ${inputsPath} has ${count} samples; give one label per sample`);
  }
  return labels;
}

function assertFinite(data: Float32Array, sampleSize: number, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw usageError(`${name}: sample ${Math.floor(i / sampleSize)} contains ${data[i]}; inputs must be finite numbers, clean or drop that sample`);
    }
  }
}

/** The error for a model input that declares no shape: the data could not be checked against it. */
export function noInputShape(modelPath: string, inputName: string): string {
  return `${modelPath}: input "${inputName}" declares no shape; re-export the model with its input shape (for example [N,3,32,32], the batch axis symbolic)`;
}
