/**
 * A 64-bit hash of a row's key fields for the keyed prefilter's key check (key-check.ts): two
 * 32-bit FNV-1a-style lanes over the bytes, each its own offset and odd multiplier, so each byte
 * costs two integer multiplies and no carries. (FNV-1a 64 emulated with doubles took ~110 ns a
 * line here, most of the key check.) It is not a strong hash and need not be: two keys that
 * collide only look repeated, and a repeated key makes the reload take its exact fallback.
 */
const OFFSET_LO = 0x811c9dc5;
const OFFSET_HI = 0x9e3779b9;
/** FNV-1a's 32-bit prime, and MurmurHash2's multiplier for the other lane. */
const PRIME_LO = 0x01000193;
const PRIME_HI = 0x5bd1e995;

export class KeyHash {
  lo = OFFSET_LO;
  hi = OFFSET_HI;

  reset(): this {
    this.lo = OFFSET_LO;
    this.hi = OFFSET_HI;
    return this;
  }

  update(buf: Uint8Array, start: number, end: number): this {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      lo = Math.imul(lo ^ c, PRIME_LO);
      hi = Math.imul(hi ^ c, PRIME_HI);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  byte(b: number): this {
    this.lo = Math.imul(this.lo ^ b, PRIME_LO) >>> 0;
    this.hi = Math.imul(this.hi ^ b, PRIME_HI) >>> 0;
    return this;
  }
}
