/**
 * One way to read a fault list, whatever its format: `.tar` (the archive) or `.jsonl`. The
 * campaign runner and show-faults use this; they get the layers in file order and each
 * layer's faults in ascending fault index.
 */
import { extname } from 'node:path';
import { usageError } from '../errors.js';
import { FaultArchiveBuilder, openFaultArchive, type FaultArchiveInfo, type FaultArchiveManifest, type FaultLayerSpec, type LayerFaults } from './archive/index.js';
import { encodeFaultsJsonlChunks, readFaultsJsonl } from './jsonl.js';
import { assertWritable, writeFileAtomic } from '../util/files.js';
import type { Fault, Shape3, ValueRange } from './types.js';

export type FaultListFormat = 'tar' | 'jsonl';

export interface FaultListLayer {
  /** ONNX node name. */
  name: string;
  /** ONNX tensor name the faults overwrite. */
  output: string;
  count: number;
  /** Known for archives; null for JSONL, which does not record them. */
  shape: Shape3 | null;
  range: ValueRange | null;
  errorModel: string | null;
  /** Every fault of the layer, ascending by fault index. */
  faults(): Fault[];
  /** The fault with this fault index, or undefined. */
  fault(index: number): Fault | undefined;
}

export interface FaultList {
  path: string;
  format: FaultListFormat;
  /** The archive manifest; null for JSONL. */
  manifest: FaultArchiveManifest | null;
  layers: FaultListLayer[];
  totalFaults: number;
}

/** Format from the file name: `.tar` or `.jsonl`; anything else is a usage error. */
export function faultListFormat(path: string, flag = 'the fault list'): FaultListFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tar') return 'tar';
  if (ext === '.jsonl') return 'jsonl';
  throw usageError(`${flag} ${path} must end in .tar (archive) or .jsonl (one fault per line)`);
}

function makeList(path: string, format: FaultListFormat, manifest: FaultArchiveManifest | null, layers: FaultListLayer[]): FaultList {
  return {
    path,
    format,
    manifest,
    layers,
    totalFaults: layers.reduce((s, l) => s + l.count, 0),
  };
}

function fromJsonl(path: string): FaultList {
  const groups = new Map<string, Fault[]>();
  for (const f of readFaultsJsonl(path)) {
    let g = groups.get(f.layer);
    if (!g) groups.set(f.layer, (g = []));
    g.push(f); // one output per layer: checked line by line while reading
  }
  const layers: FaultListLayer[] = [];
  for (const [name, faults] of groups) {
    faults.sort((a, b) => a.index - b.index);
    const byIndex = new Map(faults.map((f) => [f.index, f]));
    layers.push({
      name,
      output: faults[0].output,
      count: faults.length,
      shape: null,
      range: null,
      errorModel: null,
      faults: () => faults.slice(),
      fault: (index) => byIndex.get(index),
    });
  }
  return makeList(path, 'jsonl', null, layers);
}

function fromTar(path: string): FaultList {
  const archive = openFaultArchive(path);
  const layers: FaultListLayer[] = archive.layers.map((l) => ({
    name: l.info.name,
    output: l.info.output,
    count: l.info.count,
    shape: l.info.shape,
    range: l.info.range,
    errorModel: l.info.errorModel,
    faults: () => l.faults(),
    fault: (index) => l.fault(index),
  }));
  return makeList(path, 'tar', archive.manifest, layers);
}

/** Opens a `.tar` or `.jsonl` fault list; corrupt files are a clear runtime error. */
export function openFaultList(path: string): FaultList {
  return faultListFormat(path) === 'tar' ? fromTar(path) : fromJsonl(path);
}

/** Result of writing a fault list: its size next to the dense-mask size it replaces. */
export interface WrittenFaultList {
  path: string;
  format: FaultListFormat;
  layers: number;
  totalFaults: number;
  bytes: number;
  /** C*H*W bytes per fault: what dense uint8 masks (upstream's format) would take. */
  denseMaskBytes: number;
}

