/**
 * Binary encoding of one layer's faults (one archive member, `layers/NNNN.bin`). The exact
 * layout is in docs/fault-list-format.md; in short:
 *
 *   header   "CFLR", u8 version, varint N (faults), pattern-name table, parameter-key table,
 *            parameter-set table, value-code table, N varint record lengths (random access)
 *   record   varint index gap · u8 head (4 flag bits, pattern id) · varint params id ·
 *            varint k · indices (gaps or runs) · value classes (one id, or 4 bits each) ·
 *            values (zero/nan left out when canonical, flips as a bit position, other
 *            float32s as their three low bytes plus a short code for the top byte)
 *
 * Values dominate the size: a float32 drawn in an operating range has about 26 bits of
 * entropy, but only a handful of distinct top bytes (sign and high exponent bits), so those
 * get a 1-4 bit code from a per-layer table (with an escape). Every choice is made from the
 * data alone, so the encoding is lossless and the same faults always give the same bytes.
 */
import type { Fault, ParamValue, ResolvedParams } from '../types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { paramsToJson } from '../json-values.js';

const MAGIC = [0x43, 0x46, 0x4c, 0x52]; // "CFLR"
export const RECORDS_VERSION = 1;

const FLAG_RUNS = 1;
const FLAG_UNIFORM_CLASS = 2;
const FLAG_ELIDE_CANONICAL = 4;
const FLAG_FLIP_AS_BIT = 8;
const PATTERN_ID_INLINE_MAX = 14; // head's high nibble 15 means "pattern id - 15 follows"

const CLASS_ZERO = 1;
const CLASS_NAN = 4;
const CLASS_FLIP = 5;
const CANONICAL_NAN_BITS = 0x7fc00000;

const TAG_UINT = 0;
const TAG_NEG_INT = 1;
const TAG_F64 = 2;
const TAG_PAIR = 3;

/** Identity of the layer a member belongs to; records carry neither name. */
export interface RecordLayer {
  layer: string;
  output: string;
  /** C*H*W: every index must be below it. */
  size: number;
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

/* ---------------------------------------------------------------- parameters */

function writeScalar(w: ByteWriter, v: number): void {
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
    w.u8(v >= 0 ? TAG_UINT : TAG_NEG_INT);
    w.varint(Math.abs(v));
  } else {
    w.u8(TAG_F64);
    w.f64(v);
  }
}

function readScalar(r: ByteReader, tag: number): number {
  if (tag === TAG_UINT) return r.varint();
  if (tag === TAG_NEG_INT) return -r.varint();
  if (tag === TAG_F64) return r.f64();
  throw new Error(`bad parameter value tag ${tag}`);
}

function writeParams(w: ByteWriter, params: ResolvedParams, keyIds: Map<string, number>): void {
  const entries = Object.entries(params);
  w.varint(entries.length);
  for (const [k, v] of entries) {
    w.varint(keyIds.get(k) as number);
    if (Array.isArray(v)) {
      w.u8(TAG_PAIR);
      writeScalar(w, v[0]);
      writeScalar(w, v[1]);
    } else writeScalar(w, v);
  }
}

function readParams(r: ByteReader, keys: readonly string[]): ResolvedParams {
  const out: ResolvedParams = {};
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    const keyId = r.varint();
    if (keyId >= keys.length) throw new Error(`parameter key id ${keyId} out of range`);
    const tag = r.u8();
    let value: ParamValue;
    if (tag === TAG_PAIR) {
      const lo = readScalar(r, r.u8());
      value = [lo, readScalar(r, r.u8())];
    } else value = readScalar(r, tag);
    out[keys[keyId]] = value;
  }
  return out;
}

/* ---------------------------------------------------------------- per-fault analysis */

interface Analysed {
  fault: Fault;
  bits: Uint32Array;
  flags: number;
  runCount: number;
  /** positions whose value is stored as a full float32 */
  full: number[];
}

