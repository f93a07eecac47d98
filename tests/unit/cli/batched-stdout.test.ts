import { afterEach, describe, expect, it, vi } from 'vitest';
import { flushStdout, writeStderr, writeStdout } from '../../../src/cli/batched-stdout.js';

describe('batched stdout', () => {
  afterEach(() => {
    flushStdout();
    vi.restoreAllMocks();
  });

  it('writes the lines printed within ~20 ms together, in order', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    writeStdout('a\n');
    writeStdout('b\n');
    expect(out).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 40));
    expect(out.mock.calls).toEqual([['a\nb\n']]);
    writeStdout('c\n');
    await new Promise((r) => setTimeout(r, 40));
    expect(out.mock.calls).toEqual([['a\nb\n'], ['c\n']]);
  });

  it('writes pending stdout before anything on stderr', () => {
    const order: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (order.push(`out:${String(s)}`), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (order.push(`err:${String(s)}`), true));
    writeStdout('1\n');
    writeStderr('problem\n');
    writeStdout('2\n');
    flushStdout();
    expect(order).toEqual(['out:1\n', 'err:problem\n', 'out:2\n']);
  });
});
