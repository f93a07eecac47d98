import { describe, expect, it } from 'vitest';
import { drain, inIdleSlices } from '../../../src/run/idle-slices.js';

function* steps(log: string[], n: number, msEach = 0): Generator<void> {
  for (let i = 0; i < n; i++) {
    const end = performance.now() + msEach;
    while (performance.now() < end);
    log.push(`step ${i}`);
    yield;
  }
}

describe('inIdleSlices', () => {
  it('runs every step, none before the caller yields, and lets the event loop run between slices', async () => {
    const log: string[] = [];
    const done = inIdleSlices(steps(log, 40, 0.1));
    expect(log).toEqual([]);
    // An I/O-like callback queued meanwhile runs before the last step, not after all of them.
    setImmediate(() => log.push('other work'));
    await done;
    expect(log.filter((l) => l.startsWith('step'))).toHaveLength(40);
    expect(log.indexOf('other work')).toBeGreaterThan(-1);
    expect(log.indexOf('other work')).toBeLessThan(log.length - 1);
  });

  it('rejects with the error of a failing step', async () => {
    function* failing(): Generator<void> {
      yield;
      throw new Error('disk full');
    }
    await expect(inIdleSlices(failing())).rejects.toThrow('disk full');
  });
});

describe('drain', () => {
  it('runs every step at once', () => {
    const log: string[] = [];
    drain(steps(log, 3));
    expect(log).toEqual(['step 0', 'step 1', 'step 2']);
  });
});
