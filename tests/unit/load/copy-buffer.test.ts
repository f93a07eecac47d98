import { describe, expect, it } from 'vitest';
import { CopyBuffer } from '../../../src/load/copy-buffer.js';

describe('CopyBuffer', () => {
  it('writes integers in decimal, small and beyond 32 bits', () => {
    const b = new CopyBuffer();
    for (const n of [0, 7, 10, 99, 100, 12345, 999_999_999, 1_000_000_000, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER]) {
      b.reset(8);
      b.uint(n);
      expect(b.take().toString()).toBe(String(n));
    }
  });

  it('grows past its first capacity and copies from Buffers and plain byte arrays', () => {
    const b = new CopyBuffer();
    b.reset(1);
    const src = Buffer.from('x'.repeat(1000));
    b.copy(src, 10, 510);
    b.copy(Uint8Array.from([65, 66, 67]), 0, 3);
    b.byte(10);
    expect(b.take().toString()).toBe(`${'x'.repeat(500)}ABC\n`);
  });
});
