/** Cycle detection over the child map (cycles.ts), on numbered nodes and typed arrays. */
import { describe, expect, it } from 'vitest';
import { findCyclesInChildMap } from '../../../src/compile/cycles.js';

describe('findCyclesInChildMap', () => {
  it('returns each cycle once, from its smallest id, self-loops included, sorted', () => {
    expect(findCyclesInChildMap({ e: ['f', 'x'], c: ['a'], b: ['c'], a: ['b'], d: ['d'], f: ['e'], g: [] })).toEqual([['a', 'b', 'c'], ['d'], ['e', 'f']]);
  });

  it('follows children that are not keys of the map, and nested cycles give one path each', () => {
    expect(findCyclesInChildMap({ m3: ['m1'], m1: ['m2', 'zz'], m2: ['m3', 'm1'], s: ['s', 't'], t: ['s'] })).toEqual([['m1', 'm2'], ['s']]);
  });

  it('finds none in a DAG, however deep', () => {
    const chain: Record<string, string[]> = {};
    for (let i = 0; i < 50_000; i++) chain[`n${i}`] = i + 1 < 50_000 ? [`n${i + 1}`] : [];
    expect(findCyclesInChildMap(chain)).toEqual([]);
    chain['n49999'] = ['n0'];
    const [cycle] = findCyclesInChildMap(chain);
    expect(cycle).toHaveLength(50_000);
    expect(cycle![0]).toBe('n0');
  });
});
