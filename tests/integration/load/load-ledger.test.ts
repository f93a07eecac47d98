import { utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dataVersionOfSource, loadSources, parseLoadSpec } from '../../../src/load/index.js';
import { sourceNode } from '../../unit/load/spec-fixture.js';
import { threeColumnRows, useLoadHarness } from './load-fixture.js';

const h = useLoadHarness();
const block = (dir: string): Record<string, unknown> => ({ files: `${dir}/*.txt`, columns: ['a', 'b', 'c'] });

async function snapshot(table: string): Promise<unknown[]> {
  return h.rows(`SELECT a, b, c, _file, _line FROM raw.${table} ORDER BY _file, _line`);
}

/** Rewrites a file with new content and a later mtime (so the change is seen even within one ms). */
function rewrite(path: string, content: string, secondsLater: number): void {
  h.files.file(path, content);
  const t = new Date(Date.now() + secondsLater * 1000);
  utimesSync(`${h.files.dir()}/${path}`, t, t);
}

describe('ledger: new, changed, unchanged', () => {
  it('loads each file once: a second load changes nothing, --reload gives the same rows', async () => {
    h.files.file('idem/a.txt', threeColumnRows(10));
    h.files.file('idem/b.txt', threeColumnRows(5, 50));
    const first = await h.load('idem', block('idem'));
    expect(first.map((r) => [r.status, r.reason])).toEqual([['loaded', 'new'], ['loaded', 'new']]);
    const before = await snapshot('idem');
    const version1 = await dataVersionOfSource(h.db(), 'source.proj.raw.idem');

    const second = await h.load('idem', block('idem'));
    expect(second.map((r) => [r.status, r.reason, r.rows])).toEqual([['unchanged', 'unchanged', 0], ['unchanged', 'unchanged', 0]]);
    expect(await snapshot('idem')).toEqual(before);
    expect(await dataVersionOfSource(h.db(), 'source.proj.raw.idem')).toBe(version1);

    const reload = await h.load('idem', block('idem'), { reload: true });
    expect(reload.map((r) => [r.status, r.reason, r.rows])).toEqual([['loaded', 'reload', 10], ['loaded', 'reload', 5]]);
    expect(await snapshot('idem')).toEqual(before);
    expect(await dataVersionOfSource(h.db(), 'source.proj.raw.idem')).not.toBe(version1);
    expect(await h.rows("SELECT status, count(*)::int AS n FROM strata_meta.load_ledger WHERE source = 'source.proj.raw.idem' GROUP BY 1 ORDER BY 1")).toEqual([
      { status: 'loaded', n: 2 },
      { status: 'replaced', n: 2 },
    ]);
  });

  it('replaces the rows (and quarantine rows) of a changed file', async () => {
    h.files.file('chg/a.txt', `${threeColumnRows(4)}bad\n`);
    h.files.file('chg/keep.txt', threeColumnRows(2, 90));
    await h.load('chg', block('chg'));
    expect(await h.rows('SELECT line FROM strata_meta.quarantine WHERE source = $1', ['source.proj.raw.chg'])).toEqual([{ line: 5 }]);

    rewrite('chg/a.txt', threeColumnRows(3, 20), 5);
    const results = await h.load('chg', block('chg'));
    expect(results.map((r) => [r.file.displayName, r.status, r.reason, r.rows])).toEqual([
      ['chg/a.txt', 'loaded', 'changed', 3],
      ['chg/keep.txt', 'unchanged', 'unchanged', 0],
    ]);
    expect(await h.rows("SELECT a, _line FROM raw.chg WHERE _file LIKE '%/a.txt' ORDER BY _line")).toEqual([
      { a: '20', _line: 1 },
      { a: '21', _line: 2 },
      { a: '22', _line: 3 },
    ]);
    expect(await h.rows("SELECT count(*)::int AS n FROM raw.chg WHERE _file LIKE '%/keep.txt'")).toEqual([{ n: 2 }]);
    expect(await h.rows('SELECT count(*)::int AS n FROM strata_meta.quarantine WHERE source = $1', ['source.proj.raw.chg'])).toEqual([{ n: 0 }]);
  });

  it('a file with a new mtime but the same bytes is unchanged (checksum confirmed); same size, other bytes is changed', async () => {
    h.files.file('touch/same.txt', threeColumnRows(4));
    h.files.file('touch/edit.txt', threeColumnRows(4));
    await h.load('touch', block('touch'));
    const batchesBefore = await h.rows('SELECT DISTINCT _file, _batch_id FROM raw.touch ORDER BY 1');
    const versionOf = async (name: string) =>
      (await h.rows<{ version: string }>("SELECT version FROM strata_meta.load_ledger WHERE status = 'loaded' AND file_uri LIKE $1", [`%/${name}`]))[0]!.version;
    const sameVersionBefore = await versionOf('same.txt');

    rewrite('touch/same.txt', threeColumnRows(4), 5); // a fresh download of the same file
    rewrite('touch/edit.txt', threeColumnRows(4).replace('1|', '9|'), 5); // same size, one byte differs
    const dry = await h.load('touch', block('touch'), { dryRun: true });
    expect(dry.map((r) => [r.file.displayName, r.reason])).toEqual([['touch/edit.txt', 'changed'], ['touch/same.txt', 'unchanged']]);
    expect(await versionOf('same.txt')).toBe(sameVersionBefore); // a dry run writes nothing

    const results = await h.load('touch', block('touch'));
    expect(results.map((r) => [r.file.displayName, r.status, r.reason])).toEqual([
      ['touch/edit.txt', 'loaded', 'changed'],
      ['touch/same.txt', 'unchanged', 'unchanged'],
    ]);
    const batchesAfter = await h.rows<{ _file: string; _batch_id: string }>('SELECT DISTINCT _file, _batch_id FROM raw.touch ORDER BY 1');
    expect(batchesAfter.find((r) => r._file.endsWith('same.txt'))).toEqual((batchesBefore as typeof batchesAfter).find((r) => r._file.endsWith('same.txt')));
    expect(batchesAfter.find((r) => r._file.endsWith('edit.txt'))).not.toEqual((batchesBefore as typeof batchesAfter).find((r) => r._file.endsWith('edit.txt')));
    // The ledger took the new mtime: the next run decides without reading the file.
    expect(await versionOf('same.txt')).not.toBe(sameVersionBefore);
    const again = await h.load('touch', block('touch'));
    expect(again.map((r) => r.reason)).toEqual(['unchanged', 'unchanged']);
  });

  it('with load.key, a changed file writes only its new and changed rows; the table ends up with exactly the new version', async () => {
    const keyed = (dir: string): Record<string, unknown> => ({ ...block(dir), key: ['a'] });
    h.files.file('keyed/f.txt', '1|x|10\n2|y|20\n3|z|30\n4|w|40\n');
    await h.load('keyed', keyed('keyed'));
    const [first] = await h.rows<{ b: string }>("SELECT _batch_id AS b FROM raw.keyed WHERE a = '1'");
    // the next release: row 2 changed, row 3 gone, rows 5 and 6 new (one between old rows)
    rewrite('keyed/f.txt', '1|x|10\n5|v|50\n2|y|21\n4|w|40\n6|u|60\n', 5);
    const [result] = await h.load('keyed', keyed('keyed'));
    expect([result?.status, result?.reason, result?.rows, result?.delta]).toEqual(['loaded', 'changed', 5, { mode: 'delta', deleted: 2, inserted: 3 }]);
    const rows = await h.rows<{ a: string; b: string; c: string; _line: number; same_batch: boolean }>(
      'SELECT a, b, c, _line::int, _batch_id = $1 AS same_batch FROM raw.keyed ORDER BY a', [first!.b],
    );
    expect(rows).toEqual([
      { a: '1', b: 'x', c: '10', _line: 1, same_batch: true }, // unchanged: keeps its load's batch and line
      { a: '2', b: 'y', c: '21', _line: 3, same_batch: false }, // changed
      { a: '4', b: 'w', c: '40', _line: 4, same_batch: true },
      { a: '5', b: 'v', c: '50', _line: 2, same_batch: false }, // new
      { a: '6', b: 'u', c: '60', _line: 5, same_batch: false },
    ]);
    expect(await h.rows("SELECT rows_loaded::int FROM strata_meta.load_ledger WHERE source = 'source.proj.raw.keyed' AND status = 'loaded'")).toEqual([{ rows_loaded: 5 }]);

    // --reload loads the file again whole: every row gets the new batch.
    const [reloaded] = await h.load('keyed', keyed('keyed'), { reload: true });
    expect([reloaded?.status, reloaded?.reason, reloaded?.rows, reloaded?.delta]).toEqual(['loaded', 'reload', 5, undefined]);
    expect(await h.rows('SELECT count(DISTINCT _batch_id)::int AS n FROM raw.keyed')).toEqual([{ n: 1 }]);
  });

  it('with load.key, a new version with duplicate keys (or old duplicates) is replaced whole, never diffed into wrong counts', async () => {
    const keyed = (dir: string): Record<string, unknown> => ({ ...block(dir), key: ['a'] });
    h.files.file('dups/f.txt', '1|x|10\n1|x|10\n2|y|20\n');
    await h.load('dups', keyed('dups'));
    rewrite('dups/f.txt', '1|x|10\n2|y|20\n3|z|30\n', 5); // old version held row 1 twice
    const [once] = await h.load('dups', keyed('dups'));
    expect(once?.delta?.mode).toBe('replaced');
    expect(await h.rows('SELECT a, b, c FROM raw.dups ORDER BY a')).toEqual([{ a: '1', b: 'x', c: '10' }, { a: '2', b: 'y', c: '20' }, { a: '3', b: 'z', c: '30' }]);
    rewrite('dups/f.txt', '1|x|10\n2|y|20\n3|z|30\n3|z|30\n', 10); // the new version holds row 3 twice
    const [twice] = await h.load('dups', keyed('dups'));
    expect([twice?.delta?.mode, twice?.rows]).toEqual(['replaced', 4]);
    expect(await h.rows('SELECT a, count(*)::int AS n FROM raw.dups GROUP BY a ORDER BY a')).toEqual([{ a: '1', n: 1 }, { a: '2', n: 1 }, { a: '3', n: 2 }]);
  });

  it('a load: block that now reads the files differently reloads them (reason reread), though no byte changed', async () => {
    h.files.file('respec/a.txt', '1|NULL|10\n2|y|20|extra\n');
    h.files.file('respec/b.txt', '3|z|30\n');
    const first = await h.load('respec', block('respec'));
    expect(first.map((r) => [r.status, r.rows, r.quarantined])).toEqual([['loaded', 1, 1], ['loaded', 1, 0]]);
    expect(await h.rows('SELECT a, b FROM raw.respec ORDER BY a')).toEqual([{ a: '1', b: 'NULL' }, { a: '3', b: 'z' }]);
    const version1 = await dataVersionOfSource(h.db(), 'source.proj.raw.respec');

    // The same block with its defaults written out is the same reading.
    const same = await h.load('respec', { ...block('respec'), delimiter: '|', null_values: [''] });
    expect(same.map((r) => [r.status, r.reason])).toEqual([['unchanged', 'unchanged'], ['unchanged', 'unchanged']]);

    // 'NULL' is now a null value and an extra trailing field is dropped: both files are read again.
    const changed = { ...block('respec'), null_values: ['NULL', ''], extra_columns: 'ignore' };
    const dry = await h.load('respec', changed, { dryRun: true });
    expect(dry.map((r) => [r.file.displayName, r.reason])).toEqual([['respec/a.txt', 'reread'], ['respec/b.txt', 'reread']]);
    const second = await h.load('respec', changed);
    expect(second.map((r) => [r.file.displayName, r.status, r.reason, r.rows, r.quarantined])).toEqual([
      ['respec/a.txt', 'loaded', 'reread', 2, 0],
      ['respec/b.txt', 'loaded', 'reread', 1, 0],
    ]);
    expect(await h.rows('SELECT a, b, c FROM raw.respec ORDER BY a')).toEqual([
      { a: '1', b: null, c: '10' },
      { a: '2', b: 'y', c: '20' },
      { a: '3', b: 'z', c: '30' },
    ]);
    expect(await h.rows('SELECT count(*)::int AS n FROM strata_meta.quarantine WHERE source = $1', ['source.proj.raw.respec'])).toEqual([{ n: 0 }]);
    expect(await dataVersionOfSource(h.db(), 'source.proj.raw.respec')).not.toBe(version1);
    // The null values are a set: listed in another order, they read the same rows.
    const again = await h.load('respec', { ...changed, null_values: ['', 'NULL'] });
    expect(again.map((r) => r.reason)).toEqual(['unchanged', 'unchanged']);

    // Files loaded before strata recorded how it read them count as read the current way, and are
    // recorded so: a later change of the block rereads them.
    await h.db().query("UPDATE strata_meta.load_ledger SET read_as = NULL WHERE source = 'source.proj.raw.respec'");
    const legacy = await h.load('respec', block('respec'));
    expect(legacy.map((r) => [r.reason, r.error?.message])).toEqual([['unchanged', undefined], ['unchanged', undefined]]);
    expect(await h.rows("SELECT count(*)::int AS n FROM strata_meta.load_ledger WHERE source = 'source.proj.raw.respec' AND status = 'loaded' AND read_as IS NULL")).toEqual([{ n: 0 }]);
    expect((await h.load('respec', changed)).map((r) => r.reason)).toEqual(['reread', 'reread']);

    // A dry run reads a ledger from before the read_as column (it upgrades nothing) without failing.
    await h.db().query('ALTER TABLE strata_meta.load_ledger DROP COLUMN read_as');
    try {
      const old = await h.load('respec', changed, { dryRun: true });
      expect(old.map((r) => [r.status, r.reason])).toEqual([['unchanged', 'unchanged'], ['unchanged', 'unchanged']]);
    } finally {
      await h.db().query('ALTER TABLE strata_meta.load_ledger ADD COLUMN read_as text');
    }
  });

  it('with load.key, a reread writes only the rows the new reading changes', async () => {
    const keyed = { ...block('rekey'), key: ['a'] };
    h.files.file('rekey/f.txt', '1|x|10\n2|NULL|20\n3|z|30\n');
    await h.load('rekey', keyed);
    const [first] = await h.rows<{ b: string }>("SELECT _batch_id AS b FROM raw.rekey WHERE a = '1'");
    // A fresh download of the same bytes with a new mtime, read with 'NULL' as a null value.
    rewrite('rekey/f.txt', '1|x|10\n2|NULL|20\n3|z|30\n', 5);
    const [result] = await h.load('rekey', { ...keyed, null_values: ['', 'NULL'] });
    expect([result?.status, result?.reason, result?.rows]).toEqual(['loaded', 'reread', 3]);
    expect([result?.delta?.deleted, result?.delta?.inserted]).toEqual([1, 1]);
    expect(await h.rows('SELECT a, b, _batch_id = $1 AS same_batch FROM raw.rekey ORDER BY a', [first!.b])).toEqual([
      { a: '1', b: 'x', same_batch: true },
      { a: '2', b: null, same_batch: false },
      { a: '3', b: 'z', same_batch: true },
    ]);
  });

  it('dry run reports new, changed and unchanged and writes nothing', async () => {
    h.files.file('dry/old.txt', threeColumnRows(2));
    h.files.file('dry/edit.txt', threeColumnRows(2));
    await h.load('dry', block('dry'));
    h.files.file('dry/new.txt', threeColumnRows(2));
    rewrite('dry/edit.txt', threeColumnRows(3), 5);
    const { results, events } = await h.loadWithEvents('dry', block('dry'), { dryRun: true });
    expect(results.map((r) => [r.file.displayName, r.status, r.reason])).toEqual([
      ['dry/edit.txt', 'unchanged', 'changed'],
      ['dry/new.txt', 'unchanged', 'new'],
      ['dry/old.txt', 'unchanged', 'unchanged'],
    ]);
    const plan = events.find((e) => e.type === 'plan');
    expect(plan?.type === 'plan' && plan.files.map((f) => f.action)).toEqual(['load', 'load', 'skip']);
    expect(events.some((e) => e.type === 'file-start')).toBe(false);
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.dry')).toEqual([{ n: 4 }]);

    // A dry run of a source never loaded creates nothing.
    h.files.file('fresh/x.txt', threeColumnRows(1));
    const fresh = await h.load('fresh', block('fresh'), { dryRun: true });
    expect(fresh.map((r) => r.reason)).toEqual(['new']);
    expect(await h.rows("SELECT to_regclass('raw.fresh') IS NULL AS absent")).toEqual([{ absent: true }]);
  });

  it('reloads every file when the raw table was dropped behind its back', async () => {
    h.files.file('gone/a.txt', threeColumnRows(3));
    await h.load('gone', block('gone'));
    await h.db().query('DROP TABLE raw.gone');
    const again = await h.load('gone', block('gone'));
    expect(again.map((r) => [r.status, r.reason, r.rows])).toEqual([['loaded', 'new', 3]]);
  });

  it('refuses a raw table with other columns, and --full-refresh recreates it', async () => {
    h.files.file('cols/a.txt', threeColumnRows(3));
    await h.load('cols', block('cols'));
    const wider = { files: 'cols/*.txt', columns: ['a', 'b', 'c', 'd'], min_columns: 3 };
    const [refused] = await h.load('cols', wider);
    expect(refused?.status).toBe('failed');
    expect(refused?.error?.message).toBe(
      'raw table "raw"."cols" of source raw.cols has other columns than its load: block declares: table:    a, b, c, _file, _line, _batch_id, _loaded_at; expected: a, b, c, d, _file, _line, _batch_id, _loaded_at',
    );
    expect(refused?.error?.hint).toMatch(/--full-refresh/);
    const [dry] = await h.load('cols', wider, { dryRun: true });
    expect([dry?.status, dry?.error?.message]).toEqual(['failed', refused?.error?.message]);
    const [refreshed] = await h.load('cols', wider, { fullRefresh: true });
    expect([refreshed?.status, refreshed?.reason, refreshed?.rows]).toEqual(['loaded', 'reload', 3]);
    expect(await h.rows('SELECT d FROM raw.cols LIMIT 1')).toEqual([{ d: null }]);
  });

  it('dataVersionOfSource is undefined for a source strata never loaded', async () => {
    expect(await dataVersionOfSource(h.db(), 'source.proj.raw.never')).toBeUndefined();
  });

  it('two processes loading the same file at once load it once', async () => {
    h.files.file('race/a.txt', threeColumnRows(3000));
    const node = sourceNode('race', block('race'));
    const spec = parseLoadSpec(node).spec!;
    const opts = { projectDir: h.files.dir(), threads: 1, reload: false, dryRun: false };
    await h.load('race', { files: 'race/none*.txt', columns: ['a', 'b', 'c'] }); // creates the table
    const [x, y] = await Promise.all([loadSources(h.db(), [{ node, spec }], opts), loadSources(h.db(), [{ node, spec }], opts)]);
    expect([x[0]?.status, y[0]?.status].sort()).toEqual(['loaded', 'unchanged']);
    expect(await h.rows('SELECT count(*)::int AS n FROM raw.race')).toEqual([{ n: 3000 }]);
  });
});
