/**
 * The one set of ONNX Runtime options every session of a campaign uses (prefix, golden suffix,
 * faulty suffix, plain model, and the plain approach of the benchmark), so that golden and faulty
 * runs of a layer run the very same kernels:
 * - one intra-op thread: a batch of K copies then gives, bit for bit, what K single runs give
 *   (onnxruntime-notes.md); parallelism comes from worker threads instead;
 * - optimisation level `all`: its NCHWc kernels run the suffixes about twice as fast as
 *   `extended`. A split graph then differs from the plain model in the last bits more often,
 *   which is why the golden reference is the split graph's own run (DESIGN.md).
 */
import type { ExternalDataFile } from '../onnx/index.js';
import type { OptimizationLevel, SessionOptions } from '../runtime/index.js';
import type { Provider } from './settings.js';

export const CAMPAIGN_OPTIMIZATION: OptimizationLevel = 'all';

export function campaignSessionOptions(provider: Provider, externalData: readonly ExternalDataFile[] | undefined, label?: string): SessionOptions {
  return { provider, intraOpThreads: 1, optimization: CAMPAIGN_OPTIMIZATION, externalData: externalData && externalData.length > 0 ? externalData : undefined, label };
}
