/**
 * ErrorModelBuilder: classify tensors one by one, keep the counts the report needs, and
 * aggregate them into a model at the end. The folder reader (`classes build-models`) and the
 * in-memory API (`buildErrorModelFromTensors`, used by `classes characterize`) both go through
 * it, so a model built from files and one built from memory are the same.
 */
import { classifyTensor } from './classify.js';
import { ModelAggregator, type AggregateOptions, type ErrorModelJson, type PrunedGroup } from './aggregate.js';
import {
  isRejection,
  type ClassifiedTensor,
  type ClassifyOptions,
  type PatternName,
  type RejectReason,
  type Rejection,
  type TensorPair,
} from './types.js';

export interface BuildOptions extends ClassifyOptions, AggregateOptions {
  /**
   * Called after each tensor is classified or rejected, e.g. to draw it (the `--png` heatmaps
   * of build-models hook in here). Must not keep `pair` arrays it does not own.
   */
  onTensor?: (pair: TensorPair, outcome: ClassifiedTensor | Rejection) => void;
}

export interface RejectedTensor {
  source: string;
  reason: RejectReason;
  detail: string;
}

export interface BuildReport {
  /** Every tensor offered, masked and rejected ones included. */
  tensors: number;
  /** Tensors classified into a pattern (before pruning). */
  classified: number;
  /** Tensors in the written model (`_tensor_count`). */
  kept: number;
  /** Tensors equal to their golden within the tolerance: not an error, not in the model. */
  masked: number;
  /** Tensors neither kept nor masked (`_rejected_tensor_count`). */
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Per pattern: classified and kept tensors. */
  patterns: { pattern: PatternName; classified: number; kept: number }[];
  /** One line per tensor rejected before classification (unreadable, wrong shape, ...). */
  rejections: RejectedTensor[];
  /** Pattern or configuration groups dropped by the pruning. */
  pruned: PrunedGroup[];
}

export interface BuildResult {
  model: ErrorModelJson;
  report: BuildReport;
}

export class ErrorModelBuilder {
  private readonly aggregator = new ModelAggregator();
  private readonly rejections: RejectedTensor[] = [];
  private readonly byReason: Partial<Record<RejectReason, number>> = {};
  private tensors = 0;
  private masked = 0;

  constructor(private readonly opts: BuildOptions = {}) {}

  /** Classifies one pair and records the outcome. */
  add(pair: TensorPair): ClassifiedTensor | Rejection {
    const outcome = classifyTensor(pair.golden, pair.faulty, pair.shape, pair.layout ?? 'CHW', {
      tolerance: this.opts.tolerance,
      range: pair.range ?? this.opts.range,
      goldenBitFlip: this.opts.goldenBitFlip,
    });
    this.record(outcome, pair.source);
    this.opts.onTensor?.(pair, outcome);
    return outcome;
  }

  /** Records an outcome computed elsewhere (a classification, or a rejection such as an unreadable file). */
  record(outcome: ClassifiedTensor | Rejection, source = `tensor ${this.tensors + 1}`): void {
    this.tensors++;
    if (!isRejection(outcome)) {
      this.aggregator.add(outcome);
      return;
    }
    if (outcome.rejected === 'masked') {
      this.masked++;
      return;
    }
    this.byReason[outcome.rejected] = (this.byReason[outcome.rejected] ?? 0) + 1;
    this.rejections.push({ source, reason: outcome.rejected, detail: outcome.detail });
  }

  finish(): BuildResult {
    const early = this.rejections.length;
    const agg = this.aggregator.finish(this.opts, { rejected: early, masked: this.masked });
    const byReason = { ...this.byReason };
    for (const p of agg.pruned) byReason[p.reason] = (byReason[p.reason] ?? 0) + p.count;
    const classified = this.aggregator.classifiedCount;
    const report: BuildReport = {
      tensors: this.tensors,
      classified,
      kept: agg.kept,
      masked: this.masked,
      rejected: early + (classified - agg.kept),
      rejectedByReason: byReason,
      patterns: (Object.keys(agg.classifiedByPattern) as PatternName[]).map((pattern) => ({
        pattern,
        classified: agg.classifiedByPattern[pattern] ?? 0,
        kept: agg.keptByPattern[pattern] ?? 0,
      })),
      rejections: this.rejections,
      pruned: agg.pruned,
    };
    return { model: agg.model, report };
  }
}

/** Builds a model from golden/faulty pairs held in memory (no files). */
export function buildErrorModelFromTensors(pairs: Iterable<TensorPair>, opts: BuildOptions = {}): BuildResult {
  const builder = new ErrorModelBuilder(opts);
  for (const pair of pairs) builder.add(pair);
  return builder.finish();
}
