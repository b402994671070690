/**
 * float32 ↔ uint32 bit-pattern helpers (spec §3.3). Bit patterns are monotone in magnitude
 * within each sign: +0 = 0x00000000 … +FLT_MAX = 0x7F7FFFFF, −0 = 0x80000000 … −FLT_MAX =
 * 0xFF7FFFFF.
 */
export const POS_ZERO_BITS = 0x00000000;
export const NEG_ZERO_BITS = 0x80000000;
export const POS_MAX_BITS = 0x7f7fffff;
export const NEG_MAX_BITS = 0xff7fffff;
export const SIGN_BIT = 0x80000000;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bit pattern of `x` rounded to float32. */
export function bitsOf(x: number): number {
  f32[0] = x;
  return u32[0];
}

/** The float32 (as a JS number) whose bit pattern is `bits`. */
export function fromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** Sign bit set (true for −0.0 and every negative float). */
export function hasSignBit(x: number): boolean {
  return bitsOf(x) >= SIGN_BIT;
}
