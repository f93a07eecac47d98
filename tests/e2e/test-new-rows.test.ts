/**
 * Data tests of incremental models check the new rows of the model's latest build when the rest of
 * the table passed before (src/data-tests/new-rows-scope.ts), with the same verdicts and counts as
 * reading every row; `--all-rows` reads every row.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, relationSql, type Database } from '../../src/adapters/postgres/index.js';
import { newRowsRelation } from '../../src/materializations/names.js';
import type { RunResults } from '../../src/run/run-results.js';
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
  await db.query(`
    DROP SCHEMA IF EXISTS qa CASCADE; DROP SCHEMA IF EXISTS src CASCADE; DROP SCHEMA IF EXISTS strata_meta CASCADE;
    CREATE SCHEMA src;
    CREATE TABLE src.events (id int, kind text, amount numeric, customer_id int);
    CREATE TABLE src.customers (customer_id int, name text);
    INSERT INTO src.events VALUES (1, 'a', 10, 1), (2, 'b', 20, 2), (3, 'a', 5, 1);
    INSERT INTO src.customers VALUES (1, 'Ann'), (2, 'Bob');
  `);
});

const PROJECT = {
  'project.yml': [
    'name: qa',
    'targets:',
    '  test:',
    '    type: postgres',
    "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
    '    schema: qa',
    '    threads: 2',
    '',
  ].join('\n'),
  'models/sources.yml': [
    'version: 2',
    'sources:',
    '  - name: src',
    '    tables: [{name: events}, {name: customers}]',
    '',
  ].join('\n'),
  'models/events.sql': [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, kind, amount, customer_id from {{ source('src', 'events') }}",
    '{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}',
    '',
  ].join('\n'),
  'models/customers.sql': [
    "{{ config(materialized='incremental', unique_key='customer_id') }}",
    "select customer_id, name from {{ source('src', 'customers') }}",
    '{% if is_incremental() %}where customer_id > (select max(customer_id) from {{ this }}){% endif %}',
    '',
  ].join('\n'),
  'models/props.yml': [
    'version: 2',
    'models:',
    '  - name: events',
    '    data_tests: [not_empty]',
    '    columns:',
    '      - name: id',
    '        data_tests: [unique, not_null]',
    '      - name: kind',
    '        data_tests: [{accepted_values: {values: [a, b]}}]',
    '      - name: amount',
    '        data_tests: [{accepted_range: {min_value: 0}}]',
    '      - name: customer_id',
    "        data_tests: [{relationships: {to: \"ref('customers')\", field: customer_id}}]",
    '',
  ].join('\n'),
};

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

/** Per test name: whether it read only new rows, and its status and failure count. */
function testsOf(dir: string): Record<string, { newRows: boolean; status: string; failures: number | undefined }> {
  const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
  const out: Record<string, { newRows: boolean; status: string; failures: number | undefined }> = {};
  for (const t of results.results.flatMap((r) => r.tests ?? [])) out[t.name] = { newRows: t.newRowsOf !== undefined, status: t.status, failures: t.failures };
  return out;
}

const NEW_ROWS = relationSql(newRowsRelation({ schema: 'qa', identifier: 'events' }));
const ROW_TESTS = ['unique_events_id', 'not_null_events_id', 'accepted_values_events_kind__a__b', 'accepted_range_events_amount__0', 'relationships_events_customer_id__customer_id__ref_customers_'];

