/**
 * Files loaded on worker threads (load-threads.ts) end exactly as on the caller's thread: the same
 * rows, `_line`s, ledger, quarantine, results and events, keyed reloads included.
 */
import { utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileLoadResult, LoadEvent } from '../../../src/load/index.js';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
/** Every file, however small, on a thread. */
const THREADS = { fileThreadMinBytes: 0 };

/** What must not depend on where a file loaded: status, reason, counts, the keyed delta. */
const outcome = (rs: FileLoadResult[]) => rs.map((r) => ({
  file: r.file.displayName.split('/').pop(), status: r.status, reason: r.reason, rows: r.rows, quarantined: r.quarantined, bytes: r.bytes, delta: r.delta, error: r.error?.message.split(': ').slice(1).join(': '),
}));

async function table(name: string): Promise<unknown[]> {
  return h.rows(`SELECT id, name, twice, _line, _file LIKE '%' || $1 || '%' AS own FROM raw.${name} ORDER BY _file, _line`, [name]);
}

async function ledger(name: string): Promise<unknown[]> {
  return h.rows(`SELECT split_part(file_name, '/', 2) AS f, status, rows_loaded, rows_quarantined FROM strata_meta.load_ledger WHERE source = $1 ORDER BY file_name, started_at`, [`source.proj.raw.${name}`]);
}

async function quarantine(name: string): Promise<unknown[]> {
  return h.rows(`SELECT split_part(file_name, '/', 2) AS f, line, reason, raw FROM strata_meta.quarantine WHERE source = $1 ORDER BY file_name, line`, [`source.proj.raw.${name}`]);
}

function writeBoth(rel: string, content: string | Buffer): void {
  for (const dir of ['here', 'there']) h.files.file(`${dir}_${rel}`, content);
}

describe('loading on worker threads', () => {
  it('plain, .gz and .zip files with bad rows: the same rows, ledger, quarantine, results and events', async () => {
    for (const dir of ['here_mixed', 'there_mixed']) {
      h.files.file(`${dir}/a.txt`, `${threeColumnRows(3)}x|y\n${threeColumnRows(2, 10)}`);
      h.files.gz(`${dir}/b.txt.gz`, threeColumnRows(2, 100));
      await h.files.zip(`${dir}/c.zip`, { 'perf_1.txt': threeColumnRows(2, 200), 'perf_2.txt': '1|2|3|4\n300|x|600\n' });
    }
    const block = (dir: string) => ({ files: [`${dir}/*.txt`, `${dir}/*.gz`, `${dir}/*.zip`], columns: ['id', 'name', 'twice'], members: 'perf_*.txt' });
    const here = await h.loadWithEvents('here_mixed', block('here_mixed'));
    const there = await h.loadWithEvents('there_mixed', block('there_mixed'), THREADS);
    expect(outcome(there.results)).toEqual(outcome(here.results));
    expect(outcome(there.results).map((r) => [r.file, r.rows, r.quarantined])).toEqual([['a.txt', 5, 1], ['b.txt.gz', 2, 0], ['c.zip!perf_1.txt', 2, 0], ['c.zip!perf_2.txt', 1, 1]]);
    expect(await table('there_mixed')).toEqual(await table('here_mixed'));
    expect(await ledger('there_mixed')).toEqual(await ledger('here_mixed'));
    expect(await quarantine('there_mixed')).toEqual(await quarantine('here_mixed'));
    const kinds = (events: LoadEvent[]) => events.filter((e) => e.type !== 'file-progress').map((e) => e.type);
    expect(kinds(there.events)).toEqual(kinds(here.events));
  });

  it('a file past max_bad_rows fails with the same message and keeps nothing', async () => {
    writeBoth('limit/worse.txt', `${threeColumnRows(10)}x\ny\nz\n`);
    const block = (dir: string) => ({ files: `${dir}/*.txt`, columns: ['id', 'name', 'twice'], max_bad_rows: 2 });
    const here = await h.load('here_limit', block('here_limit'));
    const there = await h.load('there_limit', block('there_limit'), THREADS);
    expect(there[0]?.status).toBe('failed');
    expect(outcome(there)).toEqual(outcome(here));
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.there_limit')).toEqual([{ n: 0 }]);
    expect(await ledger('there_limit')).toEqual(await ledger('here_limit'));
    expect(await ledger('there_limit')).toMatchObject([{ f: 'worse.txt', status: 'failed', rows_loaded: 0 }]);
  });

  it('a keyed reload (prefiltered) writes the same delta', async () => {
    const history = (months: number) => {
      let out = '';
      for (let l = 1; l <= 50; l++) for (let p = 1; p <= months; p++) out += `${l}|${p}|${l * p}\n`;
      return out;
    };
    const block = (dir: string) => ({ files: `${dir}/*.txt`, columns: ['id', 'name', 'twice'], key: ['id', 'name'] });
    writeBoth('keyed/f.txt', history(3));
    await h.load('here_keyed', block('here_keyed'));
    await h.load('there_keyed', block('there_keyed'), THREADS);
    writeBoth('keyed/f.txt', history(5));
    const later = new Date(Date.now() + 10_000);
    for (const dir of ['here_keyed', 'there_keyed']) utimesSync(`${h.files.dir()}/${dir}/f.txt`, later, later);
    const here = await h.load('here_keyed', block('here_keyed'));
    const there = await h.load('there_keyed', block('there_keyed'), THREADS);
    expect(there[0]?.delta).toMatchObject({ mode: 'delta', deleted: 0, inserted: 100, skipped: 150 });
    expect(outcome(there)).toEqual(outcome(here));
    expect(await table('there_keyed')).toEqual(await table('here_keyed'));
  });

  it('a thread that cannot reach the database fails its file, naming it, and the call returns', async () => {
    h.files.file('unreachable/f.txt', threeColumnRows(3));
    const db = h.db();
    const target = { ...db.target, url: 'postgres://nobody@127.0.0.1:1/none', host: '127.0.0.1', port: 1 };
    const { loadSources, parseLoadSpec } = await import('../../../src/load/index.js');
    const { sourceNode } = await import('../../unit/load/spec-fixture.js');
    const node = sourceNode('unreachable', { files: 'unreachable/*.txt', columns: ['id', 'name', 'twice'] });
    const { spec } = parseLoadSpec(node);
    // The caller's pool works (it plans and prepares the table); the thread's own connection does not.
    const proxy = new Proxy(db, { get: (t, k) => (k === 'target' ? target : Reflect.get(t, k)) });
    const [r] = await loadSources(proxy, [{ node, spec: spec! }], { projectDir: h.files.dir(), threads: 1, reload: false, dryRun: false, ...THREADS });
    expect(r?.status).toBe('failed');
    expect(r?.error?.message).toMatch(/unreachable\/f\.txt/);
  });
});