function analyse(f: Fault): Analysed {
  const k = f.indices.length;
  if (f.valueClasses.length !== k || f.values.length !== k) {
    throw new RangeError(`fault ${f.index} of ${f.layer}: indices, valueClasses and values differ in length`);
  }
  const bits = new Uint32Array(f.values.buffer, f.values.byteOffset, k);
  let gaps = 0;
  let runBytes = 0;
  let runCount = 0;
  let runStart = -1;
  let prevEnd = 0;
  for (let i = 0; i < k; i++) {
    const v = f.indices[i];
    gaps += varintLength(i === 0 ? v : v - f.indices[i - 1] - 1);
    if (i === 0 || v !== f.indices[i - 1] + 1) {
      if (runStart >= 0) {
        runBytes += varintLength(runStart - prevEnd) + varintLength(f.indices[i - 1] - runStart);
        prevEnd = f.indices[i - 1] + 1;
      }
      runStart = v;
      runCount++;
    }
  }
  if (runStart >= 0) runBytes += varintLength(runStart - prevEnd) + varintLength(f.indices[k - 1] - runStart);
  runBytes += varintLength(runCount);

  let uniform = k > 0;
  let canonical = true;
  let flipAsBit = true;
  for (let i = 0; i < k; i++) {
    const c = f.valueClasses[i];
    if (c < 1 || c > 5) throw new RangeError(`fault ${f.index} of ${f.layer}: value class ${c} is not 1..5`);
    if (c !== f.valueClasses[0]) uniform = false;
    if (c === CLASS_ZERO && bits[i] !== 0) canonical = false;
    if (c === CLASS_NAN && bits[i] !== CANONICAL_NAN_BITS) canonical = false;
    if (c === CLASS_FLIP && (bits[i] === 0 || (bits[i] & (bits[i] - 1)) !== 0)) flipAsBit = false;
  }
  const flags = (runBytes < gaps ? FLAG_RUNS : 0) | (uniform ? FLAG_UNIFORM_CLASS : 0) | (canonical ? FLAG_ELIDE_CANONICAL : 0) | (flipAsBit ? FLAG_FLIP_AS_BIT : 0);
  const full: number[] = [];
  for (let i = 0; i < k; i++) {
    const c = f.valueClasses[i];
    if (flags & FLAG_ELIDE_CANONICAL && (c === CLASS_ZERO || c === CLASS_NAN)) continue;
    if (flags & FLAG_FLIP_AS_BIT && c === CLASS_FLIP) continue;
    full.push(i);
  }
  return { fault: f, bits, flags, runCount, full };
}

/* ---------------------------------------------------------------- top-byte code */

/** Code width 0..4 bits and the table of the 2^w − 1 most common top bytes (escape = 2^w − 1). */
interface TopByteCode {
  width: number;
  table: number[];
}

function chooseTopByteCode(recs: readonly Analysed[]): TopByteCode {
  const freq = new Array<number>(256).fill(0);
  let total = 0;
  for (const r of recs) for (const i of r.full) freq[r.bits[i] >>> 24]++, total++;
  const ranked = [...freq.keys()].filter((b) => freq[b] > 0).sort((a, b) => freq[b] - freq[a] || a - b);
  let best: TopByteCode = { width: 0, table: [] };
  let bestCost = total; // width 0: the top byte is stored as is
  for (let width = 1; width <= 4; width++) {
    const table = ranked.slice(0, (1 << width) - 1);
    let covered = 0;
    for (const b of table) covered += freq[b];
    let cost = table.length + (total - covered);
    for (const r of recs) cost += Math.ceil((r.full.length * width) / 8);
    if (cost < bestCost) {
      best = { width, table };
      bestCost = cost;
    }
  }
  return best;
}

/* ---------------------------------------------------------------- encoder */

