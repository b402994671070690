/**
 * The plain approach, for the benchmark and as an independent check of the runner: every
 * (fault, input) pays one full inference (the prefix up to the target, then the rest), one
 * sample per run, no boundary cache, no stacking, no skipping. Upstream CLASSES works this way
 * (it even repeats the golden run per fault). The same split graphs are used, so its outcomes
 * must equal the runner's bit for bit.
 */
import { encodeModel, splitAt } from '../onnx/index.js';
import { createSession, type HostTensor, type Session } from '../runtime/index.js';
import type { Fault } from '../faults/types.js';
import { argmax, classify, OUTCOME_CODE, type ClassifyOptions } from './outcome.js';
import type { InputBatch, PreparedModel } from './golden.js';
import type { Provider } from './settings.js';
import { campaignSessionOptions } from './session-options.js';

export interface PlainResult {
  /** (fault, input) order, like a runner chunk. */
  outcome: Uint8Array;
  faultyTop1: Int32Array;
  maxAbsDiff: Float64Array;
  /** Time of the faulty runs only (the golden runs are not counted). */
  ms: number;
}

export async function plainApproach(
  pm: PreparedModel,
  target: string,
  inputs: InputBatch,
  faults: readonly Fault[],
  opts: { provider: Provider; classify: ClassifyOptions; /** intra-op threads (default 1) */ threads?: number },
): Promise<PlainResult> {
  const split = splitAt(pm.base, target, { tensorTypes: pm.types });
  const identity = split.suffix.graph!.node.length === 0;
  const per = inputs.sampleDims.reduce((a, b) => a * b, 1);
  const prefixOut = split.boundary.filter((b) => b !== pm.inputName);
  const sessions: Session[] = [];
  try {
    const prefix = await createSession(encodeModel(split.prefix), { ...campaignSessionOptions(opts.provider, pm.externalData), intraOpThreads: opts.threads ?? 1 });
    sessions.push(prefix);
    const suffix = identity ? null : await createSession(encodeModel(split.suffix), { ...campaignSessionOptions(opts.provider, pm.externalData), intraOpThreads: opts.threads ?? 1 });
    if (suffix) sessions.push(suffix);
    const full = async (x: number, fault: Fault | null): Promise<Float32Array> => {
      const input: HostTensor = { type: 'float32', dims: [1, ...inputs.sampleDims], data: inputs.data.slice(x * per, (x + 1) * per) };
      const out = await prefix.run({ [pm.inputName]: input }, prefixOut);
      const feeds: Record<string, HostTensor> = {};
      for (const b of split.boundary) feeds[b] = b === pm.inputName ? input : out[b];
      if (fault) {
        const cut = feeds[target].data as Float32Array;
        for (let k = 0; k < fault.indices.length; k++) cut[fault.indices[k]] = fault.values[k];
      }
      if (!suffix) return feeds[target].data as Float32Array;
      return (await suffix.run(feeds, [pm.scoresName]))[pm.scoresName].data as Float32Array;
    };
    const golden: Float32Array[] = [];
    for (let x = 0; x < inputs.count; x++) golden.push(await full(x, null));
    const C = golden[0].length;
    const n = faults.length * inputs.count;
    const res: PlainResult = { outcome: new Uint8Array(n), faultyTop1: new Int32Array(n), maxAbsDiff: new Float64Array(n), ms: 0 };
    const t0 = performance.now();
    for (let i = 0; i < faults.length; i++) {
      for (let x = 0; x < inputs.count; x++) {
        const scores = await full(x, faults[i]);
        const v = classify(golden[x], 0, argmax(golden[x], 0, C), scores, 0, C, opts.classify);
        const slot = i * inputs.count + x;
        res.outcome[slot] = OUTCOME_CODE[v.outcome];
        res.faultyTop1[slot] = v.faultyTop1;
        res.maxAbsDiff[slot] = v.maxAbsDiff;
      }
    }
    res.ms = performance.now() - t0;
    return res;
  } finally {
    for (const s of sessions) await s.release();
  }
}