/**
 * Most faults per layer. A layer's faults are all held in memory until it is encoded (about
 * 0.8 KB of V8 heap per fault even for one corrupted value, plus the typed arrays of bigger
 * patterns), and the encoded layers stay in memory until the file is written. Measured: 1e6
 * relu faults need 1.7 GB and 20 s, 1e6 conv_gemm faults 6.8 GB and 2.5 min, and 3e6 relu
 * faults already exhaust Node's default 4 GB heap. A larger count would run for minutes and
 * then crash, so it is refused up front. run-campaign takes the same limit (its faults are
 * drawn chunk by chunk, but a campaign should fit in a list that gen-faults can write). The file
 * as a whole has its own limit (MAX_FAULT_LIST_BYTES, below), checked layer by layer as it is built.
 */
export const MAX_FAULTS_PER_LAYER = 1_000_000;

/**
 * Largest fault list written: the readers load a list whole (Node reads at most 2 GiB into one
 * buffer), so a larger one could be written but never used.
 */
export const MAX_FAULT_LIST_BYTES = 2 * 2 ** 30 - 2 ** 26;

/**
 * Writes a fault list layer by layer, as `.tar` or `.jsonl` by the file name. Each layer is
 * encoded when added (the caller may then drop its faults); `finish` writes the file
 * atomically. The constructor refuses an existing file without `force`, before any work.
 * The JSONL form keeps only the faults (no manifest).
 */
export class FaultListWriter {
  readonly format: FaultListFormat;
  private readonly archive: FaultArchiveBuilder | null;
  private readonly jsonl: Uint8Array[] = [];
  private layers = 0;
  private total = 0;
  private dense = 0;
  private bytes = 0;

  constructor(
    readonly path: string,
    info: FaultArchiveInfo,
    private readonly opts: { force?: boolean; maxBytes?: number } = {},
  ) {
    this.format = faultListFormat(path, 'output');
    assertWritable(path, opts.force ?? false);
    this.archive = this.format === 'tar' ? new FaultArchiveBuilder(info) : null;
  }

  addLayer(spec: FaultLayerSpec, faults: readonly Fault[]): void {
    if (this.archive) this.countBytes(this.archive.addLayer(spec, faults).bytes, spec);
    else {
      for (const chunk of encodeFaultsJsonlChunks(faults)) {
        this.countBytes(chunk.length, spec);
        this.jsonl.push(chunk);
      }
    }
    this.layers++;
    this.total += faults.length;
    this.dense += faults.length * spec.shape.c * spec.shape.h * spec.shape.w;
  }

  /** Refuse a list larger than the readers take, before it is written (or crashes a Buffer). */
  private countBytes(n: number, spec: FaultLayerSpec): void {
    this.bytes += n;
    if (this.bytes > (this.opts.maxBytes ?? MAX_FAULT_LIST_BYTES)) {
      throw usageError(
        `the fault list ${this.path} would be over 2 GiB at layer ${spec.name}, more than classes reads back; ` +
          `generate fewer faults per layer, or one list per group of layers (--layers)${this.format === 'jsonl' ? ', or a .tar (about 10 times smaller)' : ''}`,
      );
    }
  }

  finish(): WrittenFaultList {
    const data = Buffer.concat(this.archive ? this.archive.finish().chunks : this.jsonl);
    assertWritable(this.path, this.opts.force ?? false); // it may have appeared meanwhile
    writeFileAtomic(this.path, data);
    return { path: this.path, format: this.format, layers: this.layers, totalFaults: this.total, bytes: data.length, denseMaskBytes: this.dense };
  }
}

/** Writes whole layers of faults in one call (see FaultListWriter). */
export function writeFaultList(path: string, info: FaultArchiveInfo, layers: readonly LayerFaults[], opts: { force?: boolean } = {}): WrittenFaultList {
  const w = new FaultListWriter(path, info, opts);
  for (const l of layers) w.addLayer(l.info, l.faults);
  return w.finish();
}
