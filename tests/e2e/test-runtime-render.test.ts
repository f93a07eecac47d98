/**
 * Data tests whose template reads `execute` (or `run_query`, `run_started_at`, `invocation_id`,
 * `modules`) are rendered again when they run, as dbt renders tests at execution time: `execute`
 * is true, `run_query()` answers, ephemeral parents are inlined, and the values are the run's,
 * for `strata test` and `strata build`, also when the manifest is read back.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/manifest/types.js';
import type { RunResults } from '../../src/run/run-results.js';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { testProjectYml } from '../helpers/e2e-project.js';
import { cli, writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();

const projectYml = (schema: string) => testProjectYml('rt', schema);

/** A generic test comparing a column's distinct values with another relation's, both fetched with run_query. */
const SAME_DISTINCT_VALUES = [
  '{% test same_distinct_values(model, column_name, other) %}',
  '  {% set mine = [] %}{% set theirs = [] %}',
  '  {% if execute %}',
  '    {% set mine = run_query("select distinct " ~ column_name ~ "::text from " ~ model ~ " order by 1").columns[0].values() %}',
  '    {% set theirs = run_query("select distinct " ~ column_name ~ "::text from " ~ other ~ " order by 1").columns[0].values() %}',
  '  {% endif %}',
  "  select '{{ mine | join(\",\") }}' as mine, '{{ theirs | join(\",\") }}' as theirs",
  "  where {{ 'false' if execute and (mine | join(',')) == (theirs | join(',')) else 'true' }}",
  '{% endtest %}',
].join('\n');

const PROJECT = {
  'project.yml': projectYml('rt'),
  'seeds/raw_orders.csv': 'id,status\n1,placed\n2,shipped\n3,placed\n',
  'seeds/statuses.csv': 'status\nplaced\nshipped\n',
  'seeds/all_statuses.csv': 'status\nplaced\nreturned\nshipped\n',
  'models/orders.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('raw_orders') }}",
  'models/shipped.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('orders') }} where status = 'shipped'",
  // ephemeral, reading `execute`: a test on it (which does not read `execute` itself) must inline its run-time rendering
  'models/flags.sql': "{{ config(materialized='ephemeral') }}\nselect {% if execute %}1{% else %}null{% endif %}::int as flag",
  'macros/same_distinct_values.sql': SAME_DISTINCT_VALUES,
  'models/props.yml': [
    'version: 2',
    'models:',
    '  - name: orders',
    '    columns:',
    '      - name: id',
    // built-ins fused into one scan next to the tests rendered at run time
    '        data_tests: [unique, not_null]',
    '      - name: status',
    '        data_tests:',
    // a built-in whose argument reads `execute`: 'never' at compile time
    "          - accepted_values: {values: [\"{{ 'placed' if execute else 'never' }}\", shipped]}",
    "          - same_distinct_values: {other: \"ref('statuses')\"}",
    "          - same_distinct_values: {other: \"ref('all_statuses')\"}",
    '  - name: flags',
    '    columns:',
    '      - name: flag',
    '        data_tests: [not_null]',
    '',
  ].join('\n'),
  // passes only when rendered at run time
  'tests/execute_is_true.sql': '{% if execute %}select 1 as failure where false{% else %}select 1 as failure{% endif %}',
  // fails only when rendered at run time
  'tests/fails_at_run_time.sql': "{% if execute %}select 'rendered at run time' as failure{% else %}select 1 as failure where false{% endif %}",
  // reads an ephemeral model at run time: its CTE must be there
  'tests/shipped_exist.sql': [
    "{% set shipped = ref('shipped') %}",
    "select 'no shipped order' as failure",
    'where {% if execute %}not exists (select 1 from {{ shipped }}){% else %}true{% endif %}',
  ].join('\n'),
};

const SAME_STATUSES = 'same_distinct_values_orders_status__ref_statuses_';
const ALL_STATUSES = 'same_distinct_values_orders_status__ref_all_statuses_';
const ACCEPTED = /^accepted_values_orders_/;

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

/** Per test name: its status, failure count and whether it read only new rows (run_results.json). */
function testsOf(dir: string): Record<string, { status: string; failures: number | undefined; newRows: boolean }> {
  const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
  const out: Record<string, { status: string; failures: number | undefined; newRows: boolean }> = {};
  for (const t of results.results.flatMap((r) => r.tests ?? [])) out[t.name] = { status: t.status, failures: t.failures, newRows: t.newRowsOf !== undefined };
  return out;
}

const manifestStamp = (dir: string): string => {
  const st = statSync(join(dir, 'target/manifest.json'));
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};

function expectRunTimeVerdicts(dir: string, out: string): void {
  const tests = testsOf(dir);
  const accepted = Object.keys(tests).find((n) => ACCEPTED.test(n))!;
  expect(tests['execute_is_true'], out).toMatchObject({ status: 'pass', failures: 0 });
  expect(tests['fails_at_run_time'], out).toMatchObject({ status: 'fail', failures: 1 });
  expect(tests['shipped_exist'], out).toMatchObject({ status: 'pass', failures: 0 });
  expect(tests[SAME_STATUSES], out).toMatchObject({ status: 'pass', failures: 0 });
  expect(tests[ALL_STATUSES], out).toMatchObject({ status: 'fail', failures: 1 });
  expect(tests[accepted], out).toMatchObject({ status: 'pass', failures: 0 });
  expect(tests['unique_orders_id'], out).toMatchObject({ status: 'pass' });
  expect(tests['not_null_orders_id'], out).toMatchObject({ status: 'pass' });
  expect(tests['not_null_flags_flag'], out).toMatchObject({ status: 'pass', failures: 0 });
  // The built-ins share a scan; the test rendered at run time runs its own query.
  const scan = readFileSync(join(dir, 'target/run/data_tests/model.rt.orders.sql'), 'utf8');
  expect(scan).toContain('test.rt.unique_orders_id');
  expect(scan).not.toContain('accepted_values');
  // The failing rows are those of the run-time rendering, with run_query's answers in them.
  expect(out).toContain('rendered at run time');
  expect(out).toMatch(/placed,shipped\s*\|\s*placed,returned,shipped/);
}

