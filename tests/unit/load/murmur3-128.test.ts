import { describe, expect, it } from 'vitest';
import { murmur3x86128 } from '../../../src/load/murmur3-128.js';

const hex = (o: Uint8Array): string => Buffer.from(o).toString('hex');

describe('murmur3x86128', () => {
  it("gives SMHasher's verification value for MurmurHash3_x86_128 (0xB3ECE62A)", () => {
    // SMHasher's VerificationTest: hash keys 0..i-1 with seed 256 - i, then the 256 hashes with seed 0.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hashes = new Uint8Array(256 * 16);
    for (let i = 0; i < 256; i++) murmur3x86128(key, 0, i, 256 - i, hashes.subarray(i * 16, i * 16 + 16));
    const final = murmur3x86128(hashes, 0, hashes.length, 0, new Uint8Array(16));
    expect(Buffer.from(final).readUInt32LE(0).toString(16)).toBe('b3ece62a');
  });

  it('gives the outputs of another implementation (murmurhash3js-revisited, h1..h4 little-endian here)', () => {
    const out = new Uint8Array(16);
    // murmurHash3.x86.hash128(bytes, seed) prints h1..h4 as big-endian hex words.
    const words = (s: string): string => s.match(/.{8}/g)!.map((w) => Buffer.from(w, 'hex').reverse().toString('hex')).join('');
    expect(hex(murmur3x86128(Buffer.from(''), 0, 0, 0, out))).toBe(words('00000000000000000000000000000000'));
    expect(hex(murmur3x86128(Buffer.from('xhello world'), 1, 12, 0, out))).toBe(words('c0b21a8814f3c1e11c0d151a9b0c9e2c'));
    expect(hex(murmur3x86128(Buffer.from('The quick brown fox jumps over the lazy dog'), 0, 43, 1, out))).toBe(words('d5a4c21d340673eb2baeff5d9f7eae99'));
  });

  it('depends on the range only, and on the seed', () => {
    const a = Buffer.from('..107738216594|06/01/2019|PNC BANK, NA|3.85||0.0|360.0|..');
    const b = Buffer.from('107738216594|06/01/2019|PNC BANK, NA|3.85||0.0|360.0|');
    expect(hex(murmur3x86128(a, 2, a.length - 2, 1, new Uint8Array(16)))).toBe(hex(murmur3x86128(b, 0, b.length, 1, new Uint8Array(16))));
    expect(hex(murmur3x86128(b, 0, b.length, 0, new Uint8Array(16)))).not.toBe(hex(murmur3x86128(b, 0, b.length, 1, new Uint8Array(16))));
  });
});
