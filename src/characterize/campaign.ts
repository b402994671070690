/**
 * The characterization campaign of one operator: seeded random data, single-bit flips at the
 * operator's fault sites, and the golden/faulty output pairs fed to the error-model builder.
 *
 * Samples are taken in groups of `GROUP_SIZE`; a group shares one draw of random data per
 * variant. Only what a fault can change is computed:
 * - output flips: the golden output with one bit flipped, no inference;
 * - partial-sum flips: one output element recomputed as first' + rest in float32 (the second
 *   half of the split reduction), no inference;
 * - input flips: one run per group and variant, the faulty inputs stacked on the batch axis
 *   after an unflipped copy whose output is their golden (same graph, same batch: same bits);
 * - parameter flips: one run each, batch of one, against the group's batch-of-one golden.
 */
import { Rng } from '../faults/rng.js';
import { createSession, type Session, asFloat32 } from '../runtime/index.js';
import type { ModelProto } from '../onnx/index.js';
import {
  ErrorModelBuilder,
  isRejection,
  type BuildReport,
  type ClassifiedTensor,
  type ErrorModelJson,
  type Rejection,
  type PatternName,
  type TensorPair,
} from '../error-models/builder/index.js';
import { flipBit, withFlippedBit } from './bits.js';
import { operatorVariants } from './operators/index.js';
import { drawInjection, locateParameter, siteWeights } from './sites.js';
import type { Injection, OperatorData, OperatorName, OperatorVariant, SiteKind, SiteMix } from './types.js';
import type { Shape3 } from '../faults/types.js';

/** Samples sharing one draw of random data. Changing it changes every shipped model. */
export const GROUP_SIZE = 64;

export interface CharacterizeOptions {
  samples: number;
  seed: number;
  siteMix?: SiteMix;
  /** Builder tolerance (|faulty − golden| ≥ tolerance is corrupted); default the builder's 1e-3. */
  tolerance?: number;
  /** Called after each group with the number of samples done so far. */
  onProgress?: (done: number) => void;
  /**
   * Called for every sample, in sample order, with its fault, the golden/faulty pair and what
   * the builder made of it (tests and pictures hook in here). The arrays must not be kept
   * beyond the call unless copied.
   */
  onPair?: (injection: Injection, pair: TensorPair, outcome: ClassifiedTensor | Rejection) => void;
}

export interface SiteTally {
  injected: number;
  /** Faults whose output equals the golden within the tolerance. */
  masked: number;
  /** Corrupted outputs per spatial pattern, before the builder's pruning. */
  patterns: Partial<Record<PatternName, number>>;
}

export interface VariantSummary {
  label: string;
  description: string;
  dataDescription: string;
  input: Shape3;
  output: Shape3;
  sites: { site: SiteKind; elements: number; weight: number }[];
}

export interface OperatorResult {
  op: OperatorName;
  samples: number;
  seed: number;
  siteMix: SiteMix;
  variants: VariantSummary[];
  /** Per site, in `SITE_KINDS` order; only the sites the operator has. */
  sites: Partial<Record<SiteKind, SiteTally>>;
  model: ErrorModelJson;
  report: BuildReport;
}

/** Sessions of one campaign, one per distinct graph (Elu gets one per faulty alpha). */
class SessionCache {
  private readonly sessions = new Map<ModelProto, Promise<Session>>();

  get(model: ModelProto, label: string): Promise<Session> {
    let s = this.sessions.get(model);
    if (!s) {
      s = createSession(model, { label: `characterize ${label}` });
      this.sessions.set(model, s);
    }
    return s;
  }