describe('data tests reading execute are rendered at run time', () => {
  it('by strata build and strata test (the manifest read back), with execute true, run_query and ephemeral parents', async () => {
    const dir = writeProject(PROJECT);
    const build = await strata(dir, 'build');
    const buildOut = build.stdout + build.stderr;
    expect(build.code, buildOut).toBe(1);
    expectRunTimeVerdicts(dir, buildOut);

    // The manifest says which tests render again, so a run reading it back knows too.
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as Manifest;
    const flagged = Object.values(manifest.nodes).filter((n) => n.resourceType === 'test' && n.needsRuntimeRender).map((n) => n.name).sort();
    expect(flagged).toEqual([expect.stringMatching(ACCEPTED), 'execute_is_true', 'fails_at_run_time', ALL_STATUSES, SAME_STATUSES, 'shipped_exist'].sort());

    const stamp = manifestStamp(dir);
    const test = await strata(dir, 'test');
    const testOut = test.stdout + test.stderr;
    expect(test.code, testOut).toBe(1);
    expect(manifestStamp(dir), 'the manifest was read back, not written again').toBe(stamp);
    expectRunTimeVerdicts(dir, testOut);
    expect(testOut).toMatch(/PASS test execute_is_true/);
    expect(testOut).toMatch(/FAIL test fails_at_run_time/);
  });

  it('an error while rendering at run time is an ERROR on that test alone', async () => {
    const dir = writeProject({
      ...PROJECT,
      'tests/bad_query.sql': "{% if execute %}{% set r = run_query('select * from rt.no_such_table') %}{% endif %}select 1 as failure where false",
    });
    const build = await strata(dir, 'build');
    const out = build.stdout + build.stderr;
    expect(build.code, out).toBe(1);
    expect(out).toMatch(/ERROR test bad_query/);
    expect(out).toContain('no_such_table');
    expect(testsOf(dir)['execute_is_true'], out).toMatchObject({ status: 'pass' });
  });

  it('a test reading the invocation gets the values of the run, also when the manifest is read back', async () => {
    const dir = writeProject({
      'project.yml': projectYml('rt_inv'),
      'models/stamped.sql': "{{ config(materialized='table') }}\nselect '{{ invocation_id }}'::text as invocation, '{{ run_started_at }}'::text as started",
      'tests/same_invocation.sql': "select * from {{ ref('stamped') }} where invocation <> '{{ invocation_id }}' or started <> '{{ run_started_at }}'",
    });
    const first = await strata(dir, 'build');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = await rows('select invocation from rt_inv.stamped');
    const stamp = manifestStamp(dir);
    const second = await strata(dir, 'build', '--rebuild');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(manifestStamp(dir)).toBe(stamp);
    expect(await rows('select invocation from rt_inv.stamped')).not.toEqual(before);
    expect(testsOf(dir)['same_invocation']).toMatchObject({ status: 'pass', failures: 0 });
  });
});

describe('a test rendered at run time on an incremental model', () => {
  it('reads every row (never only the new ones), with its run-time SQL', async () => {
    await rows('drop schema if exists rt_src cascade; create schema rt_src; create table rt_src.events (id int, kind text); insert into rt_src.events values (1, \'a\'), (2, \'b\')');
    const dir = writeProject({
      'project.yml': projectYml('rt_inc'),
      'models/sources.yml': 'version: 2\nsources:\n  - name: rt_src\n    tables: [{name: events}]\n',
      'models/events.sql': [
        "{{ config(materialized='incremental', unique_key='id') }}",
        "select id, kind from {{ source('rt_src', 'events') }}",
        '{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}',
      ].join('\n'),
      'models/props.yml': [
        'version: 2',
        'models:',
        '  - name: events',
        '    columns:',
        '      - name: id',
        '        data_tests: [not_null]',
        '      - name: kind',
        '        data_tests:',
        "          - accepted_values: {values: [a, \"{{ 'b' if execute else 'never' }}\"]}",
        '',
      ].join('\n'),
    });
    const first = await strata(dir, 'build');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await rows("insert into rt_src.events values (3, 'b')");
    const second = await strata(dir, 'build');
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const tests = testsOf(dir);
    const accepted = Object.keys(tests).find((n) => n.startsWith('accepted_values_events_kind'))!;
    expect(tests[accepted]).toMatchObject({ status: 'pass', failures: 0, newRows: false });
    // a plain built-in next to it still reads only the new rows
    expect(tests['not_null_events_id']).toMatchObject({ status: 'pass', newRows: true });

    // Its pass is not recorded (a plain built-in's is): it passed with the SQL rendered at run
    // time, which the compiled SQL's fingerprint does not identify, so it must never vouch for a
    // later test whose compiled SQL is the same.
    const recorded = (await rows("select unique_id from strata_meta.test_state where unique_id like 'test.rt.%' order by 1")).map((r) => String((r as { unique_id: string }).unique_id));
    expect(recorded.some((id) => id.includes('not_null_events_id'))).toBe(true);
    expect(recorded.filter((id) => id.includes('accepted_values_events_kind'))).toEqual([]);
  });
});
