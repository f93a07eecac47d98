import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLoadChild } from './child-process.js';
import { BIG_COLUMNS, useLoadHarness, writeBigFile } from './load-fixture.js';

const h = useLoadHarness();

describe('streaming', () => {
  it('loads a file several times larger than the heap, with flat memory', async () => {
    h.files.file('mem/.keep', '');
    const expected = writeBigFile(join(h.files.dir(), 'mem', 'big.txt'), 256);
    const child = startLoadChild({ url: h.url(), projectDir: h.files.dir(), name: 'mem', load: { files: 'mem/*.txt', columns: BIG_COLUMNS } }, ['--max-old-space-size=64']);
    const exit = await child.exited;
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    const end = exit.messages.find((m) => m['type'] === 'file-end') as { result: { status: string; rows: number } } | undefined;
    expect(end?.result).toMatchObject({ status: 'loaded', rows: expected });
    const last = exit.messages.at(-1) as { maxRssMb: number; heapLimitMb: number };
    expect(last.heapLimitMb).toBeLessThan(128); // 64 MB old space + young generation
    // Buffers live outside the V8 heap, so the heap cap alone would not catch a file held in
    // memory; peak RSS does (the child carries tsx, about 100 MB, on top of the loader).
    expect(last.maxRssMb).toBeLessThan(200);
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.mem')).toEqual([{ n: expected }]);
  });
});
