/**
 * A file's identity survives moves: files inside the project are known by their path relative to
 * the project (a moved project folder or a second checkout finds them loaded), and a file that
 * reappears elsewhere with the very bytes of a loaded file that is gone (renamed, moved to another
 * folder, into or out of a zip) replaces that file's rows instead of adding them a second time.
 */
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataVersionOfSource } from '../../../src/load/index.js';
import { writeZip } from '../../unit/load/file-fixture.js';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
const block = (files: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ files, columns: ['a', 'b', 'c'], ...extra });
const source = (name: string): string => `source.proj.raw.${name}`;

const elsewhere: string[] = [];
afterAll(() => {
  for (const d of elsewhere) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'strata-moves-'));
  elsewhere.push(d);
  return d;
}

async function table(name: string): Promise<Array<{ a: string; _file: string }>> {
  return h.rows(`SELECT a, _file FROM raw.${name} ORDER BY a::int, _file`);
}

async function ledger(name: string): Promise<Array<{ file_uri: string; status: string }>> {
  return h.rows('SELECT file_uri, status FROM strata_meta.load_ledger WHERE source = $1 ORDER BY file_uri, status', [source(name)]);
}

describe('file identity: relative to the project, kept across moves', () => {
  it('knows files inside the project by their project-relative path: a moved project folder loads nothing again', async () => {
    h.files.file('proj1/data/a.txt', threeColumnRows(3));
    h.files.file('proj1/data/b.txt', threeColumnRows(2, 10));
    const first = await h.load('rel', block('data/*.txt'), { projectDir: join(h.files.dir(), 'proj1') });
    expect(first.map((r) => [r.file.uri, r.status])).toEqual([['data/a.txt', 'loaded'], ['data/b.txt', 'loaded']]);
    expect(await h.rows('SELECT DISTINCT _file FROM raw.rel ORDER BY 1')).toEqual([{ _file: 'data/a.txt' }, { _file: 'data/b.txt' }]);

    // The project moves (or is checked out a second time, files copied with new mtimes).
    const moved = tempDir();
    cpSync(join(h.files.dir(), 'proj1'), moved, { recursive: true, preserveTimestamps: false });
    const again = await h.load('rel', block('data/*.txt'), { projectDir: moved });
    expect(again.map((r) => [r.file.uri, r.status, r.reason])).toEqual([['data/a.txt', 'unchanged', 'unchanged'], ['data/b.txt', 'unchanged', 'unchanged']]);
    expect((await table('rel')).length).toBe(5);
  });

  it('keeps the absolute identity a file was loaded under by an earlier strata (no reload on upgrade)', async () => {
    h.files.file('legacy/a.txt', threeColumnRows(3));
    await h.load('legacy', block('legacy/*.txt'));
    // What strata recorded before identities were project-relative: the absolute path.
    const abs = join(h.files.dir(), 'legacy/a.txt');
    await h.rows("UPDATE strata_meta.load_ledger SET file_uri = $1 WHERE source = $2", [abs, source('legacy')]);
    await h.rows('UPDATE raw.legacy SET _file = $1', [abs]);
    const version = await dataVersionOfSource(h.db(), source('legacy'));

    const again = await h.load('legacy', block('legacy/*.txt'));
    expect(again.map((r) => [r.file.uri, r.status, r.reason])).toEqual([[abs, 'unchanged', 'unchanged']]);
    expect(await dataVersionOfSource(h.db(), source('legacy'))).toBe(version);

    // A change to it still replaces its rows (under the identity its rows carry).
    h.files.file('legacy/a.txt', threeColumnRows(4, 100));
    const changed = await h.load('legacy', block('legacy/*.txt'));
    expect(changed.map((r) => [r.status, r.reason, r.rows])).toEqual([['loaded', 'changed', 4]]);
    expect((await table('legacy')).map((r) => r.a)).toEqual(['100', '101', '102', '103']);
  });
});

