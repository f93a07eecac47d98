/**
 * A file's identity survives moves: files inside the project are known by their path relative to
 * the project (a moved project folder or a second checkout finds them loaded), and a file found
 * at the same place below a moved data root (its pattern's base) with the very bytes of a loaded
 * file that is gone replaces that file's rows instead of adding them a second time. Files with the
 * same bytes under another name or folder are files of their own (archived snapshots).
 */
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataVersionOfSource } from '../../../src/load/index.js';
import { writeZip } from '../../unit/load/file-fixture.js';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
const block = (files: string | string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ files, columns: ['a', 'b', 'c'], ...extra });
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

describe('a loaded file found below a moved root with the same bytes is the same file', () => {
  it('the data folder moved (a var pointed at the new place): its files replace their rows, nothing is loaded twice', async () => {
    h.files.file('root1/a.txt', `${threeColumnRows(3)}bad\n`);
    h.files.file('root1/2020/b.txt', threeColumnRows(2, 10));
    await h.load('mv', block('root1/**/*.txt'));
    expect(await h.rows('SELECT file_uri, line::int FROM strata_meta.quarantine WHERE source = $1', [source('mv')])).toEqual([{ file_uri: 'root1/a.txt', line: 4 }]);

    renameSync(join(h.files.dir(), 'root1'), join(h.files.dir(), 'root2'));
    const dry = await h.load('mv', block('root2/**/*.txt'), { dryRun: true });
    expect(dry.map((r) => [r.file.uri, r.reason, r.movedFrom])).toEqual([['root2/2020/b.txt', 'moved', 'root1/2020/b.txt'], ['root2/a.txt', 'moved', 'root1/a.txt']]);
    expect((await ledger('mv')).map((r) => r.file_uri)).toEqual(['root1/2020/b.txt', 'root1/a.txt']); // a dry run writes nothing

    const results = await h.load('mv', block('root2/**/*.txt'));
    expect(results.map((r) => [r.file.uri, r.status, r.reason, r.rows, r.movedFrom])).toEqual([
      ['root2/2020/b.txt', 'loaded', 'moved', 2, 'root1/2020/b.txt'],
      ['root2/a.txt', 'loaded', 'moved', 3, 'root1/a.txt'],
    ]);
    expect(await table('mv')).toEqual([
      { a: '1', _file: 'root2/a.txt' }, { a: '2', _file: 'root2/a.txt' }, { a: '3', _file: 'root2/a.txt' },
      { a: '10', _file: 'root2/2020/b.txt' }, { a: '11', _file: 'root2/2020/b.txt' },
    ]);
    expect(await ledger('mv')).toEqual([
      { file_uri: 'root1/2020/b.txt', status: 'replaced' },
      { file_uri: 'root1/a.txt', status: 'replaced' },
      { file_uri: 'root2/2020/b.txt', status: 'loaded' },
      { file_uri: 'root2/a.txt', status: 'loaded' },
    ]);
    expect(await h.rows('SELECT file_uri, line::int FROM strata_meta.quarantine WHERE source = $1', [source('mv')])).toEqual([{ file_uri: 'root2/a.txt', line: 4 }]);
    expect((await h.load('mv', block('root2/**/*.txt'))).map((r) => r.reason)).toEqual(['unchanged', 'unchanged']);
  });

  it('archived files keep their rows: a new file with the same bytes under another name or folder is a file of its own', async () => {
    h.files.file('landing/inventory_2024-01-01.csv', threeColumnRows(2));
    h.files.file('landing/2024-01-01/inventory.csv', threeColumnRows(2, 10));
    await h.load('snap', block('landing/**/*.csv'));
    // Both archived after loading; the next day's files are byte for byte the same.
    mkdirSync(join(h.files.dir(), 'archive/2024-01-01'), { recursive: true });
    renameSync(join(h.files.dir(), 'landing/inventory_2024-01-01.csv'), join(h.files.dir(), 'archive/inventory_2024-01-01.csv'));
    renameSync(join(h.files.dir(), 'landing/2024-01-01/inventory.csv'), join(h.files.dir(), 'archive/2024-01-01/inventory.csv'));
    h.files.file('landing/inventory_2024-01-02.csv', threeColumnRows(2));
    h.files.file('landing/2024-01-02/inventory.csv', threeColumnRows(2, 10));
    const results = await h.load('snap', block('landing/**/*.csv'));
    expect(results.map((r) => [r.file.uri, r.reason])).toEqual([['landing/2024-01-02/inventory.csv', 'new'], ['landing/inventory_2024-01-02.csv', 'new']]);
    expect(await h.rows('SELECT _file, count(*)::int AS n FROM raw.snap GROUP BY 1 ORDER BY 1')).toEqual([
      { _file: 'landing/2024-01-01/inventory.csv', n: 2 },
      { _file: 'landing/2024-01-02/inventory.csv', n: 2 },
      { _file: 'landing/inventory_2024-01-01.csv', n: 2 },
      { _file: 'landing/inventory_2024-01-02.csv', n: 2 },
    ]);
  });

  it('a source reading several folders: a vanished file of one folder is not moved to another', async () => {
    const months = block(['multi/exports/2024-01/*.csv', 'multi/exports/2024-02/*.csv', 'multi/landing/*.csv', 'multi/landing/sub/*.csv']);
    h.files.file('multi/exports/2024-01/regions.csv', threeColumnRows(2));
    h.files.file('multi/landing/x.csv', threeColumnRows(2, 20));
    await h.load('folders', months);
    rmSync(join(h.files.dir(), 'multi/exports/2024-01'), { recursive: true });
    rmSync(join(h.files.dir(), 'multi/landing/x.csv'));
    h.files.file('multi/exports/2024-02/regions.csv', threeColumnRows(2));
    h.files.file('multi/landing/sub/x.csv', threeColumnRows(2, 20));
    const results = await h.load('folders', months);
    expect(results.map((r) => [r.file.uri, r.reason, r.status])).toEqual([['multi/exports/2024-02/regions.csv', 'new', 'loaded'], ['multi/landing/sub/x.csv', 'new', 'loaded']]);
    expect((await table('folders')).length).toBe(8);
  });

  it('a moved root whose file changed too loads it as new, and the old rows stay', async () => {
    h.files.file('cp1/b.txt', threeColumnRows(2, 10));
    await h.load('cp', block('cp1/*.txt'));
    renameSync(join(h.files.dir(), 'cp1'), join(h.files.dir(), 'cp2'));
    h.files.file('cp2/b.txt', threeColumnRows(3, 10)); // moved and republished: not provably the same file
    const results = await h.load('cp', block('cp2/*.txt'));
    expect(results.map((r) => [r.file.uri, r.status, r.reason])).toEqual([['cp2/b.txt', 'loaded', 'new']]);
    expect((await table('cp')).length).toBe(2 + 3);
  });

  it('zip members, and files outside the project, are followed to their new root', async () => {
    await h.files.zip('zip1/r.zip', { 'perf.txt': threeColumnRows(3) });
    await h.load('zipmv', block('zip1/*.zip'));
    expect(await h.rows('SELECT DISTINCT _file FROM raw.zipmv')).toEqual([{ _file: 'zip1/r.zip!perf.txt' }]);
    renameSync(join(h.files.dir(), 'zip1'), join(h.files.dir(), 'zip2'));
    const out = await h.load('zipmv', block('zip2/*.zip'));
    expect(out.map((r) => [r.file.uri, r.reason, r.movedFrom])).toEqual([['zip2/r.zip!perf.txt', 'moved', 'zip1/r.zip!perf.txt']]);
    expect((await table('zipmv')).map((r) => r._file)).toEqual(['zip2/r.zip!perf.txt', 'zip2/r.zip!perf.txt', 'zip2/r.zip!perf.txt']);

    // Outside the project the identity is the absolute path; a moved root is still recognised.
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
    h.files.file('keyed1/f.txt', threeColumnRows(5));
    await h.load('keyed', block('keyed1/**/*.txt', { key: ['a'] }));
    renameSync(join(h.files.dir(), 'keyed1'), join(h.files.dir(), 'keyed2'));
    const keyed = block('keyed2/**/*.txt', { key: ['a'] });
    expect((await h.load('keyed', keyed)).map((r) => [r.reason, r.rows])).toEqual([['moved', 5]]);
    expect(await h.rows('SELECT DISTINCT file_uri FROM strata_meta.load_line_hashes WHERE source = $1', [source('keyed')])).toEqual([{ file_uri: 'keyed2/f.txt' }]);

    h.files.file('keyed2/f.txt', threeColumnRows(6));
    const changed = await h.load('keyed', keyed);
    expect(changed.map((r) => [r.reason, r.delta?.mode, r.delta?.inserted, r.delta?.deleted])).toEqual([['changed', 'delta', 1, 0]]);
    expect((await table('keyed')).map((r) => r.a)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('a move loaded on a worker thread (large files do) ends the same', async () => {
    h.files.file('thr1/a.txt', `${threeColumnRows(4)}bad\n`);
    await h.load('thr', block('thr1/**/*.txt'));
    renameSync(join(h.files.dir(), 'thr1'), join(h.files.dir(), 'thr2'));
    const out = await h.load('thr', block('thr2/**/*.txt'), { fileThreadMinBytes: 0 });
    expect(out.map((r) => [r.file.uri, r.status, r.reason, r.rows, r.quarantined, r.movedFrom])).toEqual([['thr2/a.txt', 'loaded', 'moved', 4, 1, 'thr1/a.txt']]);
    expect(new Set((await table('thr')).map((r) => r._file))).toEqual(new Set(['thr2/a.txt']));
    expect((await table('thr')).length).toBe(4);
    expect(await h.rows('SELECT file_uri FROM strata_meta.quarantine WHERE source = $1', [source('thr')])).toEqual([{ file_uri: 'thr2/a.txt' }]);
  });
});
