import { describe, expect, it } from 'vitest';
import { Fnv1a64 } from '../../../src/load/fnv1a-64.js';

const hex = (f: Fnv1a64): string => f.hi.toString(16).padStart(8, '0') + f.lo.toString(16).padStart(8, '0');
const of = (s: string): string => {
  const b = Buffer.from(s);
  return hex(new Fnv1a64().update(b, 0, b.length));
};

describe('Fnv1a64', () => {
  it('gives the published FNV-1a 64 test vectors', () => {
    expect(of('')).toBe('cbf29ce484222325');
    expect(of('a')).toBe('af63dc4c8601ec8c');
    expect(of('foobar')).toBe('85944171f73967e8');
    expect(of('chongo was here!\n')).toBe('46810940eff5f915');
  });

  it('byte() and update() over parts agree with one update', () => {
    const b = Buffer.from('L1234567|202101|');
    const parts = new Fnv1a64().update(b, 0, 5).update(b, 5, b.length - 1).byte(b[b.length - 1]!);
    expect(hex(parts)).toBe(hex(new Fnv1a64().update(b, 0, b.length)));
    expect(hex(parts.reset())).toBe('cbf29ce484222325');
  });
});