  async releaseAll(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}

function firstValues(params: Readonly<Record<string, Float32Array>>, v: OperatorVariant): Record<string, Float32Array> {
  const attrs: Record<string, Float32Array> = {};
  for (const p of v.params) if (p.kind === 'attribute') attrs[p.name] = params[p.name];
  return attrs;
}

interface GoldenRun {
  output: Float32Array;
  first?: Float32Array;
  rest?: Float32Array;
}

export async function characterizeOperator(op: OperatorName, opts: CharacterizeOptions): Promise<OperatorResult> {
  const mix = opts.siteMix ?? 'equal';
  if (!Number.isSafeInteger(opts.samples) || opts.samples < 1) throw new RangeError(`characterize: samples must be >= 1 (got ${opts.samples})`);
  const variants = operatorVariants(op);
  // goldenBitFlip off: our generator cannot replay "the golden value with one bit flipped" (see ClassifyOptions)
  const builder = new ErrorModelBuilder({ tolerance: opts.tolerance, goldenBitFlip: false });
  const tallies: Partial<Record<SiteKind, SiteTally>> = {};
  for (const v of variants) for (const s of siteWeights(v, mix)) tallies[s.site] ??= { injected: 0, masked: 0, patterns: {} };
  const sessions = new SessionCache();
  try {
    for (let start = 0; start < opts.samples; start += GROUP_SIZE) {
      const end = Math.min(opts.samples, start + GROUP_SIZE);
      const injections: Injection[] = [];
      for (let i = start; i < end; i++) injections.push(drawInjection(variants, opts.seed, i, mix));
      const pairs: TensorPair[] = new Array(injections.length);
      for (let vi = 0; vi < variants.length; vi++) {
        const mine = injections.filter((inj) => inj.variant === vi);
        if (mine.length === 0) continue;
        const v = variants[vi];
        const data = v.drawData(new Rng(`characterize/${opts.seed}/${op}/data/${start / GROUP_SIZE}/${v.label}`));
        for (const [k, pair] of await runGroup(v, data, mine, sessions)) pairs[k - start] = pair;
      }
      for (let k = 0; k < pairs.length; k++) {
        const inj = injections[k];
        const outcome = builder.add(pairs[k]);
        opts.onPair?.(inj, pairs[k], outcome);
        const t = tallies[inj.site] as SiteTally;
        t.injected++;
        if (isRejection(outcome)) {
          if (outcome.rejected === 'masked') t.masked++;
        } else {
          t.patterns[outcome.pattern] = (t.patterns[outcome.pattern] ?? 0) + 1;
        }
      }
      opts.onProgress?.(end);
    }
  } finally {
    await sessions.releaseAll();
  }
  const { model, report } = builder.finish();
  return {
    op,
    samples: opts.samples,
    seed: opts.seed,
    siteMix: mix,
    variants: variants.map((v) => ({
      label: v.label,
      description: v.description,
      dataDescription: v.dataDescription,
      input: v.input,
      output: v.output,
      sites: siteWeights(v, mix),
    })),
    sites: tallies,
    model,
    report,
  };
}

/** The golden/faulty pairs of one group's injections into one variant, keyed by sample number. */
async function runGroup(v: OperatorVariant, data: OperatorData, injections: Injection[], sessions: SessionCache): Promise<Map<number, TensorPair>> {
  const out = new Map<number, TensorPair>();
  const shape = v.output;
  const size = shape.c * shape.h * shape.w;
  const goldenModel = v.buildModel(firstValues(data.params, v));
  const session = await sessions.get(goldenModel, v.label);
  const golden = await runOnce(session, v, data.input, 1, data.params, true);
  const pair = (inj: Injection, g: Float32Array, faulty: Float32Array): TensorPair => ({
    golden: g,
    faulty,
    shape,
    layout: 'CHW',
    source: `${v.label} sample ${inj.sample}: ${inj.site} element ${inj.element} bit ${inj.bit}`,
  });

  const inputs = injections.filter((i) => i.site === 'input');
  if (inputs.length > 0) {
    const per = data.input.length;
    const stacked = new Float32Array(per * (inputs.length + 1));
    stacked.set(data.input, 0);
    inputs.forEach((inj, k) => {
      const off = per * (k + 1);
      stacked.set(data.input, off);
      stacked[off + inj.element] = flipBit(data.input[inj.element], inj.bit);
    });
    const res = await runOnce(session, v, stacked, inputs.length + 1, data.params, false);
    const batchGolden = res.output.slice(0, size);
    inputs.forEach((inj, k) => out.set(inj.sample, pair(inj, batchGolden, res.output.slice(size * (k + 1), size * (k + 2)))));
  }

  for (const inj of injections) {
    if (inj.site === 'input') continue;
    if (inj.site === 'output') {
      out.set(inj.sample, pair(inj, golden.output, withFlippedBit(golden.output, inj.element, inj.bit)));
    } else if (inj.site === 'partial_sum') {
      const { first, rest } = golden as Required<GoldenRun>;
      const faulty = golden.output.slice();
      // float32 addition, as the graph's Add does it: the double sum of two float32 values
      // rounds to the correctly rounded float32 sum.
      faulty[inj.element] = Math.fround(flipBit(first[inj.element], inj.bit) + rest[inj.element]);
      out.set(inj.sample, pair(inj, golden.output, faulty));
    } else {
      const where = locateParameter(v, inj.element);
      const params = { ...data.params, [where.name]: withFlippedBit(data.params[where.name], where.index, inj.bit) };
      const spec = v.params.find((p) => p.name === where.name);
      const s = spec?.kind === 'attribute' ? await sessions.get(v.buildModel(firstValues(params, v)), v.label) : session;
      const res = await runOnce(s, v, data.input, 1, params, false);
      out.set(inj.sample, pair(inj, golden.output, res.output));
    }
  }
  return out;
}

async function runOnce(
  session: Session,
  v: OperatorVariant,
  input: Float32Array,
  batch: number,
  params: Readonly<Record<string, Float32Array>>,
  withPartialSums: boolean,
): Promise<GoldenRun> {
  const fetches = [v.outputName];
  if (withPartialSums && v.partialSum) fetches.push(v.partialSum.first, v.partialSum.rest);
  const res = await session.run(v.feeds(input, batch, params), fetches);
  const run: GoldenRun = { output: asFloat32(res[v.outputName], v.outputName) };
  if (withPartialSums && v.partialSum) {
    run.first = asFloat32(res[v.partialSum.first], v.partialSum.first);
    run.rest = asFloat32(res[v.partialSum.rest], v.partialSum.rest);
  }
  return run;
}
