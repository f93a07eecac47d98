/**
 * Data tests of an incremental model look only at the rows its build wrote, when that is exact
 * (src/run/incremental-tests.ts): a source table gets new rows, `strata build` takes them
 * incrementally, and the model's tests check the new rows (and the key groups they touch) only,
 * while still catching every failure those rows bring.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
beforeEach(async () => {
  await db.query('drop schema if exists landing cascade; drop schema if exists inc cascade; drop schema if exists strata_meta cascade');
  await db.query('create schema landing; create table landing.events (id int, kind text, amount int)');
  await db.query("insert into landing.events select g, 'click', g from generate_series(1, 1000) g");
});

const files = (extraTests = '') => ({
  'project.yml': [
    'name: inc',
    'targets:',
    '  test:',
    '    type: postgres',
    "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
    '    schema: inc',
    '    threads: 2',
  ].join('\n'),
  'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables:\n      - name: events\n',
  'models/events.sql': [
    "{{ config(materialized='incremental', unique_key='id', incremental_strategy='append') }}",
    "select id, kind, amount from {{ source('landing', 'events') }}",
    '{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}',
  ].join('\n'),
  'models/events.yml': [
    'version: 2',
    'models:',
    '  - name: events',
    '    data_tests:',
    '      - unique_combination_of_columns:',
    '          combination_of_columns: [kind, amount]',
    '      - not_null_proportion_like:',
    '          column_name: amount',
    '    columns:',
    '      - name: id',
    '        data_tests: [unique, not_null]',
    '      - name: kind',
    '        data_tests:',
    '          - accepted_values:',
    '              values: [click, view]',
    '      - name: amount',
    '        data_tests:',
    '          - accepted_range: {min_value: 0}',
    extraTests,
  ].join('\n'),
  // a custom generic test: never narrowed (strata did not write its SQL)
  'macros/not_null_proportion_like.sql': [
    '{% test not_null_proportion_like(model, column_name) %}',
    'select 1 from {{ model }} having count({{ column_name }}) < count(*)',
    '{% endtest %}',
  ].join('\n'),
});

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

/** The message of the model's test group in the last run's run_results.json. */
function groupMessage(dir: string): string {
  const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { uniqueId: string; message: string }[] };
  return results.results.find((r) => r.uniqueId === 'tests:model.inc.events')!.message;
}

const runFile = (dir: string, name: string) =>
  readFileSync(join(dir, 'target', 'run', 'models', 'events.yml', `${name}.sql`), 'utf8');

