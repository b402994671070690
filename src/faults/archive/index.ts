/**
 * The fault-list archive (.tar): manifest.json first, then one binary member of fault records
 * per layer, in the manifest's layer order (docs/fault-list-format.md). The bytes depend only on
 * the inputs, so the same seed and inputs give a byte-identical file on any machine.
 */
import { runtimeError } from '../../errors.js';
import { assertWritable, readUserFile, writeFileAtomic } from '../../util/files.js';
import { sha256Hex } from '../../util/hash.js';
import { VERSION } from '../../version.js';
import type { Fault } from '../types.js';
import { TruncatedError } from './bytes.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  MANIFEST_MEMBER,
  manifestFromJson,
  manifestToJson,
  type FaultArchiveInfo,
  type FaultArchiveManifest,
  type FaultLayerInfo,
  type FaultLayerSpec,
} from './manifest.js';
import { encodeLayerRecords, LayerRecords } from './records.js';
import { encodeTar, listTar, type TarMember } from './tar.js';

export type { FaultArchiveInfo, FaultArchiveManifest, FaultLayerInfo, FaultLayerSpec } from './manifest.js';
export { ARCHIVE_FORMAT, ARCHIVE_FORMAT_VERSION } from './manifest.js';

export interface LayerFaults {
  info: FaultLayerSpec;
  faults: readonly Fault[];
}

function memberName(i: number): string {
  return `layers/${String(i).padStart(4, '0')}.bin`;
}

function checkLayerFaults(spec: FaultLayerSpec, faults: readonly Fault[]): void {
  const size = spec.shape.c * spec.shape.h * spec.shape.w;
  for (const f of faults) {
    if (f.layer !== spec.name || f.output !== spec.output) {
      throw new RangeError(`fault ${f.index} belongs to ${f.layer}/${f.output}, not to layer ${spec.name}/${spec.output}`);
    }
    const k = f.indices.length;
    if (k > 0 && f.indices[k - 1] >= size) throw new RangeError(`fault ${f.index} of ${spec.name} has index ${f.indices[k - 1]} outside shape ${size}`);
    for (let i = 1; i < k; i++) {
      if (f.indices[i] <= f.indices[i - 1]) throw new RangeError(`fault ${f.index} of ${spec.name}: indices are not strictly ascending`);
    }
  }
}

/**
 * Builds an archive layer by layer: each layer is encoded as soon as it is added, so a caller
 * can drop its Fault objects and keep only the (much smaller) encoded bytes.
 */
export class FaultArchiveBuilder {
  private readonly members: TarMember[] = [];
  private readonly layerInfos: FaultLayerInfo[] = [];

  constructor(private readonly info: FaultArchiveInfo) {}

  /** Encodes one layer's faults. Throws RangeError on inconsistent input. */
  addLayer(spec: FaultLayerSpec, faults: readonly Fault[]): FaultLayerInfo {
    if (this.layerInfos.some((l) => l.name === spec.name)) throw new RangeError(`layer ${spec.name} is given twice`);
    checkLayerFaults(spec, faults);
    const data = encodeLayerRecords(faults);
    const member = memberName(this.members.length);
    this.members.push({ name: member, data });
    const info: FaultLayerInfo = {
      name: spec.name,
      output: spec.output,
      shape: { ...spec.shape },
      range: { ...spec.range },
      errorModel: spec.errorModel,
      count: faults.length,
      member,
      sha256: sha256Hex(data),
      bytes: data.length,
    };
    this.layerInfos.push(info);
    return info;
  }

  /** The manifest and the archive bytes as chunks (write them in order). */
  finish(): { manifest: FaultArchiveManifest; chunks: Uint8Array[] } {
    const manifest: FaultArchiveManifest = {
      format: ARCHIVE_FORMAT,
      formatVersion: ARCHIVE_FORMAT_VERSION,
      tool: `classes ${VERSION}`,
      seed: this.info.seed,
      modelSha256: this.info.modelSha256,
      errorModels: { ...this.info.errorModels },
      totalFaults: this.layerInfos.reduce((s, l) => s + l.count, 0),
      layers: this.layerInfos,
    };
    const manifestBytes = Buffer.from(manifestToJson(manifest), 'utf8');
    return { manifest, chunks: encodeTar([{ name: MANIFEST_MEMBER, data: manifestBytes }, ...this.members]) };
  }
}

/** The archive bytes as chunks (write them in order). Throws RangeError on inconsistent input. */
export function encodeFaultArchive(info: FaultArchiveInfo, layers: readonly LayerFaults[]): { manifest: FaultArchiveManifest; chunks: Uint8Array[] } {
  const builder = new FaultArchiveBuilder(info);
  for (const { info: spec, faults } of layers) builder.addLayer(spec, faults);
  return builder.finish();
}