function encodeRecord(w: ByteWriter, a: Analysed, indexGap: number, patternId: number, paramsId: number, code: TopByteCode, codeOf: Int16Array): void {
  const f = a.fault;
  const k = f.indices.length;
  w.varint(indexGap);
  w.u8(a.flags | (Math.min(patternId, PATTERN_ID_INLINE_MAX + 1) << 4));
  if (patternId > PATTERN_ID_INLINE_MAX) w.varint(patternId - PATTERN_ID_INLINE_MAX - 1);
  w.varint(paramsId);
  w.varint(k);
  if (a.flags & FLAG_RUNS) {
    w.varint(a.runCount);
    let i = 0;
    let prevEnd = 0;
    while (i < k) {
      const start = f.indices[i];
      let j = i + 1;
      while (j < k && f.indices[j] === f.indices[j - 1] + 1) j++;
      w.varint(start - prevEnd);
      w.varint(j - i - 1);
      prevEnd = f.indices[j - 1] + 1;
      i = j;
    }
  } else {
    for (let i = 0; i < k; i++) w.varint(i === 0 ? f.indices[0] : f.indices[i] - f.indices[i - 1] - 1);
  }
  if (a.flags & FLAG_UNIFORM_CLASS) w.u8(f.valueClasses[0]);
  else for (let i = 0; i < k; i += 2) w.u8(f.valueClasses[i] | ((i + 1 < k ? f.valueClasses[i + 1] : 0) << 4));

  // inline part: flip bit positions and the low bytes of full values, in position order
  let fi = 0;
  for (let i = 0; i < k; i++) {
    if (fi < a.full.length && a.full[fi] === i) {
      fi++;
      const b = a.bits[i];
      if (code.width === 0) w.u32(b);
      else {
        w.u8(b & 0xff);
        w.u8((b >>> 8) & 0xff);
        w.u8((b >>> 16) & 0xff);
      }
    } else if (a.flags & FLAG_FLIP_AS_BIT && f.valueClasses[i] === CLASS_FLIP) {
      w.u8(31 - Math.clz32(a.bits[i]));
    }
  }
  if (code.width === 0 || a.full.length === 0) return;
  // top-byte codes, `width` bits each, least significant bit first; then the escaped bytes
  const escape = (1 << code.width) - 1;
  let acc = 0;
  let nbits = 0;
  const escaped: number[] = [];
  for (const i of a.full) {
    const top = a.bits[i] >>> 24;
    let c = codeOf[top];
    if (c < 0) {
      c = escape;
      escaped.push(top);
    }
    acc |= c << nbits;
    nbits += code.width;
    while (nbits >= 8) {
      w.u8(acc & 0xff);
      acc >>>= 8;
      nbits -= 8;
    }
  }
  if (nbits > 0) w.u8(acc & 0xff);
  for (const b of escaped) w.u8(b);
}

/**
 * Encodes one layer's faults. They are written in ascending fault index (a sorted copy; the
 * caller's array is left alone); indices must be unique.
 */
export function encodeLayerRecords(faults: readonly Fault[]): Uint8Array {
  const sorted = [...faults].sort((a, b) => a.index - b.index);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].index === sorted[i - 1].index) throw new RangeError(`fault index ${sorted[i].index} of ${sorted[i].layer} appears twice`);
  }
  const patterns = new Map<string, number>();
  const keys = new Map<string, number>();
  const paramSets = new Map<string, { id: number; params: ResolvedParams }>();
  const ids = sorted.map((f) => {
    if (!patterns.has(f.pattern)) patterns.set(f.pattern, patterns.size);
    for (const k of Object.keys(f.params)) if (!keys.has(k)) keys.set(k, keys.size);
    const pj = paramsToJson(f.params);
    let p = paramSets.get(pj);
    if (!p) paramSets.set(pj, (p = { id: paramSets.size, params: f.params }));
    return [patterns.get(f.pattern) as number, p.id] as const;
  });
  const analysed = sorted.map(analyse);
  const code = chooseTopByteCode(analysed);
  const codeOf = new Int16Array(256).fill(-1);
  code.table.forEach((b, i) => (codeOf[b] = i));

  const records: Uint8Array[] = [];
  let prevIndex = -1;
  analysed.forEach((a, i) => {
    const w = new ByteWriter(64 + a.fault.indices.length * 5);
    encodeRecord(w, a, a.fault.index - prevIndex - 1, ids[i][0], ids[i][1], code, codeOf);
    prevIndex = a.fault.index;
    records.push(w.finish());
  });

  const w = new ByteWriter(1024 + records.reduce((s, r) => s + r.length + 3, 0));
  for (const b of MAGIC) w.u8(b);
  w.u8(RECORDS_VERSION);
  w.varint(sorted.length);
  w.varint(patterns.size);
  for (const p of patterns.keys()) w.string(p);
  w.varint(keys.size);
  for (const k of keys.keys()) w.string(k);
  w.varint(paramSets.size);
  for (const { params } of paramSets.values()) writeParams(w, params, keys);
  w.u8(code.width);
  for (const b of code.table) w.u8(b);
  if (code.width > 0) for (let i = code.table.length; i < (1 << code.width) - 1; i++) w.u8(0); // unused slots
  for (const r of records) w.varint(r.length);
  for (const r of records) w.bytes(r);
  return w.finish();
}

