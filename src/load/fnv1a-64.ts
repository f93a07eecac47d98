/**
 * 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 2^40 + 0x1b3), in two 32-bit halves.
 *
 * For the keyed prefilter's key set (line-hashes.ts): a key is ~20 bytes, and a JavaScript loop
 * over them costs a fraction of a call into a wasm hasher (~0.3 µs with its copies and the digest
 * it allocates). It is not a strong hash, and need not be: two keys that collide only look
 * repeated, and a repeated key makes the reload take its exact fallback.
 */
const ONE = new Uint8Array(1);

export class Fnv1a64 {
  lo = 0x84222325;
  hi = 0xcbf29ce4;

  reset(): this {
    this.lo = 0x84222325;
    this.hi = 0xcbf29ce4;
    return this;
  }

  update(buf: Uint8Array, start: number, end: number): this {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = start; i < end; i++) {
      lo = (lo ^ buf[i]!) >>> 0;
      // h * (2^40 + 0x1b3) mod 2^64. lo * 0x1b3 < 2^41 is exact in a double; its upper part
      // carries into hi, and h * 2^40 adds lo << 8 to hi.
      const t = lo * 0x1b3;
      const low = t >>> 0;
      hi = (Math.imul(hi, 0x1b3) + (lo << 8) + (t - low) / 0x100000000) >>> 0;
      lo = low;
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  byte(b: number): this {
    ONE[0] = b;
    return this.update(ONE, 0, 1);
  }
}
