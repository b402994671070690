/**
 * The campaign-folder reader of `classes build-models`, in the reference classifier's layout
 * (error-classifier spec §1.1):
 *
 *   ROOT/<batch>/<golden>                      golden output, .npy, (N=1,)C,H,W or (N=1,)H,W,C
 *   ROOT/<batch>/<faulty>/<sub-batch>/*.npy    corrupted outputs, same shape as the golden
 *
 * Batches are the folders of ROOT whose name does not start with `_`. Unlike the reference,
 * which crashes, a batch without its golden file or faulty folder is reported and skipped, and
 * everything is listed in natural name order (`error2` before `error10`); the model does not
 * depend on the order anyway (see aggregate.ts).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { usageError, errorMessage } from '../../errors.js';
import { loadNpy, toFloat32, type NpyArray } from '../../data/index.js';
import type { Shape3 } from '../../faults/types.js';
import { ErrorModelBuilder, type BuildOptions, type BuildReport, type BuildResult } from './builder.js';
import { goldenRange } from './detect.js';

/** Memory order of the tensor files: NCHW (ONNX, PyTorch) or NHWC (TensorFlow). */
export type FileLayout = 'NCHW' | 'NHWC';

export interface CampaignOptions extends BuildOptions {
  /** Golden file, relative to each batch folder (e.g. `test/golden.npy`). */
  golden: string;
  /** Folder, relative to each batch folder, whose sub-folders hold the corrupted tensors. */
  faulty: string;
  layout?: FileLayout;
  /** Use only the first N batches (in name order). */
  limit?: number;
  /** Called after each tensor file with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface BatchListing {
  name: string;
  goldenPath: string;
  /** Corrupted tensor files, sub-batch by sub-batch. */
  files: string[];
  /** Why the whole batch cannot be used, when it cannot. */
  problem?: string;
  /** .npy files right in a faulty folder without sub-batch folders (one level too high): not read. */
  stray: string[];
}

export interface CampaignReport extends BuildReport {
  batches: { name: string; files: number; skipped?: string }[];
  /** .npy files found right in a faulty folder (not in a sub-batch folder), which were not read. */
  strayFiles: string[];
}

export interface CampaignResult extends BuildResult {
  report: CampaignReport;
}

/** Compares names with digit runs as numbers, so that error2 sorts before error10. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x) ? Number(x) : NaN;
    const ny = /^\d/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny) && nx !== ny) return nx - ny;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function sortedEntries(dir: string): string[] {
  return readdirSync(dir).sort(naturalCompare);
}

/** Lists the batches of a campaign folder and their tensor files, without reading any tensor. */
export function listCampaign(root: string, golden: string, faulty: string, limit?: number): BatchListing[] {
  if (!isDir(root)) throw usageError(`campaign folder ${root} does not exist or is not a folder; pass the folder that holds one sub-folder per batch`);
  let names = sortedEntries(root).filter((n) => !n.startsWith('_') && isDir(join(root, n)));
  if (limit !== undefined) names = names.slice(0, limit);
  return names.map((name) => {
    const dir = join(root, name);
    const goldenPath = join(dir, golden);
    const faultyDir = join(dir, faulty);
    const files: string[] = [];
    const stray: string[] = [];
    if (isDir(faultyDir)) {
      for (const sub of sortedEntries(faultyDir)) {
        const subDir = join(faultyDir, sub);
        if (!isDir(subDir)) {
          if (sub.endsWith('.npy')) stray.push(subDir);
          continue;
        }
        for (const f of sortedEntries(subDir)) {
          if (f.endsWith('.npy') && isFile(join(subDir, f))) files.push(join(subDir, f));
        }
      }
    }
    let problem: string | undefined;
    if (!isDir(faultyDir)) problem = `no faulty folder ${faultyDir}`;
    else if (!isFile(goldenPath)) problem = `no golden file ${goldenPath}`;
    // Files right in the faulty folder are only a mistake where no sub-batch holds any (a folder
    // level left out); beside sub-batches they are other things (the golden file, often).
    return { name, goldenPath, files, problem, stray: files.length > 0 ? [] : stray.filter((f) => f !== goldenPath) };
  });
}

interface Golden {
  data: Float32Array;
  dims: number[];
  shape: Shape3;
}