/* ---------------------------------------------------------------- decoder */

/** A decoded member header with random access to its records. */
export class LayerRecords {
  readonly count: number;
  private readonly patterns: string[];
  private readonly paramSets: ResolvedParams[];
  private readonly width: number;
  private readonly table: Uint8Array;
  private readonly starts: number[];
  private readonly faultIndex: number[];
  private byIndex: Map<number, number> | null = null;

  /** Throws Error (with a plain reason) when the header is malformed. */
  constructor(
    private readonly data: Uint8Array,
    private readonly layer: RecordLayer,
  ) {
    const r = new ByteReader(data);
    for (const b of MAGIC) if (r.u8() !== b) throw new Error('not a fault-record member (bad magic)');
    const version = r.u8();
    if (version !== RECORDS_VERSION) throw new Error(`fault-record version ${version} is not supported (this classes reads ${RECORDS_VERSION})`);
    this.count = r.varint();
    const count = (n: number, what: string): number => {
      if (n > r.remaining) throw new Error(`${what} count ${n} exceeds the member`);
      return n;
    };
    this.patterns = Array.from({ length: count(r.varint(), 'pattern') }, () => r.string());
    const keys = Array.from({ length: count(r.varint(), 'key') }, () => r.string());
    this.paramSets = Array.from({ length: count(r.varint(), 'parameter set') }, () => readParams(r, keys));
    this.width = r.u8();
    if (this.width > 4) throw new Error(`value code width ${this.width} is not 0..4`);
    this.table = this.width > 0 ? r.bytes((1 << this.width) - 1).slice() : new Uint8Array(0);
    count(this.count, 'fault');
    const lengths = Array.from({ length: this.count }, () => r.varint());
    this.starts = new Array<number>(this.count + 1);
    this.starts[0] = r.pos;
    for (let i = 0; i < this.count; i++) this.starts[i + 1] = this.starts[i] + lengths[i];
    if (this.starts[this.count] !== data.length) throw new Error(`record lengths add up to ${this.starts[this.count] - r.pos} bytes, the member holds ${data.length - r.pos}`);
    this.faultIndex = new Array<number>(this.count);
    let prev = -1;
    for (let i = 0; i < this.count; i++) {
      prev = prev + 1 + new ByteReader(data, this.starts[i], this.starts[i + 1]).varint();
      this.faultIndex[i] = prev;
    }
  }

  /** The i-th record of the member (0-based position, not the fault index). */
  at(position: number): Fault {
    if (!(position >= 0 && position < this.count)) throw new RangeError(`record ${position} is out of range`);
    const r = new ByteReader(this.data, this.starts[position], this.starts[position + 1]);
    r.varint(); // index gap, already resolved
    const fault = this.decode(r, this.faultIndex[position]);
    if (r.remaining !== 0) throw new Error(`record ${position} has ${r.remaining} unexpected trailing byte(s)`);
    return fault;
  }

  /** The fault with this fault index, or undefined. */
  byFaultIndex(index: number): Fault | undefined {
    if (!this.byIndex) this.byIndex = new Map(this.faultIndex.map((fi, pos) => [fi, pos]));
    const pos = this.byIndex.get(index);
    return pos === undefined ? undefined : this.at(pos);
  }

