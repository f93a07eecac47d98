/**
 * dbt's `fail_calc`: the expression over the test's rows that is its failure count (default
 * `count(*)`). A test returning one row per group with a count column says `sum(n_records)`, and
 * its warn_if / error_if thresholds apply to that sum, not to the number of groups.
 */
import { describe, expect, it } from 'vitest';
import { cleanupProjects, cli, writeProject } from '../helpers/temp-project.js';
import { useTestDatabase } from '../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

describe('fail_calc', () => {
  it('is the failure count of singular and generic tests, with its thresholds; a non-default one is never fused', async () => {
    const dir = writeProject({
      'project.yml': [
        'name: fc',
        'targets:',
        '  test:',
        "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
        '    schema: fc',
        '',
      ].join('\n'),
      'seeds/orders.csv': 'id,region\n1,eu\n2,eu\n3,eu\n4,us\n5,us\n6,\n',
      'models/props.yml': [
        'version: 2',
        'seeds:',
        '  - name: orders',
        '    columns:',
        '      - name: region',
        '        data_tests:',
        '          - not_null:',
        // one NULL region: with this fail_calc the count is 0, so the test passes
        "              config: {fail_calc: 'count(*) - 1'}",
        '          - not_null:',
        '              name: region_not_null_plain',
        '',
      ].join('\n'),
      // 2 groups, 5 rows: warn above 3 rows, error above 10, both on sum(n_records).
      'tests/regions_too_big.sql': [
        "{{ config(fail_calc='sum(n_records)', warn_if='>3', error_if='>10') }}",
        "select region, count(*) as n_records from {{ ref('orders') }} where region is not null group by region",
      ].join('\n'),
      'tests/nothing_returned.sql': "{{ config(fail_calc='sum(n_records)') }}\nselect 1 as n_records where false",
    });
    expect((await strata(dir, 'seed')).code).toBe(0);
    const run = await strata(dir, 'test');
    expect(run.stdout).toMatch(/WARN test regions_too_big \.+ \[WARN 5 in/);
    expect(run.stdout).toMatch(/PASS test not_null_orders_region/);
    expect(run.stdout).toMatch(/FAIL test region_not_null_plain \.+ \[FAIL 1 in/);
    // No row: sum() is NULL, which counts as no failure.
    expect(run.stdout).toMatch(/PASS test nothing_returned/);
    expect(run.code).toBe(1);
  });

  it('a fail_calc that is not a string is a parse error naming the test', async () => {
    const dir = writeProject({
      'project.yml': ['name: fc2', 'targets:', '  test:', "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"", '    schema: fc2', ''].join('\n'),
      'models/a.sql': 'select 1 as id',
      'tests/t.sql': "{{ config(fail_calc=3) }}\nselect * from {{ ref('a') }} where false",
    });
    const run = await strata(dir, 'build');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/tests\/t\.sql:1:\d+: CONFIG fail_calc must be an SQL aggregate/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });
});