describe('tests of an incremental model after an incremental build', () => {
  it('look at the new rows only once they passed on the table before, and still pass', async () => {
    const dir = writeProject(files());
    const first = await strata(dir, 'build');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(groupMessage(dir)).toBe('6 tests');

    await db.query("insert into landing.events select g, 'view', g from generate_series(1001, 1100) g");
    const second = await strata(dir, 'build');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    // five built-ins narrowed; the custom test runs whole
    expect(groupMessage(dir)).toBe('6 tests, 5 on the new rows only');
    expect(runFile(dir, 'not_null_events_id')).toMatch(/age\(xmin\) <= age\('\d+'::xid\)/);
    expect(runFile(dir, 'unique_events_id')).toMatch(/"id" in \(select strata_new\."id" from "inc"\."events" as strata_new where age\(strata_new\.xmin\)/);
  });

  it('catch a failing new row, then run whole until they pass again', async () => {
    const dir = writeProject(files());
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("insert into landing.events values (1001, 'hover', 5), (1002, 'view', 4)");
    const bad = await strata(dir, 'build');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL test accepted_values_events_kind__click__view \.* \[FAIL 1 /);
    expect(groupMessage(dir)).toBe('6 tests, 5 on the new rows only');

    // the old failing row is still there: accepted_values, which failed on the previous data,
    // looks at every row again and fails again; the others narrow
    await db.query("insert into landing.events values (1003, 'view', 7)");
    const still = await strata(dir, 'build');
    expect(still.code).toBe(1);
    expect(still.stdout).toMatch(/FAIL test accepted_values_events_kind__click__view \.* \[FAIL 1 /);
    expect(groupMessage(dir)).toBe('6 tests, 4 on the new rows only');

    // fixed upstream and rebuilt whole (--full-refresh): every test looks at every row and passes
    await db.query("update landing.events set kind = 'view' where id = 1001");
    const fixed = await strata(dir, 'build', '--full-refresh');
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(groupMessage(dir)).toBe('6 tests');

    await db.query("insert into landing.events values (1004, 'view', 8)");
    const next = await strata(dir, 'build');
    expect(next.code, next.stdout).toBe(0);
    expect(groupMessage(dir)).toBe('6 tests, 5 on the new rows only');
  });

  it('find a duplicate made of an old row and a new one', async () => {
    const dir = writeProject(files());
    expect((await strata(dir, 'build')).code).toBe(0);
    // (click, 10) exists among the first thousand rows
    await db.query("insert into landing.events values (2000, 'click', 10)");
    const dup = await strata(dir, 'build');
    expect(dup.code).toBe(1);
    expect(dup.stdout).toMatch(/FAIL test unique_combination_of_columns_events_kind__amount \.* \[FAIL 1 /);
    expect(groupMessage(dir)).toBe('6 tests, 5 on the new rows only');
  });

  it('run whole after a change to the test', async () => {
    const dir = writeProject(files());
    expect((await strata(dir, 'build')).code).toBe(0);
    writeProject({ 'models/events.yml': files()['models/events.yml'].replace('min_value: 0', 'min_value: -1') }, dir);
    await db.query("insert into landing.events values (1001, 'view', 3)");
    const run = await strata(dir, 'build');
    expect(run.code, run.stdout).toBe(0);
    expect(groupMessage(dir)).toBe('6 tests, 4 on the new rows only');
  });
});

describe('tests of a loaded source after a load', () => {
  const project = () =>
    writeProject({
      'project.yml': [
        'name: lsrc',
        'targets:',
        '  test:',
        "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
        '    schema: lsrc',
      ].join('\n'),
      'models/sources.yml': [
        'version: 2',
        'sources:',
        '  - name: raw',
        '    schema: lsrc_raw',
        '    tables:',
        '      - name: sales',
        '        load:',
        '          files: ["incoming/sales_*.txt"]',
        '          delimiter: "|"',
        '          columns: [id, region]',
        '        columns:',
        '          - name: id',
        '            data_tests: [unique, not_null]',
        '          - name: region',
        '            data_tests:',
        '              - accepted_values:',
        '                  values: [eu, us]',
      ].join('\n'),
      'incoming/sales_1.txt': '1|eu\n2|us\n',
    });

  function message(dir: string): string {
    const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { uniqueId: string; message: string }[] };
    return results.results.find((r) => r.uniqueId === 'tests:source.lsrc.raw.sales')!.message;
  }

  it('look at the rows of the files this run loaded, and catch a duplicate of an earlier file', async () => {
    await db.query('drop schema if exists lsrc_raw cascade; drop schema if exists strata_meta cascade');
    const dir = project();
    const first = await strata(dir, 'build');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(message(dir)).toBe('3 tests');

    writeProject({ 'incoming/sales_2.txt': '3|eu\n4|us\n' }, dir);
    const second = await strata(dir, 'build');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(message(dir)).toBe('3 tests, 3 on the new rows only');

    writeProject({ 'incoming/sales_3.txt': '2|eu\n5|mars\n' }, dir);
    const third = await strata(dir, 'build');
    expect(third.code).toBe(1);
    expect(third.stdout).toMatch(/FAIL test source_unique_raw_sales_id \.* \[FAIL 1 /);
    expect(third.stdout).toMatch(/FAIL test source_accepted_values_raw_sales_region__eu__us \.* \[FAIL 1 /);
    expect(message(dir)).toBe('3 tests, 3 on the new rows only');
  });
});
