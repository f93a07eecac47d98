/**
 * Raw files through the CLI: `strata load` (dry run, quarantine, exit codes) and `strata build`
 * loading sources before the models that read them, with state-aware skipping on unchanged files.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { cleanupProjects, cli, writeProject } from '../helpers/temp-project.js';
import { useTestDatabase } from '../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db?.close();
});

const project = () =>
  writeProject({
    'project.yml': [
      'name: ld',
      'targets:',
      '  test:',
      "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
      '    schema: ld',
      '',
    ].join('\n'),
    'models/sources.yml': [
      'version: 2',
      'sources:',
      '  - name: raw',
      '    schema: ld_raw',
      '    tables:',
      '      - name: sales',
      '        load:',
      // Two alternatives: the .gz one matches nothing in these tests, which is fine as long as one does.
      "          files: [\"{{ var('raw_path', 'incoming') }}/sales_*.txt\", \"{{ var('raw_path', 'incoming') }}/sales_*.txt.gz\"]",
      '          delimiter: "|"',
      "          null_values: ['', 'NULL']",
      '          columns: [id, region, amount]',
      '          min_columns: 2',
      '          max_bad_rows: 5',
      '',
    ].join('\n'),
    'models/sales_by_region.sql': "select region, count(*) as n, sum(amount::numeric) as total from {{ source('raw', 'sales') }} group by region",
    'incoming/sales_1.txt': '1|eu|10\n2|us|20\n3|eu\n',
    'incoming/sales_2.txt': '4|us|5\nbroken line without delimiters\n5|eu|1|extra\n',
  });

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

describe('loading raw files', () => {
  it('a selection criterion matching nothing is a warning, before the load', async () => {
    const dir = project();
    const run = await strata(dir, 'load', '-s', 'source:raw.sales', 'source:raw.salez', '--dry-run');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain("the selection criterion 'source:raw.salez' does not match any enabled node");
    const none = await strata(dir, 'load', '-s', 'source:raw.salez');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("the selection criterion 'source:raw.salez' does not match any enabled node");
    expect(none.stderr).toContain('no selected source has a load: block');
  });

  it('a source none of whose patterns match anything is an error naming them', async () => {
    const dir = project();
    const run = await strata(dir, 'load', '--vars', '{raw_path: nowhere}');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/nowhere/);
  });

  it('dry run lists what would load; load quarantines bad rows with their lines; build loads before models', async () => {
    const dir = project();
    const dry = await strata(dir, 'load', '--dry-run');
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/sales_1\.txt/);
    expect(dry.stderr).toMatch(/new/);
    const build = await strata(dir, 'build');
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).toMatch(/OK load raw\.sales/);
    expect((await db.query('select region, n::int, total::int from ld.sales_by_region order by region')).rows).toEqual([
      { region: 'eu', n: 2, total: 10 },
      { region: 'us', n: 2, total: 25 },
    ]);
    const bad = await db.query("select line::int, reason, raw from strata_meta.quarantine where file_uri = $1 order by line", ['incoming/sales_2.txt']);
    expect(bad.rows.map((r) => [r['line'], r['raw']])).toEqual([[2, 'broken line without delimiters'], [3, '5|eu|1|extra']]);
    // Nothing new: the load and the model are up to date.
    const again = await strata(dir, 'build');
    expect(again.stdout).toMatch(/SKIP \(up to date\) load raw\.sales/);
    expect(again.stdout).toMatch(/SKIP \(up to date\) view model ld\.sales_by_region/);
    // A new file: only it loads, and the model is rebuilt.
    writeFileSync(join(dir, 'incoming/sales_3.txt'), '6|us|100\n');
    const third = await strata(dir, 'build');
    expect(third.stdout).toMatch(/OK load raw\.sales .*1 loaded, 2 unchanged/);
    expect(third.stdout).toMatch(/OK view model ld\.sales_by_region/);
    expect((await db.query("select total::int from ld.sales_by_region where region = 'us'")).rows).toEqual([{ total: 125 }]);
    // --full-refresh rebuilds models, not raw tables (as dbt leaves sources alone): no file is
    // read again; reloading every file is `strata load --full-refresh`.
    const batches = (await db.query('select distinct _file, _batch_id from ld_raw.sales order by 1')).rows;
    const full = await strata(dir, 'build', '--full-refresh');
    expect(full.code, full.stdout + full.stderr).toBe(0);
    expect(full.stdout).toMatch(/SKIP \(up to date\) load raw\.sales/);
    expect(full.stdout).toMatch(/OK view model ld\.sales_by_region/);
    expect((await db.query('select distinct _file, _batch_id from ld_raw.sales order by 1')).rows).toEqual(batches);
  });

  it('a file past max_bad_rows fails alone: nothing of it is kept, exit 1, other files load', async () => {
    const dir = project();
    writeFileSync(join(dir, 'incoming/sales_bad.txt'), Array.from({ length: 10 }, () => 'no delimiters here').join('\n') + '\n');
    const run = await strata(dir, 'load');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sales_bad\.txt/);
    const rowsOf = async (name: string) => (await db.query('select count(*)::int as n from ld_raw.sales where _file = $1', [`incoming/${name}`])).rows;
    expect(await rowsOf('sales_bad.txt')).toEqual([{ n: 0 }]);
    expect(await rowsOf('sales_1.txt')).toEqual([{ n: 3 }]);
  });

  it('build after the data folder moved: its files replace their rows (moved), nothing is counted twice', async () => {
    const dir = project();
    expect((await strata(dir, 'build')).code).toBe(0);
    const before = (await db.query('select region, n::int, total::int from ld.sales_by_region order by region')).rows;
    renameSync(join(dir, 'incoming'), join(dir, 'landing'));
    const moved = await strata(dir, 'build', '--vars', '{raw_path: landing}');
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/OK load raw\.sales .*2 loaded \(2 moved\), 0 unchanged/);
    expect((await db.query('select region, n::int, total::int from ld.sales_by_region order by region')).rows).toEqual(before);
    // (other tests of this file load into the same table: only these two files are looked at)
    const files = (await db.query("select distinct _file from ld_raw.sales where _file ~ '/sales_[12]\\.txt$' order by 1")).rows;
    expect(files).toEqual([{ _file: 'landing/sales_1.txt' }, { _file: 'landing/sales_2.txt' }]);
  });

  it('strata retry loads a source whose files failed again, then builds what was skipped', async () => {
    const dir = project();
    writeFileSync(join(dir, 'incoming/sales_bad.txt'), Array.from({ length: 10 }, () => 'no delimiters here').join('\n') + '\n');
    const build = await strata(dir, 'build');
    expect(build.code).toBe(1);
    expect(build.stdout).toMatch(/ERROR .*load raw\.sales/);
    expect(build.stdout).toMatch(/SKIP .*sales_by_region/);
    writeFileSync(join(dir, 'incoming/sales_bad.txt'), '7|eu|1000\n'); // the file fixed
    const retried = await strata(dir, 'retry');
    expect(retried.code, retried.stdout + retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/OK load raw\.sales .*1 loaded, 2 unchanged/);
    expect(retried.stdout).toMatch(/OK view model .*sales_by_region/);
    expect((await db.query("select total::int from ld.sales_by_region where region = 'eu'")).rows).toEqual([{ total: 1010 }]); // 10 + 1000 (line 3 of sales_2 is quarantined)
  });
});
