import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
const columns = ['a', 'b', 'c'];

async function count(table: string): Promise<number> {
  const [r] = await h.rows<{ n: number }>(`SELECT count(*)::int AS n FROM raw.${table}`);
  return r?.n ?? -1;
}

describe('clear LOAD errors, never partial rows', () => {
  it('a missing file fails; globs matching nothing are alternatives, an error only when no pattern matches', async () => {
    h.files.file('some/ok.txt', threeColumnRows(2));
    const results = await h.load('missing', { files: ['some/nope.txt', 'some/*.csv', 'elsewhere/*.txt', 'some/ok.txt'], columns });
    expect(results.map((r) => [r.file.displayName, r.status, r.error?.code, r.error?.message])).toEqual([
      ['some/nope.txt', 'failed', 'LOAD', 'file not found: some/nope.txt'],
      ['some/ok.txt', 'loaded', undefined, undefined],
    ]);
    expect(await count('missing')).toBe(2);
    const none = await h.load('none', { files: ['some/*.csv', 'elsewhere/*.txt'], columns });
    expect(none.map((r) => [r.status, r.error?.code, r.error?.message, r.error?.hint])).toEqual([
      ['failed', 'LOAD', 'no files match any of the patterns of raw.none: no files match some/*.csv; no such directory elsewhere (from files: elsewhere/*.txt)', 'check `files:` of the load: block (and raw_path or other vars it uses)'],
    ]);
    const allowed = await h.load('allowed', { files: ['some/*.csv'], columns, allow_empty: true });
    expect(allowed).toEqual([]);
  });

  it('a file none of whose lines is a good row fails (another layout, a wrong delimiter), while a file of only blank lines loads empty', async () => {
    h.files.file('layout/commas.txt', '1,name 1,2\n2,name 2,4\n');
    h.files.file('layout/blank.txt', '\n\n');
    h.files.file('layout/ok.txt', `${threeColumnRows(2)}1,2\n`);
    const results = await h.load('layout', { files: ['layout/*.txt'], columns });
    expect(results.map((r) => [r.file.displayName, r.status, r.rows, r.quarantined])).toEqual([
      ['layout/blank.txt', 'loaded', 0, 0],
      ['layout/commas.txt', 'failed', 0, 0],
      ['layout/ok.txt', 'loaded', 2, 1],
    ]);
    expect(results[1]?.error).toEqual({
      code: 'LOAD',
      message: 'layout/commas.txt: none of its 2 lines is a good row; nothing of this file was loaded: line 1: expected 3 fields, found 1; line 2: expected 3 fields, found 1',
      hint: 'is it a file of this source? check `delimiter`, `columns`, `min_columns` and `header` of its load: block',
    });
    expect(await h.rows("SELECT _file, count(*)::int AS n FROM raw.layout GROUP BY 1")).toEqual([{ _file: 'layout/ok.txt', n: 2 }]);
    expect(await h.rows("SELECT status FROM strata_meta.load_ledger WHERE file_name = 'layout/commas.txt'")).toEqual([{ status: 'failed' }]);
  });

  it('a truncated .gz fails after streaming part of it, leaving none of its rows', async () => {
    // Big enough that COPY has received rows before the missing end is noticed.
    const gz = gzipSync(threeColumnRows(200_000));
    const path = h.files.file('trunc/t.txt.gz', gz.subarray(0, Math.floor(gz.length * 0.8)));
    h.files.file('trunc/fine.txt', threeColumnRows(3));
    const results = await h.load('trunc', { files: ['trunc/*.gz', 'trunc/*.txt'], columns });
    expect(results.map((r) => [r.file.displayName, r.status])).toEqual([['trunc/t.txt.gz', 'failed'], ['trunc/fine.txt', 'loaded']]);
    expect(results[0]?.error).toEqual({
      code: 'LOAD',
      message: 'truncated gzip file trunc/t.txt.gz: the compressed data ends early',
      hint: 'the file is incomplete (an interrupted download or copy?); fetch it again',
    });
    expect(results[0]?.bytes).toBeGreaterThan(1_000_000);
    expect(await h.rows("SELECT count(*)::int AS n FROM raw.trunc WHERE _file LIKE '%.gz'")).toEqual([{ n: 0 }]);
    expect(await h.rows("SELECT status FROM strata_meta.load_ledger WHERE file_name = 'trunc/t.txt.gz'")).toEqual([{ status: 'failed' }]);
    expect(statSync(path).size).toBeLessThan(gz.length);
  });

  it('a file that is not gzip at all names the file', async () => {
    h.files.file('notgz/x.txt.gz', 'plain text, not gzip\n');
    const [r] = await h.load('notgz', { files: 'notgz/*.gz', columns });
    expect(r?.error?.message).toBe('corrupt gzip file notgz/x.txt.gz: incorrect header check');
  });

  it('a truncated .zip fails with a message naming it, other archives still load', async () => {
    const good = await h.files.zip('zips/good.zip', { 'm.txt': threeColumnRows(4) });
    const bad = await h.files.zip('zips/bad.zip', { 'm.txt': threeColumnRows(5000) });
    writeFileSync(bad, readFileSync(bad).subarray(0, 3000));
    const results = await h.load('zips', { files: 'zips/*.zip', columns });
    expect(results.map((r) => [r.file.displayName, r.status])).toEqual([['zips/bad.zip', 'failed'], ['zips/good.zip!m.txt', 'loaded']]);
    expect(results[0]?.error?.code).toBe('LOAD');
    expect(results[0]?.error?.message).toMatch(/^cannot read zip archive zips\/bad\.zip: truncated or corrupt archive \(/);
    expect(await count('zips')).toBe(4);
    expect(good).toMatch(/good\.zip$/);
  });

  it('a zip member whose data is cut off fails without rows', async () => {
    const path = await h.files.zip('cut/c.zip', { 'm.txt': threeColumnRows(50_000) });
    // Keep the central directory but damage the compressed data of the member.
    const bytes = readFileSync(path);
    bytes.fill(0, 200, 400);
    writeFileSync(path, bytes);
    const [r] = await h.load('cut', { files: 'cut/c.zip', columns });
    expect(r?.status).toBe('failed');
    expect(r?.error?.message).toMatch(/^cannot read member m\.txt of zip archive cut\/c\.zip/);
    expect(await count('cut')).toBe(0);
  });

  it('a .gz truncated by a few bytes (the trailer) is still refused', async () => {
    const path = h.files.gz('tail/t.txt.gz', threeColumnRows(10));
    truncateSync(path, statSync(path).size - 4);
    const [r] = await h.load('tail', { files: 'tail/*.gz', columns });
    expect(r?.error?.message).toBe('truncated gzip file tail/t.txt.gz: the compressed data ends early');
    expect(await count('tail')).toBe(0);
  });
});
