import { describe, expect, it } from 'vitest';
import { loadSources, parseLoadSpec, type LoadEvent } from '../../../src/load/index.js';
import { sourceNode } from '../../unit/load/spec-fixture.js';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();

describe('loading raw files', () => {
  it('loads plain, .gz and multi-member .zip files with _file, _line, _batch_id and _loaded_at', async () => {
    h.files.file('mixed/a.txt', threeColumnRows(3));
    h.files.gz('mixed/b.txt.gz', threeColumnRows(2, 100));
    await h.files.zip('mixed/c.zip', { 'perf_1.txt': threeColumnRows(2, 200), 'perf_2.txt': threeColumnRows(1, 300), 'notes.md': 'not data' });
    const { results, events } = await h.loadWithEvents('mixed', { files: ['mixed/*.txt', 'mixed/*.gz', 'mixed/*.zip'], columns: ['id', 'name', 'twice'], members: 'perf_*.txt' });

    expect(results.map((r) => [r.file.displayName, r.status, r.reason, r.rows])).toEqual([
      ['mixed/a.txt', 'loaded', 'new', 3],
      ['mixed/b.txt.gz', 'loaded', 'new', 2],
      ['mixed/c.zip!perf_1.txt', 'loaded', 'new', 2],
      ['mixed/c.zip!perf_2.txt', 'loaded', 'new', 1],
    ]);
    const rows = await h.rows<Record<string, unknown>>('SELECT id, name, twice, _file, _line, _batch_id, _loaded_at IS NOT NULL AS stamped FROM raw.mixed ORDER BY id::int');
    expect(rows).toHaveLength(8);
    expect(rows[0]).toEqual({ id: '1', name: 'name 1', twice: '2', _file: 'mixed/a.txt', _line: 1, _batch_id: results[0]?.batchId, stamped: true });
    expect(rows.map((r) => [r['id'], r['_line']])).toEqual([['1', 1], ['2', 2], ['3', 3], ['100', 1], ['101', 2], ['200', 1], ['201', 2], ['300', 1]]);
    expect(rows[7]?.['_file']).toBe('mixed/c.zip!perf_2.txt');

    const ledger = await h.rows('SELECT file_name, status, rows_loaded, rows_quarantined, checksum IS NOT NULL AS summed FROM strata_meta.load_ledger ORDER BY file_name');
    expect(ledger).toEqual([
      { file_name: 'mixed/a.txt', status: 'loaded', rows_loaded: 3, rows_quarantined: 0, summed: true },
      { file_name: 'mixed/b.txt.gz', status: 'loaded', rows_loaded: 2, rows_quarantined: 0, summed: true },
      { file_name: 'mixed/c.zip!perf_1.txt', status: 'loaded', rows_loaded: 2, rows_quarantined: 0, summed: true },
      { file_name: 'mixed/c.zip!perf_2.txt', status: 'loaded', rows_loaded: 1, rows_quarantined: 0, summed: true },
    ]);
    expect(events[0]?.type).toBe('plan');
    expect(events.filter((e) => e.type === 'file-start')).toHaveLength(4);
    expect(events.filter((e) => e.type === 'file-end')).toHaveLength(4);
    expect(events.at(-1)?.type).toBe('done');
  });

  it('pads short rows with NULLs down to min_columns', async () => {
    h.files.file('pad/p.txt', '1|a|b|c\n2|a\n3|a|b\n4\n');
    const [r] = await h.load('pad', { files: 'pad/p.txt', columns: ['k', 'x', 'y', 'z'], min_columns: 2 });
    expect([r?.rows, r?.quarantined]).toEqual([3, 1]);
    expect(await h.rows('SELECT k, x, y, z FROM raw.pad ORDER BY k')).toEqual([
      { k: '1', x: 'a', y: 'b', z: 'c' },
      { k: '2', x: 'a', y: null, z: null },
      { k: '3', x: 'a', y: 'b', z: null },
    ]);
  });

  it('quarantines bad rows at their exact lines and loads the rest', async () => {
    const lines = [
      'id|name|twice', // header
      '1|one|2',
      '2|two', // too few fields
      '3|three|6|extra', // too many
      Buffer.from([0x34, 0x7c, 0xff, 0x7c, 0x38]), // 4|\xff|8: invalid UTF-8
      '5|fi\0ve|10', // NUL
      '',
      '7|NULL|14',
      '8|back\\slash|16',
    ];
    const content = Buffer.concat(lines.map((l) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\r\n')])));
    h.files.file('bad/b.txt', content);
    const [r] = await h.load('bad', { files: 'bad/b.txt', columns: ['id', 'name', 'twice'], header: true, null_values: ['', 'NULL'] });
    expect([r?.status, r?.rows, r?.quarantined]).toEqual(['loaded', 3, 4]);
    expect(await h.rows('SELECT id, name, _line FROM raw.bad ORDER BY _line')).toEqual([
      { id: '1', name: 'one', _line: 2 },
      { id: '7', name: null, _line: 8 },
      { id: '8', name: 'back\\slash', _line: 9 },
    ]);
    expect(await h.rows("SELECT file_name, line, reason, raw, batch_id = $1 AS this_batch FROM strata_meta.quarantine WHERE file_name = 'bad/b.txt' ORDER BY line", [r?.batchId])).toEqual([
      { file_name: 'bad/b.txt', line: 3, reason: 'expected 3 fields, found 2', raw: '2|two', this_batch: true },
      { file_name: 'bad/b.txt', line: 4, reason: 'expected 3 fields, found 4 (extra_columns: error)', raw: '3|three|6|extra', this_batch: true },
      { file_name: 'bad/b.txt', line: 5, reason: 'invalid UTF-8', raw: '4|\ufffd|8', this_batch: true },
      { file_name: 'bad/b.txt', line: 6, reason: 'NUL byte', raw: '5|fi\u2400ve|10', this_batch: true },
    ]);
  });

  it('fails a file past max_bad_rows, keeping nothing of it, while other files load', async () => {
    h.files.file('limit/good.txt', threeColumnRows(5));
    h.files.file('limit/worse.txt', `${threeColumnRows(1000)}x\ny\nz\n${threeColumnRows(1000, 2000)}`);
    const results = await h.load('limit', { files: 'limit/*.txt', columns: ['a', 'b', 'c'], max_bad_rows: 2 });
    const [good, worse] = results;
    expect([good?.status, good?.rows]).toEqual(['loaded', 5]);
    expect(worse?.status).toBe('failed');
    expect(worse?.error?.code).toBe('LOAD');
    expect(worse?.error?.message).toBe(
      'limit/worse.txt: more than max_bad_rows (2) bad rows; nothing of this file was loaded: line 1001: expected 3 fields, found 1; line 1002: expected 3 fields, found 1; line 1003: expected 3 fields, found 1',
    );
    expect(await h.rows("SELECT count(*)::int AS n FROM raw.limit WHERE _file LIKE '%worse.txt'")).toEqual([{ n: 0 }]);
    expect(await h.rows("SELECT count(*)::int AS n FROM strata_meta.quarantine WHERE file_name = 'limit/worse.txt'")).toEqual([{ n: 0 }]);
    expect(await h.rows("SELECT status FROM strata_meta.load_ledger WHERE file_name = 'limit/worse.txt'")).toEqual([{ status: 'failed' }]);
    // The failed file is tried again next time; the good one is not.
    const again = await h.load('limit', { files: 'limit/*.txt', columns: ['a', 'b', 'c'], max_bad_rows: 2 });
    expect(again.map((r) => [r.status, r.reason])).toEqual([['unchanged', 'unchanged'], ['failed', 'new']]);
  });

  it('loads latin1 files as UTF-8 text, and quoted fields', async () => {
    h.files.file('enc/l.txt', Buffer.from([...Buffer.from('1;Andr'), 0xe9, ...Buffer.from(';"a;b"\n')]));
    const [r] = await h.load('enc', { files: 'enc/l.txt', columns: ['id', 'name', 'q'], delimiter: ';', encoding: 'latin1', quote: '"' });
    expect(r?.status).toBe('loaded');
    expect(await h.rows('SELECT id, name, q FROM raw.enc')).toEqual([{ id: '1', name: 'André', q: 'a;b' }]);
  });

  it('loads several sources in parallel, each on its own connection; the files of one source one after another, each contiguous', async () => {
    const names = ['par_a', 'par_b', 'par_c', 'par_d'];
    for (const [i, name] of names.entries()) for (let f = 0; f < 3; f++) h.files.file(`${name}/f${f}.txt`, threeColumnRows(2000, i * 100_000 + f * 10_000));
    const sources = names.map((name) => {
      const node = sourceNode(name, { files: `${name}/*.txt`, columns: ['a', 'b', 'c'] });
      return { node, spec: parseLoadSpec(node).spec! };
    });
    const events: LoadEvent[] = [];
    const results = await loadSources(h.db(), sources, { projectDir: h.files.dir(), threads: 3, reload: false, dryRun: false, onEvent: (e) => events.push(e) });
    expect(results.map((r) => [r.status, r.rows])).toEqual(Array(12).fill(['loaded', 2000]));
    let running = 0;
    let most = 0;
    const runningPerSource = new Map<string, number>();
    for (const e of events) {
      if (e.type === 'file-start') {
        most = Math.max(most, ++running);
        runningPerSource.set(e.source, (runningPerSource.get(e.source) ?? 0) + 1);
        expect(runningPerSource.get(e.source)).toBe(1);
      }
      if (e.type === 'file-end' && e.result.status !== 'unchanged') {
        running--;
        runningPerSource.set(e.result.source, runningPerSource.get(e.result.source)! - 1);
      }
    }
    expect(most).toBe(3);
    // Each file's rows fill their own run of pages: only the page where one file ends and the next
    // begins holds rows of two files (concurrent COPYs into one table would interleave page by page).
    for (const name of names) {
      const [shared] = await h.rows<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT (ctid::text::point)[0] AS page FROM raw.${name} GROUP BY 1 HAVING count(DISTINCT _file) > 1) AS s`);
      expect(shared!.n).toBeLessThanOrEqual(2);
      expect(await h.rows(`SELECT count(*)::int AS n, count(DISTINCT _file)::int AS files FROM raw.${name}`)).toEqual([{ n: 6000, files: 3 }]);
    }
  });
});