describe('a loaded file found elsewhere with the same bytes is the same file', () => {
  it('renamed or moved into another folder: its rows are replaced, not added again', async () => {
    h.files.file('mv/a.txt', `${threeColumnRows(3)}bad\n`);
    h.files.file('mv/b.txt', threeColumnRows(2, 10));
    await h.load('mv', block('mv/**/*.txt'));
    expect(await h.rows('SELECT file_uri, line::int FROM strata_meta.quarantine WHERE source = $1', [source('mv')])).toEqual([{ file_uri: 'mv/a.txt', line: 4 }]);

    mkdirSync(join(h.files.dir(), 'mv/2020'));
    renameSync(join(h.files.dir(), 'mv/a.txt'), join(h.files.dir(), 'mv/2020/a.txt'));
    renameSync(join(h.files.dir(), 'mv/b.txt'), join(h.files.dir(), 'mv/b-renamed.txt'));
    const dry = await h.load('mv', block('mv/**/*.txt'), { dryRun: true });
    expect(dry.map((r) => [r.file.uri, r.reason, r.movedFrom])).toEqual([['mv/2020/a.txt', 'moved', 'mv/a.txt'], ['mv/b-renamed.txt', 'moved', 'mv/b.txt']]);
    expect((await ledger('mv')).map((r) => r.file_uri)).toEqual(['mv/a.txt', 'mv/b.txt']); // a dry run writes nothing

    const results = await h.load('mv', block('mv/**/*.txt'));
    expect(results.map((r) => [r.file.uri, r.status, r.reason, r.rows, r.movedFrom])).toEqual([
      ['mv/2020/a.txt', 'loaded', 'moved', 3, 'mv/a.txt'],
      ['mv/b-renamed.txt', 'loaded', 'moved', 2, 'mv/b.txt'],
    ]);
    expect(await table('mv')).toEqual([
      { a: '1', _file: 'mv/2020/a.txt' }, { a: '2', _file: 'mv/2020/a.txt' }, { a: '3', _file: 'mv/2020/a.txt' },
      { a: '10', _file: 'mv/b-renamed.txt' }, { a: '11', _file: 'mv/b-renamed.txt' },
    ]);
    expect(await ledger('mv')).toEqual([
      { file_uri: 'mv/2020/a.txt', status: 'loaded' },
      { file_uri: 'mv/a.txt', status: 'replaced' },
      { file_uri: 'mv/b-renamed.txt', status: 'loaded' },
      { file_uri: 'mv/b.txt', status: 'replaced' },
    ]);
    expect(await h.rows('SELECT file_uri, line::int FROM strata_meta.quarantine WHERE source = $1', [source('mv')])).toEqual([{ file_uri: 'mv/2020/a.txt', line: 4 }]);
    expect((await h.load('mv', block('mv/**/*.txt'))).map((r) => r.reason)).toEqual(['unchanged', 'unchanged']);
  });

  it('a copy beside a file that is still there is a file of its own; a moved file with other bytes is new and the old rows stay', async () => {
    h.files.file('cp/a.txt', threeColumnRows(2));
    h.files.file('cp/old/b.txt', threeColumnRows(2, 10));
    await h.load('cp', block('cp/**/*.txt'));
    h.files.file('cp/copy-of-a.txt', threeColumnRows(2));
    mkdirSync(join(h.files.dir(), 'cp/new'));
    renameSync(join(h.files.dir(), 'cp/old/b.txt'), join(h.files.dir(), 'cp/new/b.txt'));
    h.files.file('cp/new/b.txt', threeColumnRows(3, 10)); // moved and republished: not provably the same file
    const results = await h.load('cp', block('cp/**/*.txt'));
    expect(results.map((r) => [r.file.uri, r.status, r.reason])).toEqual([
      ['cp/a.txt', 'unchanged', 'unchanged'],
      ['cp/copy-of-a.txt', 'loaded', 'new'],
      ['cp/new/b.txt', 'loaded', 'new'],
    ]);
    expect((await table('cp')).length).toBe(2 + 2 + 2 + 3);
  });

  it('a member moved out of its zip archive, and a file outside the project moved elsewhere', async () => {
    await h.files.zip('zipmv/r.zip', { 'perf.txt': threeColumnRows(3) });
    await h.load('zipmv', block('zipmv/*', { members: '*.txt' }));
    expect(await h.rows('SELECT DISTINCT _file FROM raw.zipmv')).toEqual([{ _file: 'zipmv/r.zip!perf.txt' }]);
    rmSync(join(h.files.dir(), 'zipmv/r.zip'));
    h.files.file('zipmv/perf.txt', threeColumnRows(3));
    const out = await h.load('zipmv', block('zipmv/*', { members: '*.txt' }));
    expect(out.map((r) => [r.file.uri, r.reason, r.movedFrom])).toEqual([['zipmv/perf.txt', 'moved', 'zipmv/r.zip!perf.txt']]);
    expect((await table('zipmv')).map((r) => r._file)).toEqual(['zipmv/perf.txt', 'zipmv/perf.txt', 'zipmv/perf.txt']);

    // Outside the project the identity is the absolute path; a move is still recognised by content.
    const outside = tempDir();
    await writeZip(join(outside, 'q1.zip'), { 'q1.txt': threeColumnRows(2, 50) });
    await h.load('outside', block(`${outside}/*.zip`));
    const next = tempDir();
    renameSync(join(outside, 'q1.zip'), join(next, 'q1.zip'));
    const moved = await h.load('outside', block(`${next}/*.zip`));
    expect(moved.map((r) => [r.file.uri, r.reason, r.movedFrom])).toEqual([[`${next}/q1.zip!q1.txt`, 'moved', `${outside}/q1.zip!q1.txt`]]);
    expect((await table('outside')).map((r) => r._file)).toEqual([`${next}/q1.zip!q1.txt`, `${next}/q1.zip!q1.txt`]);
  });

  it('a keyed source: the moved file takes its line hashes along, and its next change is a delta', async () => {
    const keyed = block('keyed/**/*.txt', { key: ['a'] });
    h.files.file('keyed/f.txt', threeColumnRows(5));
    await h.load('keyed', keyed);
    mkdirSync(join(h.files.dir(), 'keyed/sub'));
    renameSync(join(h.files.dir(), 'keyed/f.txt'), join(h.files.dir(), 'keyed/sub/f.txt'));
    expect((await h.load('keyed', keyed)).map((r) => [r.reason, r.rows])).toEqual([['moved', 5]]);
    expect(await h.rows('SELECT DISTINCT file_uri FROM strata_meta.load_line_hashes WHERE source = $1', [source('keyed')])).toEqual([{ file_uri: 'keyed/sub/f.txt' }]);

    h.files.file('keyed/sub/f.txt', threeColumnRows(6));
    const changed = await h.load('keyed', keyed);
    expect(changed.map((r) => [r.reason, r.delta?.mode, r.delta?.inserted, r.delta?.deleted])).toEqual([['changed', 'delta', 1, 0]]);
    expect((await table('keyed')).map((r) => r.a)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('a move loaded on a worker thread (large files do) ends the same', async () => {
    h.files.file('thr/a.txt', `${threeColumnRows(4)}bad\n`);
    await h.load('thr', block('thr/**/*.txt'));
    mkdirSync(join(h.files.dir(), 'thr/x'));
    renameSync(join(h.files.dir(), 'thr/a.txt'), join(h.files.dir(), 'thr/x/a.txt'));
    const out = await h.load('thr', block('thr/**/*.txt'), { fileThreadMinBytes: 0 });
    expect(out.map((r) => [r.file.uri, r.status, r.reason, r.rows, r.quarantined, r.movedFrom])).toEqual([['thr/x/a.txt', 'loaded', 'moved', 4, 1, 'thr/a.txt']]);
    expect(new Set((await table('thr')).map((r) => r._file))).toEqual(new Set(['thr/x/a.txt']));
    expect((await table('thr')).length).toBe(4);
    expect(await h.rows('SELECT file_uri FROM strata_meta.quarantine WHERE source = $1', [source('thr')])).toEqual([{ file_uri: 'thr/x/a.txt' }]);
  });
});
