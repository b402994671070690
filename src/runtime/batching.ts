import { makeBatchDynamic } from '../onnx/index.js';
import { sameBits } from '../util/bits.js';
import type { ExternalDataFile, ModelProto } from '../onnx/index.js';
import { createSession } from './session.js';
import type { HostTensor } from './tensors.js';

/**
 * Make a model take any batch size, and prove it: the rewritten model must run a batch of two
 * samples and give, bit for bit, what the original model gives for each sample alone (one
 * thread, so batching itself changes no bits). Exporters can hide the batch in places no static rewrite sees, so the
 * run decides; when it fails, the original model is returned with `batchDynamic: false` and the
 * caller runs one sample at a time.
 */

export interface BatchPreparation {
  model: ModelProto;
  batchDynamic: boolean;
  /** Why batching is off, or what was patched; for warnings and logs. */
  notes: string[];
}

/**
 * `samples` holds, for each model input, a batch of two samples (dims[0] = 2); the same sample
 * twice is fine.
 */
export async function prepareBatchDynamic(
  model: ModelProto,
  samples: Record<string, HostTensor>,
  options: { externalData?: readonly ExternalDataFile[] } = {},
): Promise<BatchPreparation> {
  const rewrite = makeBatchDynamic(model, { externalData: options.externalData });
  const notes = [...rewrite.problems, ...rewrite.warnings];
  if (rewrite.patchedReshapes.length > 0) notes.push(`patched the batch in Reshape ${rewrite.patchedReshapes.join(', ')}`);
  if (!rewrite.dynamic) return { model, batchDynamic: false, notes };
  // Single samples go through the original model when it takes a batch of 1, so that a patch
  // that changed what a sample computes is caught too.
  const reference = rewrite.frozenBatch === null || rewrite.frozenBatch === 1 ? model : rewrite.model;
  const batched = await createSession(rewrite.model, { provider: 'cpu', externalData: options.externalData, label: 'batch-dynamic model' });
  const single = reference === model ? await createSession(model, { provider: 'cpu', externalData: options.externalData, label: 'model' }) : batched;
  try {
    const both = await batched.run(samples);
    for (let k = 0; k < 2; k++) {
      const one: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(samples)) one[name] = sliceBatch(t, k);
      const alone = await single.run(one);
      for (const [name, t] of Object.entries(alone)) {
        const b = both[name];
        if (b === undefined || b.dims[0] !== 2 || !sameTensor(sliceBatch(b, k), t)) {
          notes.push(`output ${name} of a batch of 2 differs from single runs`);
          return { model, batchDynamic: false, notes };
        }
      }
    }
  } catch (err) {
    notes.push(`a batch of 2 does not run (${err instanceof Error ? err.message : String(err)})`);
    return { model, batchDynamic: false, notes };
  } finally {
    await batched.release();
    if (single !== batched) await single.release();
  }
  return { model: rewrite.model, batchDynamic: true, notes };
}

/** Sample `k` of a batch, as a batch of one. */
export function sliceBatch(t: HostTensor, k: number): HostTensor {
  const per = t.data.length / t.dims[0];
  return { type: t.type, dims: [1, ...t.dims.slice(1)], data: t.data.slice(k * per, (k + 1) * per) as HostTensor['data'] };
}

function sameTensor(a: HostTensor, b: HostTensor): boolean {
  if (a.type !== b.type || a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return false;
  if (a.data instanceof Array || b.data instanceof Array) return JSON.stringify(a.data) === JSON.stringify(b.data);
  return sameBits(a.data, b.data);
}
