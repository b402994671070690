/**
 * The image preprocessing a user can ask for on the command line or in a campaign file: scale,
 * mean and std per channel, resize method. The rest (size, channels) comes from the model.
 */
import { usageError } from '../errors.js';
import type { ImageOptions, ResizeMethod } from './images.js';

export const RESIZE_METHODS: readonly ResizeMethod[] = ['bilinear', 'nearest'];

/** What was asked for; absent fields keep the loader's defaults (scale 1/255, mean 0, std 1, bilinear). */
export type ImagePreprocessing = Pick<ImageOptions, 'scale' | 'resize'> & { mean?: number[]; std?: number[] };

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

export function parseResizeMethod(v: unknown, where: string): ResizeMethod {
  if (!RESIZE_METHODS.includes(v as ResizeMethod)) throw usageError(`${where}: expected one of ${RESIZE_METHODS.join(', ')}, got ${JSON.stringify(v)}`);
  return v as ResizeMethod;
}

/** The flags of `profile` as preprocessing; throws a usage error naming the flag. */
export function imagePreprocessingFromFlags(flags: { imageScale?: string; imageMean?: string; imageStd?: string; imageResize?: string }): ImagePreprocessing {
  const p: ImagePreprocessing = {};
  if (flags.imageScale !== undefined) p.scale = parseImageScale(flags.imageScale, '--image-scale');
  if (flags.imageMean !== undefined) p.mean = parseChannelValues(flags.imageMean, '--image-mean', false);
  if (flags.imageStd !== undefined) p.std = parseChannelValues(flags.imageStd, '--image-std', true);
  if (flags.imageResize !== undefined) p.resize = parseResizeMethod(flags.imageResize, '--image-resize');
  return p;
}

/** True when none of the preprocessing settings is given (size and channels do not count). */
export function isEmptyPreprocessing(p: Pick<ImageOptions, 'scale' | 'mean' | 'std' | 'resize'> | undefined): boolean {
  return p === undefined || (p.scale === undefined && p.mean === undefined && p.std === undefined && p.resize === undefined);
}