  all(): Fault[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  private decode(r: ByteReader, index: number): Fault {
    const head = r.u8();
    const flags = head & 15;
    let patternId = head >> 4;
    if (patternId > PATTERN_ID_INLINE_MAX) patternId += r.varint();
    const paramsId = r.varint();
    const k = r.varint();
    if (patternId >= this.patterns.length || paramsId >= this.paramSets.length) throw new Error(`fault ${index}: pattern or params id out of range`);
    const limit = this.layer.size;
    if (k > limit) throw new Error(`fault ${index}: ${k} corrupted values do not fit a tensor of ${limit}`);

    const indices = new Uint32Array(k);
    if (flags & FLAG_RUNS) {
      const runs = r.varint();
      let n = 0;
      let prevEnd = 0;
      for (let q = 0; q < runs; q++) {
        const start = prevEnd + r.varint();
        if (q > 0 && start <= prevEnd) throw new Error(`fault ${index}: index runs touch or overlap`);
        const len = r.varint() + 1;
        if (n + len > k || start + len > limit) throw new Error(`fault ${index}: index runs exceed the fault or the tensor`);
        for (let t = 0; t < len; t++) indices[n++] = start + t;
        prevEnd = start + len;
      }
      if (n !== k) throw new Error(`fault ${index}: index runs hold ${n} indices, expected ${k}`);
    } else {
      let prev = -1;
      for (let i = 0; i < k; i++) {
        const v = prev + 1 + r.varint();
        if (v >= limit) throw new Error(`fault ${index}: index ${v} is outside the tensor (size ${limit})`);
        indices[i] = v;
        prev = v;
      }
    }

    const valueClasses = new Uint8Array(k);
    if (flags & FLAG_UNIFORM_CLASS) valueClasses.fill(r.u8());
    else {
      for (let i = 0; i < k; i += 2) {
        const b = r.u8();
        valueClasses[i] = b & 15;
        if (i + 1 < k) valueClasses[i + 1] = b >> 4;
      }
    }
    for (let i = 0; i < k; i++) {
      if (valueClasses[i] < 1 || valueClasses[i] > 5) throw new Error(`fault ${index}: value class ${valueClasses[i]} is not 1..5`);
    }

    const bits = new Uint32Array(k);
    const full: number[] = [];
    for (let i = 0; i < k; i++) {
      const c = valueClasses[i];
      if (flags & FLAG_ELIDE_CANONICAL && c === CLASS_ZERO) bits[i] = 0;
      else if (flags & FLAG_ELIDE_CANONICAL && c === CLASS_NAN) bits[i] = CANONICAL_NAN_BITS;
      else if (flags & FLAG_FLIP_AS_BIT && c === CLASS_FLIP) {
        const shift = r.u8();
        if (shift > 31) throw new Error(`fault ${index}: flip bit ${shift} is not 0..31`);
        bits[i] = (1 << shift) >>> 0;
      } else if (this.width === 0) bits[i] = r.u32();
      else {
        const low = r.bytes(3);
        bits[i] = low[0] | (low[1] << 8) | (low[2] << 16);
        full.push(i);
      }
    }
    if (full.length > 0) {
      const escape = (1 << this.width) - 1;
      const codes = r.bytes(Math.ceil((full.length * this.width) / 8));
      let bitPos = 0;
      const escapedAt: number[] = [];
      for (const i of full) {
        const byte = bitPos >> 3;
        const word = codes[byte] | ((byte + 1 < codes.length ? codes[byte + 1] : 0) << 8);
        const c = (word >> (bitPos & 7)) & escape;
        bitPos += this.width;
        if (c === escape) escapedAt.push(i);
        else bits[i] = (bits[i] | (this.table[c] << 24)) >>> 0;
      }
      for (const i of escapedAt) bits[i] = (bits[i] | (r.u8() << 24)) >>> 0;
    }

    const params = this.paramSets[paramsId];
    return {
      layer: this.layer.layer,
      output: this.layer.output,
      index,
      pattern: this.patterns[patternId],
      params: Object.fromEntries(Object.entries(params).map(([k2, v]) => [k2, Array.isArray(v) ? [v[0], v[1]] : v])) as ResolvedParams,
      indices,
      valueClasses,
      values: new Float32Array(bits.buffer),
    };
  }
}
