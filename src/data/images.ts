import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { runtimeError, usageError } from '../errors.js';
import { readUserFile } from '../util/files.js';

/**
 * PNG and JPEG images to float32 tensors. A folder either holds the images directly (no labels)
 * or holds one sub-folder per class (labels are the sub-folder indices in sorted order, as
 * torchvision's ImageFolder does).
 */

export type ResizeMethod = 'bilinear' | 'nearest';

export interface ImageOptions {
  /** Target size; default: the size of the first image (then all images must have it). */
  width?: number;
  height?: number;
  /** 1: grayscale (ITU-R 601 luma rounded to a grey level, as PIL's "L"), 3: RGB. Default 3. Alpha is ignored. */
  channels?: 1 | 3;
  /** Multiplies the 0..255 pixel values before mean/std. Default 1/255. */
  scale?: number;
  /** Per channel (or one for all): value = (pixel * scale - mean) / std. Defaults 0 and 1. */
  mean?: number | number[];
  std?: number | number[];
  /** Memory layout of the result. Default NCHW, what ONNX vision models take. */
  layout?: 'NCHW' | 'NHWC';
  /** Default bilinear (half-pixel centres, no antialiasing). */
  resize?: ResizeMethod;
  /** Take at most this many images (round-robin over classes, see loadImageFolder). */
  limit?: number;
}

export interface ImageSet {
  /** All images, one after another, in `layout`. */
  inputs: Float32Array;
  /** [N, C, H, W] for NCHW, [N, H, W, C] for NHWC. */
  shape: number[];
  /** Class index of each image; absent when the images are directly in the folder. */
  labels?: Int32Array;
  /** Sub-folder name of each class index. */
  classNames?: string[];
  /** Path of each image, in order. */
  files: string[];
  /** Images the folder holds, before a limit. */
  available: number;
  /** The preprocessing applied, defaults filled in: what a report records so a run can be redone. */
  applied: AppliedImagePreprocessing;
}

/** Every setting that shaped the float values of an image set. */
export interface AppliedImagePreprocessing {
  width: number;
  height: number;
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  scale: number;
  mean: number[];
  std: number[];
  resize: ResizeMethod;
}

/** One decoded image: 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

export function isImageFile(path: string): boolean {
  return IMAGE_EXT.has(extname(path).toLowerCase());
}

/** Decode a PNG or JPEG file (by its signature, not its name). */
export function decodeImage(path: string): RgbaImage {
  const bytes = readUserFile(path, 'image');
  try {
    if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw runtimeError(`cannot decode image ${path}: ${(err as Error).message}; check that the file is a valid PNG or JPEG`);
  }
  throw runtimeError(`${path} is neither a PNG nor a JPEG file; convert it or remove it from the folder`);
}

/** Image files of a folder and their labels, in the order the loader uses. */
export interface ImageListing {
  files: string[];
  labels?: Int32Array;
  classNames?: string[];
}

/**
 * List a folder. With class sub-folders, the files are interleaved round-robin over the classes
 * (first image of each class, then the second, ...), so any prefix, e.g. the first 64 inputs of
 * a campaign, covers every class. Names are sorted by code point, so the order is the same on
 * every machine.
 */
export function listImageFolder(dir: string): ImageListing {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (err) {
    throw usageError(`cannot read image folder ${dir}: ${(err as Error).message}; check the path`);
  }
  const subdirs = entries.filter((e) => !isHidden(e) && kindOf(join(dir, e)) === 'dir');
  const topImages = entries.filter((e) => !isHidden(e) && isImageFile(e) && kindOf(join(dir, e)) === 'file');
  const classes = subdirs
    .map((name) => ({
      name,
      files: readdirSync(join(dir, name))
        .sort()
        .filter((f) => !isHidden(f) && isImageFile(f) && kindOf(join(dir, name, f)) === 'file')
        .map((f) => join(dir, name, f)),
    }))
    .filter((c) => c.files.length > 0);
  if (classes.length > 0 && topImages.length > 0) {
    throw usageError(`image folder ${dir} mixes images (${topImages[0]}, ...) and class sub-folders; move the images into sub-folders or remove the sub-folders`);
  }
  if (classes.length === 0) {
    if (topImages.length === 0) {
      throw usageError(`image folder ${dir} holds no .png, .jpg or .jpeg files, directly or in class sub-folders; check the path`);
    }
    return { files: topImages.map((f) => join(dir, f)) };
  }
  const files: string[] = [];
  const labels: number[] = [];
  const longest = Math.max(...classes.map((c) => c.files.length));
  for (let i = 0; i < longest; i++) {
    classes.forEach((c, label) => {
      if (i < c.files.length) {
        files.push(c.files[i]);
        labels.push(label);
      }
    });
  }
  return { files, labels: Int32Array.from(labels), classNames: classes.map((c) => c.name) };
}

/**
 * Dot-files are not images of the set: macOS writes an AppleDouble `._name.png` (resource-fork
 * metadata, not a PNG) next to each file copied to a non-Mac file system, and dot-folders are
 * skipped already.
 */
function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** 'dir', 'file', or null for anything else (a broken link, a socket). */
function kindOf(path: string): 'dir' | 'file' | null {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}

