/**
 * MurmurHash3 x86_128 (Austin Appleby's public-domain algorithm, as in SMHasher) over a range of
 * bytes, written into a caller's 16-byte buffer: the keyed prefilter's line hash (line-hashes.ts).
 *
 * Why not a library: the hash is taken of every line of every re-published file, millions per
 * release, and its per-call overhead is the cost. hash-wasm's xxHash3-128 took ~700 ns a loan
 * file line (three calls into wasm, a copy into its memory, a new array for each digest); this
 * loop of 32-bit multiplies takes a fraction of that and allocates nothing. It is not a
 * cryptographic hash: two different lines of one file sharing a 128-bit value is out of reach
 * by chance, and whoever writes the files can write any rows anyway.
 *
 * Checked against SMHasher's verification value and another implementation's outputs
 * (tests/unit/load/murmur3-128.test.ts).
 */
const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Little-endian 32-bit word of b at i. */
const word = (b: Uint8Array, i: number): number => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

/** Writes the 128-bit hash of buf[start, end) with `seed` into out[0..16) (h1..h4, little-endian). */
export function murmur3x86128(buf: Uint8Array, start: number, end: number, seed: number, out: Uint8Array): Uint8Array {
  const len = end - start;
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocksEnd = start + (len & ~15);
  for (let i = start; i < blocksEnd; i += 16) {
    let k1 = word(buf, i);
    let k2 = word(buf, i + 4);
    let k3 = word(buf, i + 8);
    let k4 = word(buf, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The last 0-15 bytes, little-endian into k1..k4 (the reference's fall-through switch).
  const tail = len & 15;
  if (tail > 0) {
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    for (let j = tail - 1; j >= 0; j--) {
      const b = buf[blocksEnd + j]! << ((j & 3) * 8);
      if (j >= 12) k4 ^= b;
      else if (j >= 8) k3 ^= b;
      else if (j >= 4) k2 ^= b;
      else k1 ^= b;
    }
    if (tail > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    if (tail > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    if (tail > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  put(out, 0, h1);
  put(out, 4, h2);
  put(out, 8, h3);
  put(out, 12, h4);
  return out;
}

function put(out: Uint8Array, i: number, h: number): void {
  out[i] = h;
  out[i + 1] = h >>> 8;
  out[i + 2] = h >>> 16;
  out[i + 3] = h >>> 24;
}
