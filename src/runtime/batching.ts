import { makeBatchDynamic } from '../onnx/index.js';
import { sameBits } from '../util/bits.js';
import type { ExternalDataFile, ModelProto } from '../onnx/index.js';
import { createSession, type Session } from './session.js';
import { errorMessage, runtimeError, usageError } from '../errors.js';
import { repeatBatch, type HostTensor } from './tensors.js';

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
  /**
   * Whether the model as given runs batches too: its batch is free and nothing inside had to be
   * patched (a Reshape with the batch written in).
   */
  givenModelBatches: boolean;
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
  options: { externalData?: readonly ExternalDataFile[]; /** The model's name in errors (its path). */ label?: string } = {},
): Promise<BatchPreparation> {
  const label = options.label ?? 'model';
  // The user's model first, alone on one sample: what fails here is the model or the data, not
  // the rewrite, and the error says so.
  const original = await createSession(model, { provider: 'cpu', externalData: options.externalData, label });
  try {
    // The batch an input is fixed to, when more than 1; such a model gets the first sample k times.
    const fixedBatch = (name: string): number => {
      const d0 = original.inputMetadata.find((m) => m.name === name)?.shape[0];
      return typeof d0 === 'number' && d0 > 1 ? d0 : 1;
    };
    const first: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(samples)) first[name] = repeatBatch(sliceBatch(t, 0), fixedBatch(name));
    try {
      await original.run(first);
    } catch (err) {
      const shapes = Object.values(first).map((t) => `[${t.dims.slice(1).join(',')}]`).join(', ');
      throw usageError(
        `${label} does not run on a sample of the data (shape ${shapes}): ${errorMessage(err).replace(/^.*?could not run the model: /, '')}; check that the data has the shape the model was made for (and that the model takes one sample at a time)`,
      );
    }
    const prep = await tryBatchDynamic(model, original, samples, options.externalData, label);
    // Run one sample at a time is the fallback; a model fixed to k > 1 samples per run has none.
    const fixed = Math.max(...Object.keys(samples).map(fixedBatch));
    if (!prep.batchDynamic && fixed > 1) {
      throw runtimeError(`${label} takes exactly ${fixed} samples per run and cannot be made batch-dynamic (${prep.notes.join('; ')}); re-export it with a dynamic or size-1 batch`);
    }
    return prep;
  } finally {
    await original.release();
  }
}

async function tryBatchDynamic(model: ModelProto, original: Session, samples: Record<string, HostTensor>, externalData: readonly ExternalDataFile[] | undefined, label: string): Promise<BatchPreparation> {
  const rewrite = makeBatchDynamic(model, { externalData });
  const notes = [...rewrite.problems, ...rewrite.warnings];
  if (rewrite.patchedReshapes.length > 0) notes.push(`patched the batch in Reshape ${rewrite.patchedReshapes.join(', ')}`);
  if (!rewrite.dynamic) return { model, batchDynamic: false, givenModelBatches: false, notes };
  let batched: Session;
  try {
    batched = await createSession(rewrite.model, { provider: 'cpu', externalData, label: `${label} (batch axis made dynamic)` });
  } catch (err) {
    notes.push(`the model with a dynamic batch axis does not load (${errorMessage(err)})`);
    return { model, batchDynamic: false, givenModelBatches: false, notes };
  }
  // Single samples go through the original model when it takes a batch of 1, so that a patch
  // that changed what a sample computes is caught too.
  const single = rewrite.frozenBatch === null || rewrite.frozenBatch === 1 ? original : batched;
  try {
    const both = await batched.run(samples);
    for (let k = 0; k < 2; k++) {
      const one: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(samples)) one[name] = sliceBatch(t, k);
      const alone = await single.run(one);
      for (const [name, t] of Object.entries(alone)) {
        const b = both[name];
        if (b === undefined || b.dims[0] !== 2 || !sameTensor(sliceBatch(b, k), t)) {
          notes.push(`output "${name}" of a batch of 2 differs from single runs`);
          return { model, batchDynamic: false, givenModelBatches: false, notes };
        }
      }
    }
  } catch (err) {
    notes.push(`a batch of 2 does not run (${errorMessage(err)})`);
    return { model, batchDynamic: false, givenModelBatches: false, notes };
  } finally {
    await batched.release();
  }
  return { model: rewrite.model, batchDynamic: true, givenModelBatches: rewrite.patchedReshapes.length === 0, notes };
}

/**
 * The two samples of the batch check: the first two of the data, or, with only one, that sample
 * and the same values in reverse order (two copies of one sample would not show a model that
 * mixes the samples of a batch).
 */
export function twoSamples(data: Float32Array, count: number, sampleSize: number): Float32Array {
  const two = new Float32Array(2 * sampleSize);
  two.set(data.subarray(0, sampleSize), 0);
  if (count > 1) two.set(data.subarray(sampleSize, 2 * sampleSize), sampleSize);
  else for (let i = 0; i < sampleSize; i++) two[sampleSize + i] = data[sampleSize - 1 - i];
  return two;
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
