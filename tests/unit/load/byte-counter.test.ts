import { describe, expect, it } from 'vitest';
import { ByteCounter } from '../../../src/load/byte-counter.js';

function naive(buf: Uint8Array, byte: number, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (buf[i] === byte) n++;
  return n;
}

describe('ByteCounter', () => {
  it('agrees with a byte loop for every alignment, range and byte value nearby', () => {
    let seed = 7;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const backing = new Uint8Array(4096);
    for (let i = 0; i < backing.length; i++) backing[i] = [124, 125, 123, 0, 252, 65, 124][Math.floor(rand() * 7)] as number;
    for (let offset = 0; offset < 8; offset++) {
      const buf = backing.subarray(offset, offset + 1000 + offset);
      for (const byte of [124, 0, 252]) {
        const counter = new ByteCounter(byte);
        counter.use(buf);
        for (let k = 0; k < 300; k++) {
          const start = Math.floor(rand() * buf.length);
          const end = start + Math.floor(rand() * (buf.length - start + 1));
          expect(counter.count(start, end)).toBe(naive(buf, byte, start, end));
        }
        expect(counter.count(0, buf.length)).toBe(naive(buf, byte, 0, buf.length));
      }
    }
  });

  it('handles buffers shorter than a word', () => {
    const counter = new ByteCounter(124);
    counter.use(Buffer.from('a|b').subarray(1));
    expect(counter.count(0, 2)).toBe(1);
  });
});
