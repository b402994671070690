/**
 * The image preprocessing a user can ask for on the command line or in a campaign file: scale,
 * mean and std per channel, resize method, and a size for models whose rows and columns are
 * free. The rest (channels, layout, a fixed size) comes from the model.
 */
import { usageError } from '../errors.js';
import type { ImageOptions, ResizeMethod } from './images.js';

export const RESIZE_METHODS: readonly ResizeMethod[] = ['bilinear', 'nearest'];

/** What was asked for; absent fields keep the loader's defaults (scale 1/255, mean 0, std 1, bilinear). */
export type ImagePreprocessing = Pick<ImageOptions, 'scale' | 'resize' | 'width' | 'height'> & { mean?: number[]; std?: number[] };

/** One value for every channel, or one per channel: "0.5", "0.485,0.456,0.406", or a JSON number or array. */
export function parseChannelValues(v: unknown, where: string, positive: boolean): number[] {
  const parts = typeof v === 'number' ? [v] : Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : null;
  const values = parts?.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && p !== '' ? Number(p) : NaN)) ?? [];
  if (values.length === 0 || values.some((x) => !Number.isFinite(x) || (positive && x <= 0))) {
    throw usageError(`${where}: expected ${positive ? 'positive ' : ''}numbers, one for all channels or one per channel (e.g. 0.485,0.456,0.406); got ${JSON.stringify(v)}`);
  }
  return values;
}

export function parseImageScale(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!(Number.isFinite(n) && n > 0)) throw usageError(`${where}: expected a positive number (pixel values 0..255 are multiplied by it), got ${JSON.stringify(v)}`);
  return n;
}

/** An image size "W,H" (or a JSON [W, H]): both positive integers. */
export function parseImageSize(v: unknown, where: string): { width: number; height: number } {
  const parts = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [];
  const n = parts.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : NaN));
  if (n.length !== 2 || !n.every((x) => Number.isSafeInteger(x) && x > 0)) {
    throw usageError(`${where}: expected a width and a height in pixels, e.g. 224,224; got ${JSON.stringify(v)}`);
  }
  return { width: n[0], height: n[1] };
}

export function parseResizeMethod(v: unknown, where: string): ResizeMethod {
  if (!RESIZE_METHODS.includes(v as ResizeMethod)) throw usageError(`${where}: expected one of ${RESIZE_METHODS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as ResizeMethod;
}

/** The flags of `profile` as preprocessing; throws a usage error naming the flag. */
export function imagePreprocessingFromFlags(flags: { imageScale?: string; imageMean?: string; imageStd?: string; imageResize?: string; imageSize?: string }): ImagePreprocessing {
  const p: ImagePreprocessing = {};
  if (flags.imageSize !== undefined) Object.assign(p, parseImageSize(flags.imageSize, '--image-size'));
  if (flags.imageScale !== undefined) p.scale = parseImageScale(flags.imageScale, '--image-scale');
  if (flags.imageMean !== undefined) p.mean = parseChannelValues(flags.imageMean, '--image-mean', false);
  if (flags.imageStd !== undefined) p.std = parseChannelValues(flags.imageStd, '--image-std', true);
  if (flags.imageResize !== undefined) p.resize = parseResizeMethod(flags.imageResize, '--image-resize');
  return p;
}

/** True when none of the preprocessing settings is given (channels and layout do not count). */
export function isEmptyPreprocessing(p: Pick<ImageOptions, 'scale' | 'mean' | 'std' | 'resize' | 'width'> | undefined): boolean {
  return p === undefined || (p.scale === undefined && p.mean === undefined && p.std === undefined && p.resize === undefined && p.width === undefined);
}
