import { runtimeError } from '../../errors.js';

/**
 * A minimal POSIX ustar writer and reader, enough for the fault-list archive. We write the
 * headers ourselves so that the bytes depend only on the members: fixed mode 0644, uid/gid 0,
 * empty user/group names, mtime 0, no PAX extensions, no padding beyond the two end blocks.
 * Any tar tool can list or extract the result. The reader checks every header checksum and
 * every size, so a corrupt or truncated file is reported rather than half read.
 */

const BLOCK = 512;
const MAX_SIZE = 8 ** 11 - 1; // 11 octal digits in the size field

export interface TarMember {
  name: string;
  data: Uint8Array;
}

/** A member found by the reader: its name and where its bytes lie in the archive buffer. */
export interface TarEntry {
  name: string;
  offset: number;
  size: number;
}

function writeAscii(block: Uint8Array, at: number, len: number, text: string): void {
  for (let i = 0; i < text.length && i < len; i++) block[at + i] = text.charCodeAt(i);
}

function octal(value: number, width: number): string {
  // width includes the trailing NUL
  return value.toString(8).padStart(width - 1, '0');
}

function headerChecksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return sum;
}

function encodeHeader(name: string, size: number): Uint8Array {
  if (!/^[\x21-\x7e]{1,100}$/.test(name)) throw new RangeError(`tar member name must be 1-100 printable ASCII characters: ${name}`);
  if (size > MAX_SIZE) throw new RangeError(`tar member ${name} is too large (${size} bytes)`);
  const h = new Uint8Array(BLOCK);
  writeAscii(h, 0, 100, name);
  writeAscii(h, 100, 8, octal(0o644, 8));
  writeAscii(h, 108, 8, octal(0, 8));
  writeAscii(h, 116, 8, octal(0, 8));
  writeAscii(h, 124, 12, octal(size, 12));
  writeAscii(h, 136, 12, octal(0, 12));
  h[156] = 0x30; // '0': regular file
  writeAscii(h, 257, 6, 'ustar');
  writeAscii(h, 263, 2, '00');
  writeAscii(h, 148, 8, `${octal(headerChecksum(h), 7)}\0 `);
  return h;
}

/** The archive as a list of chunks (headers, data, padding, end blocks), in member order. */
export function encodeTar(members: readonly TarMember[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (const m of members) {
    chunks.push(encodeHeader(m.name, m.data.length));
    chunks.push(m.data);
    const pad = (BLOCK - (m.data.length % BLOCK)) % BLOCK;
    if (pad) chunks.push(new Uint8Array(pad));
  }
  chunks.push(new Uint8Array(2 * BLOCK));
  return chunks;
}

function readString(buf: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + at, end - at).toString('utf8');
}

function readOctal(buf: Uint8Array, at: number, len: number): number {
  const text = readString(buf, at, len).trim();
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

function isZeroBlock(buf: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Lists the regular-file members of a ustar archive held in memory. `label` names the file in
 * error messages. PAX and directory entries are skipped; other entry types are refused.
 */
export function listTar(buf: Uint8Array, label: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  for (;;) {
    if (pos + BLOCK > buf.length) {
      throw runtimeError(`${label} is truncated (the tar archive ends at byte ${buf.length} without its end marker); generate it again`);
    }
    if (isZeroBlock(buf, pos)) return entries;
    const stored = readOctal(buf, pos + 148, 8);
    if (stored !== headerChecksum(buf.subarray(pos, pos + BLOCK))) {
      throw runtimeError(`${label} is corrupt or not a tar archive (bad tar header checksum at byte ${pos}); generate the fault list again`);
    }
    const size = readOctal(buf, pos + 124, 12);
    if (!Number.isFinite(size)) throw runtimeError(`${label} is corrupt (bad size field in the tar header at byte ${pos}); generate the fault list again`);
    let name = readString(buf, pos, 100);
    const prefix = readString(buf, pos + 345, 155);
    if (prefix && readString(buf, pos + 257, 6) === 'ustar') name = `${prefix}/${name}`;
    const type = String.fromCharCode(buf[pos + 156] || 0x30);
    const dataAt = pos + BLOCK;
    if (dataAt + size > buf.length) {
      throw runtimeError(`${label} is truncated (member ${name} needs ${size} bytes, ${Math.max(0, buf.length - dataAt)} present); generate it again`);
    }
    if (type === '0' || type === '7') entries.push({ name, offset: dataAt, size });
    else if (type !== 'x' && type !== 'g' && type !== '5') {
      throw runtimeError(`${label} holds an unsupported tar entry type '${type}' (${name})`);
    }
    pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
  }
}
