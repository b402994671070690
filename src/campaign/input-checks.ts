/**
 * What the campaign says about the model, the data and a stored list it was given, beyond what it
 * refuses while loading them: scores a classifier's outcomes cannot read as such, labels that are
 * no class, and a stored list drawn for another shape or another range than this campaign's.
 */
import { usageError } from '../errors.js';
import { toShape3 } from '../faults/shape3.js';
import type { Shape3 } from '../faults/types.js';
import type { PreparedModel } from './golden.js';
import type { Target } from './targets.js';

/**
 * Notices for class scores that outcomes cannot read as a classifier's: one score per input (no
 * top-1 can change) and scores with spatial axes (a segmentation map is one long vector here).
 */
export function scoresShapeNotices(model: string, pm: Pick<PreparedModel, 'types' | 'scoresName'>, classCount: number): string[] {
  const dims = pm.types.get(pm.scoresName)?.dims.slice(1) ?? [];
  if (classCount === 1) {
    return [`${model} gives one score per input (output "${pm.scoresName}"): its top-1 cannot change, so no run is sdc-critical; a changed score is sdc-safe (--tolerance T counts changes up to T as masked)`];
  }
  if (dims.filter((d) => typeof d !== 'number' || d > 1).length > 1) {
    const shape = dims.map((d) => (typeof d === 'number' ? d : '?')).join(',');
    return [`${model}: its first output "${pm.scoresName}" holds [${shape}] values per input, not one score per class: outcomes compare them as one vector of ${classCount} scores (sdc-critical: its largest value moved), not class by class at each position`];
  }
  return [];
}

/**
 * Labels that are no class of a model with `classCount` scores (one score: a binary classifier's
 * 0/1 labels are fine), said in a few words; null when all fit.
 */
export function labelsOutsideClasses(labels: Int32Array | null, classCount: number): string | null {
  if (labels === null || classCount < 2) return null;
  let bad = 0;
  let first = -1;
  labels.forEach((l, i) => {
    if (l < 0 || l >= classCount) {
      bad++;
      if (first < 0) first = i;
    }
  });
  return bad === 0 ? null : `${bad} of ${labels.length} labels are not classes of the model (0..${classCount - 1}), the first ${labels[first]} at input ${first}`;
}

/**
 * A stored list's layer range against the range this campaign measures: apart by more than a
 * fifth of the measured span at either end (profiles on a few more or fewer of the same inputs
 * stay well within that; another normalisation does not).
 */
export function rangesDiffer(list: { min: number; max: number }, measured: { min: number; max: number }): boolean {
  const span = Math.max(measured.max - measured.min, Math.abs(measured.max), Math.abs(measured.min), 1e-12);
  return Math.abs(list.min - measured.min) > 0.2 * span || Math.abs(list.max - measured.max) > 0.2 * span;
}

/**
 * A stored list's layer drawn for another shape than the model's tensor (a synthetic list for a
 * 10x10 map written into a 28x28 one, say) puts rows and blocks in the wrong places even where
 * every index fits: refused. Lists record shapes (.tar) or not (.jsonl, only checked by size).
 * Lists made before gen-faults read a vector [F] as F channels wrote 1x1xF, the same flat
 * indices: still taken.
 */
export function checkListShape(list: string, model: string, t: Target, dims: readonly number[]): void {
  const recorded = t.listLayer?.shape;
  if (!recorded) return;
  const want = toShape3(dims);
  const same = (a: Shape3) => a.c === recorded.c && a.h === recorded.h && a.w === recorded.w;
  const padded = [1, 1, 1, ...dims].slice(-3);
  if (same(want) || (dims.length < 3 && same({ c: padded[0], h: padded[1], w: padded[2] }))) return;
  throw usageError(
    `--faults ${list}: the faults of layer ${t.name} were drawn for a ${recorded.c}x${recorded.h}x${recorded.w} tensor, but ${model} makes [${dims.join(',')}] at ${t.output}; generate the list for this model (classes profile, then classes gen-faults)`,
  );
}
