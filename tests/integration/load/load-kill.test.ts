import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLoadChild } from './child-process.js';
import { BIG_COLUMNS, useLoadHarness, writeBigFile } from './load-fixture.js';

const h = useLoadHarness();

async function copyRunning(): Promise<boolean> {
  const rows = await h.rows("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'COPY %' AND state = 'active'");
  return rows.length > 0;
}

describe('exactly once under kill -9', () => {
  it('a load killed mid-file leaves none of its rows and no ledger entry; the next run loads it', async () => {
    const file = join(h.files.dir(), 'kill', 'big.txt');
    h.files.file('kill/.keep', '');
    const expected = writeBigFile(file, 120);
    const child = startLoadChild({ url: h.url(), projectDir: h.files.dir(), name: 'killed', load: { files: 'kill/*.txt', columns: BIG_COLUMNS } });
    // Rows are flowing into COPY (the progress event counts rows already sent).
    await child.waitFor((m) => m['type'] === 'file-progress' && Number(m['rows']) > 0);
    expect(await copyRunning()).toBe(true);
    child.process.kill('SIGKILL');
    const exit = await child.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(exit.messages.some((m) => m['type'] === 'file-end')).toBe(false);

    for (let i = 0; i < 100 && (await copyRunning()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.killed')).toEqual([{ n: 0 }]);
    expect(await h.rows("SELECT count(*)::int AS n FROM strata_meta.load_ledger WHERE source = 'source.proj.raw.killed'")).toEqual([{ n: 0 }]);

    const [r] = await h.load('killed', { files: 'kill/*.txt', columns: BIG_COLUMNS });
    expect([r?.status, r?.reason, r?.rows]).toEqual(['loaded', 'new', expected]);
    expect(await h.rows('SELECT count(*)::int AS n, max(_line)::int AS last FROM raw.killed')).toEqual([{ n: expected, last: expected }]);
  });
});