/** Per-sample shape of an array in the given layout; a reason string when it has none. */
function sampleShape(a: NpyArray, layout: FileLayout): Shape3 | string {
  const dims = a.shape;
  if (dims.length !== 3 && dims.length !== 4) return `has ${dims.length} dimensions, expected 4 (N,C,H,W or N,H,W,C) or 3`;
  if (dims.length === 4 && dims[0] !== 1) return `holds ${dims[0]} samples (N = ${dims[0]}); one sample per file is expected`;
  const [a0, a1, a2] = dims.length === 4 ? dims.slice(1) : dims;
  return layout === 'NCHW' ? { c: a0, h: a1, w: a2 } : { c: a2, h: a0, w: a1 };
}

function readGolden(path: string, layout: FileLayout): Golden | { reason: 'golden-unreadable' | 'golden-bad-rank' | 'batch-size'; detail: string } {
  let array: NpyArray;
  try {
    array = loadNpy(path);
  } catch (err) {
    // loadNpy's messages usually name the file already.
    const message = errorMessage(err);
    return { reason: 'golden-unreadable', detail: message.includes(path) ? message : `${path}: ${message}` };
  }
  const shape = sampleShape(array, layout);
  if (typeof shape === 'string') {
    return { reason: array.shape.length === 4 ? 'batch-size' : 'golden-bad-rank', detail: `golden ${path} ${shape}` };
  }
  return { data: toFloat32(array), dims: array.shape, shape };
}

/** Reads every batch of a campaign folder and builds one error model from its tensors. */
export function buildErrorModelFromCampaign(root: string, opts: CampaignOptions): CampaignResult {
  const layout = opts.layout ?? 'NCHW';
  const batches = listCampaign(root, opts.golden, opts.faulty, opts.limit);
  if (batches.length === 0) throw usageError(`campaign folder ${root} has no batch sub-folder; each batch is a folder holding ${opts.golden} and ${opts.faulty}/`);
  // A golden path that no batch with faults has is a wrong flag, not a damaged campaign (a stray
  // folder without faults does not count either way).
  const withFaults = batches.filter((b) => b.files.length > 0);
  const judged = withFaults.length > 0 ? withFaults : batches;
  if (judged.every((b) => !isFile(b.goldenPath))) {
    const b = judged[0];
    throw usageError(`no batch folder of ${root} has the golden file ${opts.golden} (e.g. ${b.goldenPath} does not exist); check --golden (a path relative to each batch folder)`);
  }
  const builder = new ErrorModelBuilder(opts);
  const total = batches.reduce((a, b) => a + b.files.length, 0);
  let done = 0;
  const summary: CampaignReport['batches'] = [];
  for (const batch of batches) {
    summary.push({ name: batch.name, files: batch.files.length, ...(batch.problem ? { skipped: batch.problem } : {}) });
    if (batch.problem) {
      for (const f of batch.files) builder.record({ rejected: 'golden-missing', detail: batch.problem }, f);
      done += batch.files.length;
      opts.onProgress?.(done, total);
      continue;
    }
    const golden = readGolden(batch.goldenPath, layout);
    if ('reason' in golden) {
      summary[summary.length - 1].skipped = golden.detail;
      for (const f of batch.files) builder.record({ rejected: golden.reason, detail: golden.detail }, f);
      done += batch.files.length;
      opts.onProgress?.(done, total);
      continue;
    }
    const range = opts.range ?? goldenRange(golden.data);
    const tensorLayout = layout === 'NCHW' ? 'CHW' : 'HWC';
    for (const file of batch.files) {
      let array: NpyArray | null = null;
      try {
        array = loadNpy(file);
      } catch (err) {
        builder.record({ rejected: 'unreadable', detail: errorMessage(err) }, file);
      }
      if (array) {
        const dims = array.shape;
        if (dims.length !== golden.dims.length || dims.some((d, i) => d !== golden.dims[i])) {
          const reason = dims.length === 4 && dims[0] !== 1 ? 'batch-size' : 'shape-mismatch';
          builder.record({ rejected: reason, detail: `shape [${dims.join(',')}], golden [${golden.dims.join(',')}]` }, file);
        } else {
          builder.add({ golden: golden.data, faulty: toFloat32(array), shape: golden.shape, layout: tensorLayout, range, source: file });
        }
      }
      opts.onProgress?.(++done, total);
    }
  }
  const result = builder.finish();
  return { model: result.model, report: { ...result.report, batches: summary, strayFiles: batches.flatMap((b) => b.stray) } };
}
