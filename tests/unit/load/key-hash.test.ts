import { describe, expect, it } from 'vitest';
import { KeyHash } from '../../../src/load/key-hash.js';

const of = (s: string): string => {
  const b = Buffer.from(s);
  const h = new KeyHash().update(b, 0, b.length);
  return `${h.hi}:${h.lo}`;
};

describe('KeyHash', () => {
  it('byte() and update() over parts agree with one update; reset starts over', () => {
    const b = Buffer.from('L1234567|202101|');
    const parts = new KeyHash().update(b, 0, 5).update(b, 5, b.length - 1).byte(b[b.length - 1]!);
    expect(`${parts.hi}:${parts.lo}`).toBe(of('L1234567|202101|'));
    expect(`${parts.reset().hi}:${parts.lo}`).toBe(of(''));
  });

  it('the lane lo is FNV-1a 32 (its published vectors); keys of a loan file do not collide', () => {
    const lo = (s: string): string => {
      const b = Buffer.from(s);
      return new KeyHash().update(b, 0, b.length).lo.toString(16).padStart(8, '0');
    };
    expect([lo(''), lo('a'), lo('foobar')]).toEqual(['811c9dc5', 'e40c292c', 'bf9cf968']);
    const seen = new Set<string>();
    for (let loan = 0; loan < 2000; loan++) for (let m = 1; m <= 100; m++) seen.add(of(`${100000000000 + loan * 7919}|${String(m).padStart(2, '0')}/01/2020|`));
    expect(seen.size).toBe(200_000);
  });
});
