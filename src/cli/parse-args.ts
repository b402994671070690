/**
 * Parsers for the option values the fault commands share. Each throws a usage error (exit 2)
 * that names the flag, the value and the expected form.
 */
import { usageError } from '../errors.js';
import type { Shape3, ValueRange } from '../faults/types.js';

/** `C,H,W` with every dimension an integer >= 1. */
export function parseShape(text: string, flag = '--shape'): Shape3 {
  const parts = text.split(',').map((p) => p.trim());
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (dims.length !== 3 || !dims.every((d) => Number.isSafeInteger(d) && d >= 1)) {
    throw usageError(`${flag} ${text}: expected C,H,W with three integers >= 1, e.g. ${flag} 16,8,8`);
  }
  if (dims[0] * dims[1] * dims[2] > 0xffffffff) throw usageError(`${flag} ${text}: more than 2^32 values per sample`);
  return { c: dims[0], h: dims[1], w: dims[2] };
}

/** `MIN,MAX`, two finite numbers with MIN <= MAX. */
export function parseRange(text: string, flag = '--range'): ValueRange {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map((p) => (p === '' ? NaN : Number(p)));
  if (nums.length !== 2 || !nums.every(Number.isFinite)) {
    throw usageError(`${flag} ${text}: expected MIN,MAX with two finite numbers, e.g. ${flag}=-3,5`);
  }
  if (nums[0] > nums[1]) throw usageError(`${flag} ${text}: MIN is greater than MAX; write it as ${nums[1]},${nums[0]}`);
  return { min: nums[0], max: nums[1] };
}

/** A whole number >= min (a count, a seed). */
export function parseInteger(text: string, flag: string, min = 0): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw usageError(`${flag} ${text}: expected a whole number >= ${min}`);
  return n;
}

/** Comma-separated names, empty items dropped. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Layer names of a flag (`--layers a,b`), or undefined when it is not given. A value naming
 * nothing (`''`, `,,`) is refused: taking every layer, or none, would ignore it.
 */
export function parseLayerNames(text: string | undefined, flag: string): string[] | undefined {
  if (text === undefined) return undefined;
  const names = parseList(text);
  if (names.length === 0) throw usageError(`${flag} is empty; give comma-separated layer names (node or output names)`);
  return names;
}

