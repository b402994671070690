import { runtimeError } from '../../errors.js';
import type { ResolvedParams } from '../types.js';

/**
 * Readers for resolved pattern parameters. The error-model loader validates files up front;
 * these checks are the last line, so that a malformed entry fails with a message naming the
 * pattern and the parameter instead of producing NaN indices.
 */

/** An integer scalar parameter (sizes, skips, counts). */
export function intParam(params: ResolvedParams, name: string, pattern: string): number {
  const v = params[name];
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw runtimeError(
      `spatial pattern "${pattern}": parameter "${name}" must be an integer, got ${describe(v)}; fix the error-model entry's keys/stats`,
    );
  }
  return v;
}

/** A [lo, hi] percentage pair. */
export function pctParam(params: ResolvedParams, name: string, pattern: string): readonly [number, number] {
  const v = params[name];
  if (!Array.isArray(v) || v.length !== 2 || !Number.isFinite(v[0]) || !Number.isFinite(v[1])) {
    throw runtimeError(
      `spatial pattern "${pattern}": parameter "${name}" must be a [lo, hi] percentage pair, got ${describe(v)}; fix the error-model entry's keys/stats`,
    );
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