/** Load a folder of images into one float32 tensor. */
export function loadImageFolder(dir: string, options: ImageOptions = {}): ImageSet {
  const listing = listImageFolder(dir);
  const n = Math.min(listing.files.length, options.limit ?? Infinity);
  const files = listing.files.slice(0, n);
  const set = loadImageFiles(files, options);
  return {
    ...set,
    labels: listing.labels?.slice(0, n),
    classNames: listing.classNames,
    available: listing.files.length,
  };
}

/** Load the given image files, in order, into one float32 tensor. */
export function loadImageFiles(files: string[], options: ImageOptions = {}): ImageSet {
  const channels = options.channels ?? 3;
  const layout = options.layout ?? 'NCHW';
  const scale = options.scale ?? 1 / 255;
  const mean = perChannel(options.mean ?? 0, channels, 'mean');
  const std = perChannel(options.std ?? 1, channels, 'std');
  if (std.some((s) => s === 0 || !Number.isFinite(s))) throw usageError(`image std must be finite and non-zero, got [${std.join(',')}]`);
  for (const [name, v] of [['width', options.width], ['height', options.height]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw usageError(`image ${name} must be a positive integer, got ${v}`);
  }
  if ((options.width === undefined) !== (options.height === undefined)) {
    throw usageError('give both an image width and height to resize, or neither to keep the size of the images');
  }
  if (files.length === 0) throw usageError('no image files to load');
  // Without a target size, the first image sets it and every other image must match.
  const first = options.width === undefined ? decodeImage(files[0]) : undefined;
  const width = options.width ?? first!.width;
  const height = options.height ?? first!.height;
  const pixels = width * height;
  const resize = options.resize ?? 'bilinear';
  const inputs = new Float32Array(files.length * channels * pixels);
  const planes = Array.from({ length: channels }, () => new Float32Array(pixels));
  files.forEach((file, i) => {
    const img = i === 0 && first !== undefined ? first : decodeImage(file);
    if (first !== undefined && (img.width !== width || img.height !== height)) {
      throw usageError(`${file} is ${img.width}x${img.height} but ${files[0]} is ${width}x${height}; give --image-size W,H (or imageSize in a campaign file) to resize every image to one size`);
    }
    const src = toPlanes(img, channels);
    for (let c = 0; c < channels; c++) resizePlane(src[c], img.width, img.height, planes[c], width, height, resize);
    writeSample(inputs, i, planes, pixels, layout, scale, mean, std);
  });
  const shape = layout === 'NCHW' ? [files.length, channels, height, width] : [files.length, height, width, channels];
  return { inputs, shape, files, available: files.length, applied: { width, height, channels, layout, scale, mean, std, resize } };
}

function perChannel(v: number | number[], channels: number, what: string): number[] {
  if (typeof v === 'number') return new Array<number>(channels).fill(v);
  if (v.length === 1) return new Array<number>(channels).fill(v[0]);
  if (v.length !== channels) {
    throw usageError(`the image ${what} (--image-${what}) has ${v.length} values but the model's input has ${channels} channel${channels === 1 ? '' : 's'}; give one value${channels === 1 ? '' : `, or ${channels}`}`);
  }
  return v;
}

/** Split RGBA into `channels` float planes of 0..255 values. */
function toPlanes(img: RgbaImage, channels: 1 | 3): Float32Array[] {
  const n = img.width * img.height;
  const d = img.data;
  if (channels === 1) {
    const g = new Float32Array(n);
    // PIL's "L": ITU-R 601 luma in 16-bit fixed point, rounded to a whole grey level, so that grey
    // inputs match what a PyTorch pipeline (PIL's convert('L')) feeds the model.
    for (let p = 0, q = 0; p < n; p++, q += 4) g[p] = (d[q] * 19595 + d[q + 1] * 38470 + d[q + 2] * 7471 + 0x8000) >>> 16;
    return [g];
  }
  const r = new Float32Array(n);
  const gr = new Float32Array(n);
  const b = new Float32Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    r[p] = d[q];
    gr[p] = d[q + 1];
    b[p] = d[q + 2];
  }
  return [r, gr, b];
}

/**
 * Resize one plane. Pixel centres are at half-integers (align_corners=False, as in PIL, OpenCV
 * and torch), and edges are clamped. Same size is a plain copy.
 */
export function resizePlane(src: Float32Array, sw: number, sh: number, dst: Float32Array, dw: number, dh: number, method: ResizeMethod): void {
  if (sw === dw && sh === dh) {
    dst.set(src);
    return;
  }
  const sx = sw / dw;
  const sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    if (method === 'nearest') {
      const yi = Math.min(Math.floor((y + 0.5) * sy), sh - 1);
      for (let x = 0; x < dw; x++) dst[y * dw + x] = src[yi * sw + Math.min(Math.floor((x + 0.5) * sx), sw - 1)];
      continue;
    }
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      const top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
      const bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
      dst[y * dw + x] = top * (1 - wy) + bottom * wy;
    }
  }
}

function writeSample(out: Float32Array, index: number, planes: Float32Array[], pixels: number, layout: 'NCHW' | 'NHWC', scale: number, mean: number[], std: number[]): void {
  const channels = planes.length;
  const base = index * channels * pixels;
  for (let c = 0; c < channels; c++) {
    const plane = planes[c];
    const m = mean[c];
    const s = std[c];
    if (layout === 'NCHW') {
      const o = base + c * pixels;
      for (let p = 0; p < pixels; p++) out[o + p] = (plane[p] * scale - m) / s;
    } else {
      for (let p = 0; p < pixels; p++) out[base + p * channels + c] = (plane[p] * scale - m) / s;
    }
  }
}
