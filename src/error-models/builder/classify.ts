/**
 * classifyTensor: one golden/faulty pair → its spatial pattern, the parameters that pattern's
 * generator reads, and its value classes; or the reason it cannot be classified.
 */
import type { Layout, Shape3 } from '../../faults/types.js';
import { goldenRange, scanCorrupted } from './detect.js';
import { domainOf } from './domain.js';
import { toSparse } from './sparse.js';
import { classifySpatial } from './spatial.js';
import { DEFAULT_TOLERANCE, type ClassifiedTensor, type ClassifyOptions, type Rejection } from './types.js';

export function classifyTensor(
  golden: Float32Array,
  faulty: Float32Array,
  shape: Shape3,
  layout: Layout = 'CHW',
  opts: ClassifyOptions = {},
): ClassifiedTensor | Rejection {
  const size = shape.c * shape.h * shape.w;
  if (golden.length !== size || faulty.length !== size) {
    return {
      rejected: 'shape-mismatch',
      detail: `expected ${size} values (${shape.c}×${shape.h}×${shape.w}), golden has ${golden.length}, faulty ${faulty.length}`,
    };
  }
  const range = opts.range ?? goldenRange(golden);
  const scan = scanCorrupted(golden, faulty, opts.tolerance ?? DEFAULT_TOLERANCE, range, opts.goldenBitFlip ?? true);
  if (scan.indices.length === 0) return { rejected: 'masked', detail: 'no value differs from the golden tensor' };
  const sparse = toSparse(scan.indices, shape, layout);
  const spatial = classifySpatial(sparse);
  return {
    ...spatial,
    valueClassCounts: scan.classCounts,
    domain: domainOf(scan.classCounts),
    corruptedCount: sparse.n,
    channelCount: sparse.k,
  };
}
