/**
 * Keyed reloads with stored line hashes: unchanged lines are not sent; whatever happens, the raw
 * table ends up with exactly the rows a fresh load of the new version gives.
 */
import { createHash } from 'node:crypto';
import { utimesSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FileLoadResult, FileRef, FileSource } from '../../../src/load/index.js';
import { fileLine } from '../../../src/load/progress.js';
import { useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
/** Columns: loan, period, value; key: loan and period (as the performance files). */
const keyed = (dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  files: [`${dir}/*.txt`, `${dir}/*.zip`], columns: ['loan', 'period', 'v'], key: ['loan', 'period'], ...extra,
});

let bump = 0;
/** Writes a file with a later mtime each time (so every rewrite is seen as a change). */
function write(path: string, content: string): void {
  h.files.file(path, content);
  const t = new Date(Date.now() + ++bump * 5000);
  utimesSync(`${h.files.dir()}/${path}`, t, t);
}

/**
 * Monthly rows of `loans` loans over periods 1..months, by loan then period. Loan ids are not
 * zero-padded (L9 comes before L10, so the first key column is not grouped bytewise and keys are
 * checked with one set) unless `padded` (then runs of one loan are checked one at a time).
 */
function history(loans: number, months: number, value = (l: number, p: number) => `${l * 100 + p}`, padded = false): string {
  let out = '';
  for (let l = 1; l <= loans; l++) for (let p = 1; p <= months; p++) out += `L${padded ? String(l).padStart(3, '0') : l}|${p}|${value(l, p)}\n`;
  return out;
}

async function keysGrouped(table: string): Promise<boolean | undefined> {
  const rs = await h.rows<{ g: boolean }>('SELECT bool_and(keys_grouped) AS g FROM strata_meta.load_line_hashes WHERE source = $1', [`source.proj.raw.${table}`]);
  return rs[0]?.g ?? undefined;
}

interface Row {
  loan: string;
  period: string;
  v: string | null;
  _line: number;
}

async function rows(table: string): Promise<Row[]> {
  return h.rows<Row>(`SELECT loan, period, v, _line::int FROM raw.${table} ORDER BY loan, period::int, v`);
}

/** The new version loaded fresh into a table of its own: what the keyed reload must give. */
let freshLoads = 0;
async function freshLoad(table: string, content: string, extra: Record<string, unknown> = {}): Promise<Row[]> {
  const fresh = `${table}_fresh${++freshLoads}`;
  h.files.file(`${fresh}/f.txt`, content);
  const [r] = await h.load(fresh, keyed(fresh, extra));
  expect([r?.status, r?.reason]).toEqual(['loaded', 'new']);
  return rows(fresh);
}

/** The batch of each row, by loan|period. */
async function batches(table: string): Promise<Map<string, string>> {
  const rs = await h.rows<{ k: string; b: string }>(`SELECT loan || '|' || period AS k, _batch_id AS b FROM raw.${table}`);
  return new Map(rs.map((r) => [r.k, r.b]));
}

async function storedLines(table: string): Promise<number | undefined> {
  const rs = await h.rows<{ n: number }>(
    'SELECT sum(length(hashes))::int / 16 AS n FROM strata_meta.load_line_hashes WHERE source = $1', [`source.proj.raw.${table}`],
  );
  return rs[0]?.n ?? undefined;
}

/** Loads `content` as the new version of `<table>/f.txt` and checks it against a fresh load. */
async function reload(table: string, content: string, extra: Record<string, unknown> = {}): Promise<FileLoadResult> {
  write(`${table}/f.txt`, content);
  const [r] = await h.load(table, keyed(table, extra));
  expect(r?.status).toBe('loaded');
  const got = await rows(table);
  const want = await freshLoad(table, content, extra);
  // Same rows (unchanged rows keep the _line of the load that brought them: compare without it).
  expect(got.map(({ _line, ...r }) => r)).toEqual(want.map(({ _line, ...r }) => r));
  return r!;
}

