import { describe, expect, it } from 'vitest';
import { crc32, crc32InJs, crcHex } from '../../../src/load/crc32.js';

describe('crc32', () => {
  it('gives the standard check value, in one piece or continued chunk by chunk, natively and in JavaScript', () => {
    const data = Buffer.from('123456789');
    for (const f of [crc32, crc32InJs]) {
      expect(crcHex(f(data))).toBe('cbf43926');
      expect(crcHex(f(data.subarray(4), f(data.subarray(0, 4))))).toBe('cbf43926');
      expect(f(Buffer.alloc(0))).toBe(0);
    }
    const big = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    expect(crc32InJs(big)).toBe(crc32(big));
  });
});