describe('data tests of an incremental model read the new rows of its latest build', () => {
  it('first build reads every row; the next increment only its new rows, with the same verdicts', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    const first = testsOf(dir);
    for (const name of ROW_TESTS) expect(first[name], name).toMatchObject({ newRows: false, status: 'pass' });

    await db.query("INSERT INTO src.events VALUES (4, 'b', 7, 3); INSERT INTO src.customers VALUES (3, 'Cy')");
    const second = await strata(dir, 'build');
    expect(second.code).toBe(0);
    const tests = testsOf(dir);
    for (const name of ROW_TESTS) expect(tests[name], name).toMatchObject({ newRows: true, status: 'pass', failures: 0 });
    // about the whole table: every row, always
    expect(tests['not_empty_events_']).toMatchObject({ newRows: false, status: 'pass' });
    expect(second.stdout).toMatch(/PASS test not_null_events_id \(new rows\)/);
    // the run file holds what was sent: the test's SQL on the kept new rows
    const runFile = readFileSync(join(dir, 'target/run/data_tests/model.qa.events.sql'), 'utf8');
    expect(runFile).toContain(`from ${NEW_ROWS}`);
    expect((await db.query(`select id from ${NEW_ROWS}`)).rows).toEqual([{ id: 4 }]);
  });

  it('the kept rows of a model that left the project (deleted, renamed, disabled) are dropped by the next run', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (4, 'b', 7, 1)");
    expect((await strata(dir, 'run')).code).toBe(0);
    const exists = async () => (await db.query<{ here: boolean }>(`select to_regclass('${NEW_ROWS.replaceAll("'", "''")}') is not null as here`)).rows[0]!.here;
    expect(await exists()).toBe(true);

    // events.sql renamed: the model events is gone (its relation stays, as dbt leaves it; its kept rows are strata's own).
    const { rmSync, writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'models/events_v2.sql'), PROJECT['models/events.sql']);
    rmSync(join(dir, 'models/events.sql'));
    writeFileSync(join(dir, 'models/props.yml'), 'version: 2\n');
    const run = await strata(dir, 'run', '-s', 'customers');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await exists()).toBe(false);
    expect((await db.query("select increment from strata_meta.node_state where project = 'qa' and unique_id = 'model.qa.events'")).rows).toEqual([{ increment: null }]);
  });

  it('a bad new row fails with its exact count and rows; the next build reads every row again', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (4, 'x', 1, 1), (5, 'y', -3, 9)");
    const bad = await strata(dir, 'build');
    expect(bad.code).toBe(1);
    const tests = testsOf(dir);
    expect(tests['accepted_values_events_kind__a__b']).toMatchObject({ newRows: true, status: 'fail', failures: 2 });
    expect(tests['accepted_range_events_amount__0']).toMatchObject({ newRows: true, status: 'fail', failures: 1 });
    expect(tests['relationships_events_customer_id__customer_id__ref_customers_']).toMatchObject({ newRows: true, status: 'fail', failures: 1 });
    expect(bad.stdout).toMatch(/Failure in test accepted_values_events_kind__a__b[\s\S]*2 rows failed \(threshold != 0\) among the new rows/);
    expect(bad.stdout).toMatch(/value_field\s*\|\s*n_records/);

    // A test that failed has no recorded pass: after the next increment it reads every row
    // (the bad rows are still there) and counts them all, as dbt would.
    await db.query("INSERT INTO src.events VALUES (6, 'a', 1, 1)");
    expect((await strata(dir, 'build')).code).toBe(1);
    const again = testsOf(dir);
    expect(again['accepted_values_events_kind__a__b']).toMatchObject({ newRows: false, status: 'fail', failures: 2 });
    expect(again['not_null_events_id']).toMatchObject({ newRows: true, status: 'pass' });
  });

  it('--all-rows and all_rows: true read every row; a changed test reads every row once', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    // Written behind strata's back: new-row tests rest on only the model's builds writing its table.
    await db.query("UPDATE qa.events SET kind = 'zzz' WHERE id = 1; INSERT INTO src.events VALUES (4, 'a', 1, 1)");
    expect((await strata(dir, 'build')).code).toBe(0);
    expect(testsOf(dir)['accepted_values_events_kind__a__b']).toMatchObject({ newRows: true, status: 'pass' });
    const all = await strata(dir, 'test', '--all-rows');
    expect(all.code).toBe(1);
    expect(testsOf(dir)['accepted_values_events_kind__a__b']).toMatchObject({ newRows: false, status: 'fail', failures: 1 });

    await db.query("UPDATE qa.events SET kind = 'a' WHERE id = 1");
    expect((await strata(dir, 'test')).code).toBe(0);
    // all_rows in config; and a test whose SQL changed (a new value) has no pass of its own yet
    writeProject({
      'models/props.yml': PROJECT['models/props.yml']
        .replace('[{accepted_values: {values: [a, b]}}]', '[{accepted_values: {values: [a, b, c]}}]')
        .replace('[{accepted_range: {min_value: 0}}]', '[{accepted_range: {min_value: 0, config: {all_rows: true}}}]'),
    }, dir);
    await db.query("INSERT INTO src.events VALUES (5, 'c', 1, 1)");
    expect((await strata(dir, 'build')).code).toBe(0);
    const tests = testsOf(dir);
    expect(tests['accepted_values_events_kind__a__b__c']).toMatchObject({ newRows: false, status: 'pass' });
    expect(tests['accepted_range_events_amount__0']).toMatchObject({ newRows: false, status: 'pass' });
    expect(tests['not_null_events_id']).toMatchObject({ newRows: true, status: 'pass' });
  });

  it('all_rows that is not true or false is an error on its test, naming it and the value', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/props.yml': PROJECT['models/props.yml'].replace('[unique, not_null]', "[unique, {not_null: {config: {all_rows: 'yes'}}}]"),
    });
    const run = await strata(dir, 'build');
    expect(run.code).toBe(1);
    expect(testsOf(dir)['not_null_events_id']).toMatchObject({ status: 'error' });
    expect(run.stdout).toContain('invalid all_rows "yes" on test.qa.not_null_events_id: expected true or false');
    expect(testsOf(dir)['unique_events_id']).toMatchObject({ status: 'pass' });
  });

  it('a relationships parent with a delete from this hook: new rows while the hook deletes nothing', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/customers.sql': PROJECT['models/customers.sql'].replace(
        "unique_key='customer_id'", "unique_key='customer_id', post_hook=\"delete from {{ this }} where name = 'gone'\"",
      ),
    });
    const rel = 'relationships_events_customer_id__customer_id__ref_customers_';
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (4, 'a', 1, 3); INSERT INTO src.customers VALUES (3, 'Cy')");
    expect((await strata(dir, 'build')).code).toBe(0);
    expect(testsOf(dir)[rel]).toMatchObject({ newRows: true, status: 'pass' });
    // the hook deletes a customer: events of customer 2 lost their parent, so every row is read
    await db.query("UPDATE qa.customers SET name = 'gone' WHERE customer_id = 2; INSERT INTO src.customers VALUES (4, 'Di')");
    expect((await strata(dir, 'build')).code).toBe(1);
    expect(testsOf(dir)[rel]).toMatchObject({ newRows: false, status: 'fail', failures: 1 });
  });

  it('the kept rows must be those of the latest build, all of them (a crash empties an unlogged table)', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (4, 'x', 1, 1)");
    expect((await strata(dir, 'run')).code).toBe(0);
    // what a crash does to an unlogged table: the bad new row is no longer in the kept table
    await db.query(`TRUNCATE ${NEW_ROWS}`);
    expect((await strata(dir, 'test')).code).toBe(1);
    expect(testsOf(dir)['accepted_values_events_kind__a__b']).toMatchObject({ newRows: false, status: 'fail', failures: 1 });
    // a kept table written by another build (another target on this database, say)
    await db.query("DELETE FROM src.events WHERE id = 4; DELETE FROM qa.events WHERE id = 4; INSERT INTO src.events VALUES (5, 'a', 1, 1)");
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query(`COMMENT ON TABLE ${NEW_ROWS} IS 'another build'`);
    expect((await strata(dir, 'test')).code).toBe(0);
    expect(testsOf(dir)['not_null_events_id']).toMatchObject({ newRows: false, status: 'pass' });
  });

  it('a view as relationships parent, and merge, read every row', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/customers.sql': "select customer_id, name from {{ source('src', 'customers') }}",
    });
    const rel = 'relationships_events_customer_id__customer_id__ref_customers_';
    expect((await strata(dir, 'build')).code).toBe(0);
    // the view's rows change without strata rebuilding it: customer 2 is gone
    await db.query("DELETE FROM src.customers WHERE customer_id = 2; INSERT INTO src.events VALUES (4, 'a', 1, 1)");
    expect((await strata(dir, 'build', '-s', 'events')).code).toBe(1);
    expect(testsOf(dir)[rel]).toMatchObject({ newRows: false, status: 'fail', failures: 1 });

    const merged = writeProject({ ...PROJECT, 'models/events.sql': PROJECT['models/events.sql'].replace("unique_key='id'", "unique_key='id', incremental_strategy='merge'") });
    await db.query('DROP SCHEMA qa CASCADE; DROP SCHEMA strata_meta CASCADE');
    await db.query('INSERT INTO src.customers VALUES (2, \'Bob\')');
    expect((await strata(merged, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (5, 'a', 1, 1)");
    const capable = await db.query<{ v: number }>("select current_setting('server_version_num')::int as v");
    expect((await strata(merged, 'build')).code).toBe(0);
    // MERGE (PostgreSQL 15+) may turn one new row into several: no new-row tests after it
    if (capable.rows[0]!.v >= 150000) expect(testsOf(merged)['not_null_events_id']).toMatchObject({ newRows: false, status: 'pass' });
    else expect(testsOf(merged)['not_null_events_id']).toMatchObject({ newRows: true, status: 'pass' });
  });

  it('the hooks that ran with the build count, not the ones configured now', async () => {
    const dir = writeProject(PROJECT);
    expect((await strata(dir, 'build')).code).toBe(0);
    // an increment whose hook changes an old row...
    writeProject({ 'models/events.sql': PROJECT['models/events.sql'].replace("unique_key='id'", "unique_key='id', post_hook=\"update {{ this }} set kind = 'zzz' where id = 1\"") }, dir);
    await db.query("INSERT INTO src.events VALUES (4, 'a', 1, 1)");
    expect((await strata(dir, 'run')).code).toBe(0);
    // ...then the hook is gone from the project: the table still holds what it did
    writeProject({ 'models/events.sql': PROJECT['models/events.sql'] }, dir);
    expect((await strata(dir, 'test')).code).toBe(1);
    expect(testsOf(dir)['accepted_values_events_kind__a__b']).toMatchObject({ newRows: false, status: 'fail', failures: 1 });
  });

  it('a hook that may change old rows, or a full refresh, makes the tests read every row', async () => {
    const dir = writeProject({
      ...PROJECT,
      'models/events.sql': PROJECT['models/events.sql'].replace(
        "unique_key='id'", "unique_key='id', post_hook=\"update {{ this }} set amount = amount where false\"",
      ),
    });
    expect((await strata(dir, 'build')).code).toBe(0);
    await db.query("INSERT INTO src.events VALUES (4, 'a', 1, 1)");
    expect((await strata(dir, 'build')).code).toBe(0);
    expect(testsOf(dir)['not_null_events_id']).toMatchObject({ newRows: false, status: 'pass' });

    const plain = writeProject(PROJECT);
    await db.query('DROP SCHEMA qa CASCADE; DROP SCHEMA strata_meta CASCADE');
    expect((await strata(plain, 'build')).code).toBe(0);
    expect((await strata(plain, 'build', '--full-refresh')).code).toBe(0);
    expect(testsOf(plain)['not_null_events_id']).toMatchObject({ newRows: false, status: 'pass' });
    expect((await db.query(`select to_regclass('${NEW_ROWS}') as r`)).rows).toEqual([{ r: null }]);
  });
});
