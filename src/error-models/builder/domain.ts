/**
 * Per-tensor value-class distribution: Single, Double or Random (error-classifier spec §4.2),
 * written so that our Double sampler, which reads the range of the first value-class key
 * (upstream spec §3.4, recommendation adopted by our generator), gets the right proportion:
 * the majority class comes first with Q8 of its share, and the other class gets the
 * complementary range [100 − hi, 100 − lo]. The reference lists the class met first in scan
 * order and gives the other [100 − hi, 100], which depends on the layout (spec §8.1 item 8).
 */
import { VALUE_CLASS_NAMES } from '../../faults/types.js';
import { q8 } from './buckets.js';
import type { DomainDistribution } from './types.js';

export function domainOf(counts: readonly number[]): DomainDistribution {
  const present: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) present.push(i);
  if (present.length === 1) return { kind: 'single', classes: [[VALUE_CLASS_NAMES[present[0]], [100, 100]]] };
  if (present.length === 2) {
    const [a, b] = present;
    // ties go to the lower class id, so the result never depends on the scan order
    const [major, minor] = counts[a] >= counts[b] ? [a, b] : [b, a];
    const r1 = q8(counts[major] / (counts[a] + counts[b]));
    return {
      kind: 'double',
      classes: [
        [VALUE_CLASS_NAMES[major], r1],
        [VALUE_CLASS_NAMES[minor], [100 - r1[1], 100 - r1[0]]],
      ],
    };
  }
  return { kind: 'random' };
}

/** Grouping identity of a distribution (two tensors with the same identity share an element). */
export function domainIdentity(d: DomainDistribution): string {
  if (d.kind === 'random') return 'random';
  return d.classes.map(([name, [lo, hi]]) => `${name}:${lo}-${hi}`).join('|');
}
