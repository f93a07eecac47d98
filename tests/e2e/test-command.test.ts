/**
 * `strata test` and tests inside `strata build`, as a CI pipeline uses them: verdicts, exit codes,
 * failing rows in the output, JUnit XML, and build skipping what depends on a failing model.
 */
import { readFileSync, writeFileSync } from 'node:fs';
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

const files = {
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
  'seeds/raw_orders.csv': 'id,status,amount\n1,placed,10\n2,shipped,20\n2,shipped,20\n3,lost,5\n4,,7\n',
  'models/orders.sql': "select * from {{ ref('raw_orders') }}",
  'models/order_report.sql': "select status, count(*) as n from {{ ref('orders') }} group by status",
  'models/amounts.sql': "select sum(amount) as total from {{ ref('raw_orders') }}",
  'models/props.yml': [
    'version: 2',
    'models:',
    '  - name: orders',
    '    columns:',
    '      - name: id',
    '        data_tests: [unique, not_null]',
    '      - name: status',
    '        data_tests:',
    '          - accepted_values:',
    '              values: [placed, shipped]',
    '              config: {severity: warn}',
    '  - name: amounts',
    '    columns:',
    '      - name: total',
    '        data_tests: [not_null]',
    'unit_tests:',
    '  - name: report_counts_by_status',
    '    model: order_report',
    '    given:',
    "      - input: ref('orders')",
    '        rows:',
    '          - {id: 1, status: a}',
    '          - {id: 2, status: a}',
    '    expect:',
    '      rows:',
    '        - {status: a, n: 2}',
    '',
  ].join('\n'),
  'tests/no_big_orders.sql': "select * from {{ ref('orders') }} where amount > 100",
};

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

describe('strata build with tests', () => {
  it('a failing error-severity test skips the model’s descendants; warnings do not; exit 1', async () => {
    const dir = writeProject(files);
    const run = await strata(dir, 'build');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL test unique_orders_id \.+ \[FAIL 1 in/);
    expect(run.stdout).toMatch(/PASS test not_null_orders_id/);
    expect(run.stdout).toMatch(/WARN test accepted_values_orders_status__placed__shipped \.+ \[WARN 1 in/);
    expect(run.stdout).toMatch(/PASS unit test report_counts_by_status/);
    expect(run.stdout).toMatch(/SKIP view model qa\.order_report/);
    expect(run.stdout).toMatch(/OK view model qa\.amounts/);
    expect(run.stdout).toContain('Failure in test unique_orders_id');
    expect(run.stdout).toMatch(/unique_field\s*\|\s*n_records/);
  });

  it('strata test exits 0 when only warnings fail, and writes JUnit XML', async () => {
    const dir = writeProject({ ...files, 'seeds/raw_orders.csv': 'id,status,amount\n1,placed,10\n2,shipped,20\n3,lost,5\n' });
    expect((await strata(dir, 'build')).code).toBe(0);
    const run = await strata(dir, 'test', '--output', `junit:${join(dir, 'target/junit.xml')}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS=\d+ WARN=1 ERROR=0/);
    const xml = readFileSync(join(dir, 'target/junit.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites[^>]* tests="6"/);
    expect(xml).toContain('accepted_values_orders_status__placed__shipped');
  });

  it('-s selects a model’s tests, test_type:unit only the unit tests, --exclude drops a tag', async () => {
    const dir = writeProject({ ...files, 'seeds/raw_orders.csv': 'id,status,amount\n1,placed,10\n' });
    expect((await strata(dir, 'build')).code).toBe(0);
    const unit = await strata(dir, 'test', '-s', 'test_type:unit');
    expect(unit.stdout).toMatch(/PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1/);
    const amounts = await strata(dir, 'test', '-s', 'amounts');
    expect(amounts.stdout).toMatch(/PASS test not_null_amounts_total/);
    expect(amounts.stdout).toMatch(/TOTAL=1\b/);
  });

  it('a broken singular test is an ERROR with its SQL path, and exits 1', async () => {
    const dir = writeProject(files);
    expect((await strata(dir, 'seed')).code).toBe(0);
    expect((await strata(dir, 'run')).code).toBe(0);
    writeFileSync(join(dir, 'tests/no_big_orders.sql'), "select * from {{ ref('orders') }} where amont > 100");
    const run = await strata(dir, 'test', '-s', 'no_big_orders');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ERROR test no_big_orders/);
    expect(run.stdout).toContain('amont');
  });
});
