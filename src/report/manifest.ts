/**
 * manifest.json: what a campaign ran on and with (versions, seed, hashes, settings), per-layer
 * facts (shape, operating range, boundary, how far the plain model is from the layer's golden
 * reference), totals, and timing. Unlike injections.csv and summary.csv, it holds times and
 * so differs between two runs of the same campaign.
 */
import type { AppliedImagePreprocessing } from '../data/images.js';

export interface LayerFacts {
  name: string;
  output: string;
  op: string;
  errorModel: string | null;
  faults: number;
  /** Per-sample dims of the target tensor. */
  shape: number[];
  /** Operating range of the target tensor over the campaign's inputs. */
  range: { min: number; max: number } | null;
  /** Suffix inputs, the target first. */
  boundary: string[];
  /** Faulty copies stacked per suffix run. */
  batch: number;
  /** Why the suffix runs one copy at a time, when it does. */
  notes: string[];
  /** max |plain model - this layer's golden| over inputs and scores, and inputs whose top-1 differs. */
  goldenVsPlain: { maxAbsDiff: number; top1Changes: number };
  /**
   * Windowed runs: how many nodes run on windows and what the tail runs, or why the layer has
   * none; null with --window off.
   */
  windowed: { nodes: number; tailOps: string[]; goldenVsSuffix: { maxAbsDiff: number } } | { refused: string } | null;
}

export interface TimingBreakdown {
  /** Model preparation (batch check, type inference) and the one plain-model run. */
  setupMs: number;
  /** Prefix runs (boundary cache) of every layer. */
  prefixMs: number;
  /** Fault-free suffix runs (golden references). */
  goldenMs: number;
  /** Faulty suffix runs, summed over workers. */
  suffixMs: number;
  /** Building stacked faulty inputs, summed over workers. */
  buildMs: number;
  /** Outcome classification, summed over workers. */
  classifyMs: number;
  /** Fault generation or decoding (main thread). */
  faultsMs: number;
  /** CSV rows, writes and checkpoints (main thread). */
  reportingMs: number;
}

export interface Manifest {
  tool: { name: string; version: string; node: string; onnxruntime: string };
  campaign: string;
  /** Hash of everything that decides the bytes of injections.csv and summary.csv. */
  planKey: string;
  /** "i/n" for one shard, a list of them for a merge, null for a whole run. */
  shard: string | null;
  shards?: string[];
  /** null with a stored fault list, which carries its own seed. */
  seed: number | null;
  hashes: {
    model: string;
    /** sha256 of the float32 inputs used (the first `inputs` samples). */
    data: string;
    labels: string | null;
    errorModels: Record<string, string> | null;
    faultList: string | null;
  };
  settings: Record<string, unknown>;
  /** `image`: for an image folder, the preprocessing applied (defaults filled in). */
  /**
   * For an image folder also `files` (each input's image, relative to the folder, in input order:
   * the `input` column indexes it) and `classNames` (the folder of each label).
   */
  inputs: { count: number; sampleShape: number[]; source: string; image?: AppliedImagePreprocessing; files?: string[]; classNames?: string[] };
  /** GPU providers only: the plain model's scores there against the CPU provider's. */
  providerVsCpu?: { provider: string; maxAbsDiff: number; top1Changes: number };
  /** The whole campaign's target layers in report order, with their fault counts (every shard lists all). */
  plan: { layers: { name: string; output: string; faults: number }[] };
  /** Facts of the layers this run prepared (a shard may skip a layer with no faults in it). */
  layers: LayerFacts[];
  /** `rows`: rows of injections.csv (runs, or fewer with --mismatches-only). */
  totals: { runs: number; masked: number; sdcSafe: number; sdcCritical: number; nonFinite: number; skippedWithoutRunning: number; windowed: number; rows: number };
  timing: {
    startedAt: string;
    endedAt: string;
    /** Wall time over every attempt (resumes included). */
    elapsedMs: number;
    attempts: number;
    /** (fault, input) runs of this attempt per second of this attempt. */
    injectionsPerSecond: number;
    breakdownMs: TimingBreakdown;
  };
}

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  return v;
}

export function manifestJson(m: Manifest): string {
  return JSON.stringify(m, replacer, 2) + '\n';
}

export function emptyBreakdown(): TimingBreakdown {
  return { setupMs: 0, prefixMs: 0, goldenMs: 0, suffixMs: 0, buildMs: 0, classifyMs: 0, faultsMs: 0, reportingMs: 0 };
}

/** Each phase to 0.1 ms (sums of float timings print noise such as 320.59999999999997). */
export function roundBreakdown(b: TimingBreakdown): TimingBreakdown {
  const r = emptyBreakdown();
  for (const k of Object.keys(b) as (keyof TimingBreakdown)[]) r[k] = Math.round(b[k] * 10) / 10;
  return r;
}