/**
 * Writes a fault-list archive atomically; refuses to replace `path` unless `force`.
 * Returns the manifest written.
 */
export function writeFaultArchive(
  path: string,
  info: FaultArchiveInfo,
  layers: readonly LayerFaults[],
  opts: { force?: boolean } = {},
): FaultArchiveManifest {
  assertWritable(path, opts.force ?? false);
  const { manifest, chunks } = encodeFaultArchive(info, layers);
  writeFileAtomic(path, Buffer.concat(chunks));
  return manifest;
}

/** One layer of an opened archive: its manifest entry and lazy access to its faults. */
export class ArchiveLayer {
  private records: LayerRecords | null = null;

  constructor(
    readonly info: FaultLayerInfo,
    private readonly data: Uint8Array,
    private readonly label: string,
  ) {}

  private corrupt(err: unknown): Error {
    const why = err instanceof TruncatedError ? `truncated record (${err.message})` : (err as Error).message;
    return runtimeError(`${this.label} is corrupt: layer ${this.info.name} (${this.info.member}): ${why}; generate the fault list again`);
  }

  private open(): LayerRecords {
    if (this.records) return this.records;
    try {
      this.records = new LayerRecords(this.data, { layer: this.info.name, output: this.info.output, size: this.info.shape.c * this.info.shape.h * this.info.shape.w });
    } catch (err) {
      throw this.corrupt(err);
    }
    if (this.records.count !== this.info.count) {
      throw runtimeError(`${this.label} is corrupt: layer ${this.info.name} holds ${this.records.count} faults, the manifest says ${this.info.count}; generate the fault list again`);
    }
    return this.records;
  }

  /** Every fault of the layer, in ascending fault index. */
  faults(): Fault[] {
    const r = this.open();
    try {
      return r.all();
    } catch (err) {
      throw this.corrupt(err);
    }
  }

  /** The fault with this fault index, or undefined if the layer has none. */
  fault(index: number): Fault | undefined {
    const r = this.open();
    try {
      return r.byFaultIndex(index);
    } catch (err) {
      throw this.corrupt(err);
    }
  }
}

export class FaultArchive {
  private readonly byName = new Map<string, ArchiveLayer>();

  constructor(
    readonly path: string,
    readonly manifest: FaultArchiveManifest,
    readonly layers: readonly ArchiveLayer[],
  ) {
    for (const l of layers) this.byName.set(l.info.name, l);
    for (const l of layers) if (!this.byName.has(l.info.output)) this.byName.set(l.info.output, l);
  }

  /** A layer by node name or output tensor name. */
  layer(name: string): ArchiveLayer | undefined {
    return this.byName.get(name);
  }
}

/** Parses archive bytes; `label` names the file in messages. Checks every member's sha256. */
export function decodeFaultArchive(buf: Uint8Array, label: string): FaultArchive {
  const entries = listTar(buf, label);
  const member = new Map(entries.map((e) => [e.name, buf.subarray(e.offset, e.offset + e.size)]));
  const manifestBytes = member.get(MANIFEST_MEMBER);
  if (!manifestBytes) throw runtimeError(`${label} is not a classes fault list (no ${MANIFEST_MEMBER} inside)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch (err) {
    throw runtimeError(`${label} is corrupt: ${MANIFEST_MEMBER} is not valid JSON (${(err as Error).message}); generate the fault list again`);
  }
  const manifest = manifestFromJson(parsed);
  if (typeof manifest === 'string') throw runtimeError(`${label}: ${manifest}; generate the fault list again`);
  const layers: ArchiveLayer[] = [];
  const seen = new Set<string>();
  for (const info of manifest.layers) {
    if (seen.has(info.name)) throw runtimeError(`${label} is corrupt: layer ${info.name} appears twice in the manifest; generate the fault list again`);
    seen.add(info.name);
    const data = member.get(info.member);
    if (!data) throw runtimeError(`${label} is corrupt or truncated: member ${info.member} (layer ${info.name}) is missing; generate the fault list again`);
    if (data.length !== info.bytes || sha256Hex(data) !== info.sha256) {
      throw runtimeError(`${label} is corrupt: member ${info.member} (layer ${info.name}) does not match its sha256 in the manifest; generate the fault list again`);
    }
    layers.push(new ArchiveLayer(info, data, label));
  }
  return new FaultArchive(label, manifest, layers);
}

export function openFaultArchive(path: string): FaultArchive {
  return decodeFaultArchive(readUserFile(path, 'fault list'), path);
}

/** Reads a whole archive: the manifest and every layer's faults. */
export function readFaultArchive(path: string): { manifest: FaultArchiveManifest; layers: { info: FaultLayerInfo; faults: Fault[] }[] } {
  const archive = openFaultArchive(path);
  return { manifest: archive.manifest, layers: archive.layers.map((l) => ({ info: l.info, faults: l.faults() })) };
}