describe('keyed reload with line hashes', () => {
  it('appended months: only the new lines are sent and written, unchanged rows keep their batch and line', async () => {
    const grown = (months: number): string => history(50, months, undefined, true);
    h.files.file('app/f.txt', grown(6));
    const [first] = await h.load('app', keyed('app'));
    expect([first?.rows, await storedLines('app'), await keysGrouped('app')]).toEqual([300, 300, true]);
    const before = await batches('app');

    const r = await reload('app', grown(9));
    expect([r.reason, r.rows, r.delta]).toEqual(['changed', 450, { mode: 'delta', deleted: 0, inserted: 150, skipped: 300 }]);
    expect(fileLine(r)).toMatch(/450 rows \(150 new or changed written, 0 removed; 300 unchanged lines not sent\)/);
    const after = await batches('app');
    const changedBatch = [...after].filter(([k, b]) => before.get(k) !== b).map(([k]) => k);
    expect(changedBatch.length).toBe(150);
    expect(changedBatch.every((k) => Number(k.split('|')[1]) > 6)).toBe(true);
    // New rows carry their line in the new version; old ones the line they were loaded from.
    const all = await rows('app');
    expect(all.find((x) => x.loan === 'L002' && x.period === '7')?._line).toBe(9 + 7);
    expect(all.find((x) => x.loan === 'L002' && x.period === '1')?._line).toBe(6 + 1);
    expect(await h.rows("SELECT rows_loaded::int AS n FROM strata_meta.load_ledger WHERE source = 'source.proj.raw.app' AND status = 'loaded'")).toEqual([{ n: 450 }]);
    expect(await storedLines('app')).toBe(450);
  });

  it('a changed row: its old version is deleted and the new one written', async () => {
    h.files.file('chg/f.txt', history(20, 4));
    await h.load('chg', keyed('chg'));
    // L10 sorts before L9, yet each loan's rows are together: the keys are checked run by run.
    expect(await keysGrouped('chg')).toBe(true);
    const before = await batches('chg');
    const r = await reload('chg', history(20, 5, (l, p) => (l === 7 && p === 2 ? 'revised' : `${l * 100 + p}`)));
    expect(r.delta).toEqual({ mode: 'delta', deleted: 1, inserted: 21, skipped: 79 });
    expect(await h.rows("SELECT v FROM raw.chg WHERE loan = 'L7' AND period = '2'")).toEqual([{ v: 'revised' }]);
    // The lines sent went into the raw table, then were compared with the file's old rows: each
    // key once, the changed and the new rows in the new batch, the others in theirs.
    expect(await h.rows('SELECT count(*)::int AS n, count(DISTINCT (loan, period))::int AS k FROM raw.chg')).toEqual([{ n: 100, k: 100 }]);
    const after = await batches('chg');
    const rewritten = [...after].filter(([k, b]) => before.get(k) !== b).map(([k]) => k);
    expect(rewritten.sort()).toEqual(['L7|2', ...Array.from({ length: 20 }, (_, i) => `L${i + 1}|5`)].sort());
  });

  it('a file whose loans interleave (ordered by period) has its keys checked in one set, and a changed row is written', async () => {
    const byPeriod = (months: number, value = (l: number, p: number) => `${l * 100 + p}`): string => {
      let out = '';
      for (let p = 1; p <= months; p++) for (let l = 1; l <= 20; l++) out += `L${l}|${p}|${value(l, p)}\n`;
      return out;
    };
    h.files.file('mix/f.txt', byPeriod(4));
    await h.load('mix', keyed('mix'));
    expect(await keysGrouped('mix')).toBe(false); // L1 comes back in every period
    const r = await reload('mix', byPeriod(5, (l, p) => (l === 7 && p === 2 ? 'revised' : `${l * 100 + p}`)));
    expect(r.delta).toEqual({ mode: 'delta', deleted: 1, inserted: 21, skipped: 79 });
    expect(await h.rows("SELECT v FROM raw.mix WHERE loan = 'L7' AND period = '2'")).toEqual([{ v: 'revised' }]);
  });

  it('a vanished row falls back to the full diff (which deletes it)', async () => {
    h.files.file('gone/f.txt', history(10, 3));
    await h.load('gone', keyed('gone'));
    const content = history(10, 4).replace('L3|2|302\n', '');
    const r = await reload('gone', content);
    expect(r.delta).toEqual({ mode: 'delta', deleted: 1, inserted: 10 }); // no `skipped`: the full diff ran
    expect(await storedLines('gone')).toBe(39);
    // The hashes stored by the full diff prefilter the next version.
    const next = await reload('gone', `${content}L11|1|1101\n`);
    expect(next.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 1, skipped: 39 });
  });

  it('duplicate keys in the new version fall back to the plain replace', async () => {
    h.files.file('dup/f.txt', history(5, 2));
    await h.load('dup', keyed('dup'));
    const r = await reload('dup', `${history(5, 3)}L1|1|other\n`);
    expect([r.rows, r.delta?.mode]).toEqual([16, 'replaced']);
  });

  it('one key spelled two ways (quoted and not) is a duplicate, never a deleted unchanged row', async () => {
    const quoted = { quote: '"' };
    h.files.file('spell/f.txt', '"L1"|1|a\nL2|1|b\n');
    await h.load('spell', keyed('spell', quoted));
    // L2 vanished, and a second row for L1/1 spelled without quotes arrived.
    const r = await reload('spell', '"L1"|1|a\nL1|1|c\n', quoted);
    expect(r.delta?.mode).toBe('replaced');
    expect(await h.rows('SELECT loan, v FROM raw.spell ORDER BY v')).toEqual([{ loan: 'L1', v: 'a' }, { loan: 'L1', v: 'c' }]);
  });

  it('a NULL in a key column takes the full diff', async () => {
    h.files.file('nul/f.txt', 'L1|1|a\nL2||b\n');
    await h.load('nul', keyed('nul'));
    const r = await reload('nul', 'L1|1|a\nL2||b\nL3|1|c\n');
    expect(r.delta?.skipped).toBeUndefined();
  });

  it('a bad line fixed in the new version is written, and its quarantine row goes', async () => {
    h.files.file('fix/f.txt', `${history(3, 2)}L4|1\n`); // two fields: bad
    await h.load('fix', keyed('fix'));
    expect(await h.rows("SELECT line::int FROM strata_meta.quarantine WHERE source = 'source.proj.raw.fix'")).toEqual([{ line: 7 }]);
    const r = await reload('fix', `${history(3, 2)}L4|1|401\n`);
    expect([r.rows, r.quarantined, r.delta]).toEqual([7, 0, { mode: 'delta', deleted: 0, inserted: 1, skipped: 6 }]);
    expect(await h.rows("SELECT count(*)::int AS n FROM strata_meta.quarantine WHERE source = 'source.proj.raw.fix'")).toEqual([{ n: 0 }]);
    // A good line turned bad is quarantined again and its row goes (the full diff deletes it).
    const broken = await reload('fix', `${history(3, 2).replace('L2|2|202', 'L2|2')}L4|1|401\n`);
    expect([broken.rows, broken.quarantined, broken.delta?.skipped]).toEqual([6, 1, undefined]);
    expect(await h.rows("SELECT line::int FROM strata_meta.quarantine WHERE source = 'source.proj.raw.fix'")).toEqual([{ line: 4 }]);
  });

  it('a file loaded before line hashes were stored takes the full diff once, then the prefilter', async () => {
    h.files.file('old/f.txt', history(10, 2));
    await h.load('old', keyed('old'));
    await h.db().query("DELETE FROM strata_meta.load_line_hashes WHERE source = 'source.proj.raw.old'");
    const once = await reload('old', history(10, 3));
    expect(once.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 10 });
    expect(await storedLines('old')).toBe(30);
    const twice = await reload('old', history(10, 4));
    expect(twice.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 10, skipped: 30 });
  });

  it('rows are compared by value: a respelled line is unchanged, a line a changed load: block reads differently is changed', async () => {
    const nulls = { null_values: ['', 'NULL'], columns: ['loan', 'period', 'v', 'w'], min_columns: 3, extra_columns: 'ignore' };
    h.files.file('fmt/f.txt', 'L1|1|NULL\nL2|1|x\nL3|1|NULL\nL5|1|a|\nL6|1|b|c|extra\n');
    await h.load('fmt', keyed('fmt', nulls));
    const before = await batches('fmt');
    // The same rows spelled another way: L1's NULL as an empty field, L5's trailing empty field
    // left out, L6's extra field changed; a CRLF line end on L2; L4 new. The respelled lines are
    // sent (lines are known by their bytes) and found equal to their rows: not written.
    const same = await reload('fmt', 'L1|1|\nL2|1|x\r\nL3|1|NULL\nL4|1|y\nL5|1|a\nL6|1|b|c|other\n', nulls);
    expect(same.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 1, skipped: 2 });
    const after = await batches('fmt');
    for (const key of ['L1|1', 'L2|1', 'L3|1', 'L5|1', 'L6|1']) expect(after.get(key)).toBe(before.get(key));
    // 'NULL' is no longer a null value: L3 now holds the text NULL, a changed row. The stored
    // hashes read lines under the old null values, so the full diff runs.
    const changed = await reload('fmt', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\nL5|1|a\nL6|1|b|c|other\n', { ...nulls, null_values: [''] });
    expect(changed.delta).toEqual({ mode: 'delta', deleted: 1, inserted: 1 });
    expect(await h.rows("SELECT v FROM raw.fmt WHERE loan = 'L3'")).toEqual([{ v: 'NULL' }]);
    const again = await reload('fmt', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\nL5|1|a\nL6|1|b|c|other\nL7|1|z\n', { ...nulls, null_values: [''] });
    expect(again.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 1, skipped: 6 });
  });

  it('a different null string for COPY or a changed checksum: the full diff', async () => {
    const nulls = { null_values: ['', 'NULL'] };
    h.files.file('cnul/f.txt', 'L1|1|NULL\nL2|1|x\nL3|1|NULL\n');
    await h.load('cnul', keyed('cnul', nulls));
    await reload('cnul', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\n', nulls);
    const changed = await reload('cnul', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\n');
    expect(changed.delta).toEqual({ mode: 'delta', deleted: 1, inserted: 1 });
    // Another NULL string for COPY (an empty field is now an empty string): the stored hashes
    // no longer say what a row holds, so the full diff runs.
    const copyNull = await reload('cnul', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\nL5|1|z\n', { null_values: ['NULL'] });
    expect([copyNull.delta?.skipped, copyNull.delta?.inserted]).toEqual([undefined, 3]); // L1 ('' now), L3 (NULL now), L5
    // Hashes whose checksum is not the ledger's (a set left from another version) are ignored too.
    await h.db().query("UPDATE strata_meta.load_line_hashes SET checksum = 'other' WHERE source = 'source.proj.raw.cnul'");
    const again = await reload('cnul', 'L1|1|\nL2|1|x\nL3|1|NULL\nL4|1|y\nL5|1|z\nL6|1|w\n', { null_values: ['NULL'] });
    expect([again.delta?.skipped, again.delta?.inserted]).toEqual([undefined, 1]);
  });

  it('a failed load keeps the previous rows and hashes; --reload stores the set it loaded', async () => {
    h.files.file('fail/f.txt', history(5, 2));
    await h.load('fail', keyed('fail', { max_bad_rows: 0 }));
    write('fail/f.txt', `${history(5, 3)}bad\n`);
    const [failed] = await h.load('fail', keyed('fail', { max_bad_rows: 0 }));
    expect(failed?.status).toBe('failed');
    expect([(await rows('fail')).length, await storedLines('fail')]).toEqual([10, 10]);
    const r = await reload('fail', history(5, 3), { max_bad_rows: 0 });
    expect(r.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 5, skipped: 10 });

    const [reloaded] = await h.load('fail', keyed('fail', { max_bad_rows: 0 }), { reload: true });
    expect([reloaded?.reason, reloaded?.delta, await storedLines('fail')]).toEqual(['reload', undefined, 15]);
    const next = await reload('fail', history(5, 4), { max_bad_rows: 0 });
    expect(next.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 5, skipped: 15 });
  });

  it('zip members are prefiltered like plain files', async () => {
    await h.files.zip('zipped/r.zip', { 'perf.txt': history(8, 3), 'other.txt': 'x' });
    const block = { ...keyed('zipped'), members: 'perf.txt' };
    await h.load('zipped', block);
    await h.files.zip('zipped/r.zip', { 'perf.txt': history(8, 4), 'other.txt': 'x' });
    const t = new Date(Date.now() + ++bump * 5000);
    utimesSync(`${h.files.dir()}/zipped/r.zip`, t, t);
    const [r] = await h.load('zipped', block);
    expect(r?.delta).toEqual({ mode: 'delta', deleted: 0, inserted: 8, skipped: 24 });
    expect((await rows('zipped')).map(({ _line, ...x }) => x)).toEqual((await freshLoad('zipped', history(8, 4))).map(({ _line, ...x }) => x));
  });

  it('objects of a remote source (S3: uri s3://..., ETag versions) are prefiltered, and read again for a fallback', async () => {
    // A FileSource as the S3 one behaves: one object, its ETag as version, opened as a stream.
    const store = { body: history(6, 2), opens: 0 };
    const remote: FileSource = {
      list: async (): Promise<FileRef[]> => [{
        uri: 's3://bucket/perf/f.txt', displayName: 's3://bucket/perf/f.txt', size: Buffer.byteLength(store.body),
        version: `"${createHash('md5').update(store.body).digest('hex')}"`, compression: 'none',
      }],
      open: async (): Promise<Readable> => {
        store.opens++;
        return Readable.from([Buffer.from(store.body)]);
      },
    };
    const block = { files: 's3://bucket/perf/*.txt', columns: ['loan', 'period', 'v'], key: ['loan', 'period'] };
    const load = async (): Promise<FileLoadResult> => (await h.load('remote', block, { fileSourceFor: () => remote }))[0]!;
    expect((await load()).rows).toBe(12);
    store.body = history(6, 3);
    store.opens = 0;
    const grown = await load();
    expect([grown.reason, grown.delta, store.opens]).toEqual(['changed', { mode: 'delta', deleted: 0, inserted: 6, skipped: 12 }, 1]);
    store.body = history(6, 3).replace('L2|3|203\n', ''); // a row vanished: the object is read a second time
    store.opens = 0;
    const vanished = await load();
    expect([vanished.delta, store.opens]).toEqual([{ mode: 'delta', deleted: 1, inserted: 0 }, 2]);
    expect((await rows('remote')).map(({ _line, ...r }) => r)).toEqual((await freshLoad('remote', store.body)).map(({ _line, ...r }) => r));
  });

  it('--full-refresh forgets the stored hashes with the ledger', async () => {
    h.files.file('refresh/f.txt', history(3, 2));
    await h.load('refresh', keyed('refresh', { max_bad_rows: 0 }));
    expect(await storedLines('refresh')).toBe(6);
    write('refresh/f.txt', `${history(3, 2)}bad
`);
    const [r] = await h.load('refresh', keyed('refresh', { max_bad_rows: 0 }), { fullRefresh: true });
    expect([r?.status, await storedLines('refresh')]).toEqual(['failed', undefined]);
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.refresh')).toEqual([{ n: 0 }]);
  });
});
