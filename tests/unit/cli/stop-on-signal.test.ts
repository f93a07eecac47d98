import { describe, expect, it } from 'vitest';
import { stopOnSignal } from '../../../src/cli/stop-on-signal.js';

describe('stopOnSignal (progress bars and Ctrl-C)', () => {
  it('stops the bars, then raises the signal again with no handler of its own left', () => {
    const calls: string[] = [];
    const before = process.listenerCount('SIGINT');
    const beforeTerm = process.listenerCount('SIGTERM');
    stopOnSignal(() => calls.push('stop'), (s) => calls.push(`raise ${s} (handlers left: ${process.listenerCount('SIGINT') - before})`));
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT', 'SIGINT');
    expect(calls).toEqual(['stop', 'raise SIGINT (handlers left: 0)']);
    expect(process.listenerCount('SIGTERM')).toBe(beforeTerm); // the other signal's handler went too
  });

  it('removes its handlers when the command ends normally', () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const remove = stopOnSignal(() => undefined, () => undefined);
    remove();
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
