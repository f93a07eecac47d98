/**
 * dbt 1.8 unit tests against a real PostgreSQL: the model runs on given rows (temp tables in a
 * rolled-back transaction) and its result is compared with the expected rows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { compileProject, type CompiledProject } from '../../../src/api/compile.js';
import { runUnitTest } from '../../../src/data-tests/unit/index.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import type { UnitTestNode } from '../../../src/manifest/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { writeProject } from '../../helpers/temp-project.js';
import { rmSync } from 'node:fs';

const testDb = useTestDatabase();
let db: Database;
let project: CompiledProject;
let projectDir: string;

const FILES: Record<string, string> = {
  'project.yml': 'name: proj\n',
  'macros/days.sql': "{% macro today() %}current_date{% endmacro %}\n",
  'models/sources.yml': [
    'sources:',
    '  - name: raw',
    '    schema: raw',
    '    tables: [{name: orders}, {name: customers}, {name: events}, {name: payments}]',
    '',
  ].join('\n'),
  'models/stg_orders.sql': [
    "{{ config(materialized='ephemeral') }}",
    "select id, customer_id, amount, lower(status) as status from {{ source('raw', 'orders') }}",
    '',
  ].join('\n'),
  'models/customers.sql': "select id, name from {{ source('raw', 'customers') }}\n",
  'models/orders.sql': [
    "select o.id, c.name as customer_name, o.amount * {{ var('fx_rate', 1) }} as amount",
    "from {{ ref('stg_orders') }} o",
    "left join {{ ref('customers') }} c on c.id = o.customer_id",
    "where o.status is distinct from 'cancelled'",
    '',
  ].join('\n'),
  'models/events.sql': "select * from {{ source('raw', 'events') }}\n",
  'models/events_inc.sql': [
    "{{ config(materialized='incremental', unique_key='id') }}",
    "select id, kind, occurred_at from {{ ref('events') }}",
    '{% if is_incremental() %}',
    "where occurred_at > (select coalesce(max(occurred_at), '1900-01-01') from {{ this }})",
    '{% endif %}',
    '',
  ].join('\n'),
  'models/typed.sql': [
    'select p.*, pg_typeof(p.amount)::text as amount_type, pg_typeof(p.status)::text as status_type',
    "from {{ source('raw', 'payments') }} p",
    '',
  ].join('\n'),
  'models/broken.sql': "select id, no_such_column from {{ ref('customers') }}\n",
  'models/settings.sql': [
    "select '{{ env_var('REGION', 'eu') }}' as region, {{ today() }} as day, id from {{ ref('customers') }}",
    '',
  ].join('\n'),
  'models/via_staging.sql': "{{ config(materialized='ephemeral') }}\nselect id, upper(name) as name from {{ ref('customers') }}\n",
  'models/deep.sql': "select s.name, o.amount from {{ ref('via_staging') }} s join {{ ref('stg_orders') }} o on o.customer_id = s.id\n",
  'models/customers.yml': [
    'models:',
    '  - name: customers',
    '    columns:',
    '      - {name: id, data_type: integer}',
    '      - {name: name, data_type: text}',
    '',
  ].join('\n'),
  'models/lookup.sql': "select o.id from {{ source('raw', 'orders') }} o join {{ source('raw', 'customers') }} c on c.id = o.customer_id\n",
  'tests/fixtures/customer_rows.csv': 'id,name\n10,Ann\n11,Bob\n',
  'models/unit_tests.yml': `
unit_tests:
  - name: orders_pass
    model: orders
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 10, amount: 5, status: paid}
          - {id: 2, customer_id: 11, amount: 7.5, status: cancelled}
          - {id: 3, customer_id: 12, amount: 1, status: paid}
      - input: ref('customers')
        rows:
          - {id: 10, name: Ann}
          - {id: 11, name: Bob}
    expect:
      rows:
        - {id: 3, customer_name: null, amount: 1.0}
        - {id: 1, customer_name: Ann, amount: '5'}

  - name: orders_fail
    model: orders
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 10, amount: 5, status: paid}
          - {id: 2, customer_id: 11, amount: 7.5, status: cancelled}
          - {id: 3, customer_id: 12, amount: 1, status: paid}
      - input: ref('customers')
        rows:
          - {id: 10, name: Ann}
    expect:
      rows:
        - {id: 1, customer_name: Ann, amount: 6}
        - {id: 3, customer_name: null, amount: 1}
        - {id: 4, customer_name: Dan, amount: 2}

  - name: orders_csv
    model: orders
    given:
      - input: ref('stg_orders')
        format: csv
        rows: |
          id,customer_id,amount,status
          1,10,5.50,paid
          2,11,3,
          3,11,7,cancelled
      - input: ref('customers')
        format: csv
        fixture: customer_rows
    expect:
      format: csv
      rows: |
        id,customer_name,amount
        1,Ann,5.5
        2,Bob,3.00

  - name: orders_vars
    model: orders
    overrides:
      vars: {fx_rate: 2}
    given:
      - input: ref('stg_orders')
        rows: [{id: 1, customer_id: 10, amount: 5, status: paid}]
      - input: ref('customers')
        rows: []
    expect:
      rows: [{id: 1, amount: 10}]

  - name: orders_from_raw
    model: orders
    given:
      - input: source('raw', 'orders')
        rows:
          - {id: 1, customer_id: 10, amount: 5, status: PAID}
          - {id: 2, customer_id: 10, amount: 6, status: CANCELLED}
      - input: ref('customers')
        rows: [{id: 10, name: Ann}]
    expect:
      rows: [{id: 1, customer_name: Ann, amount: 5}]

  - name: orders_missing_raw
    model: orders
    given:
      - input: ref('customers')
        rows: []
    expect:
      rows: []

  - name: orders_missing_customers
    model: orders
    given:
      - input: ref('stg_orders')
        rows: []
    expect:
      rows: []

  - name: events_incremental
    model: events_inc
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('events')
        rows:
          - {id: 1, kind: a, occurred_at: '2024-01-01 10:00:00'}
          - {id: 2, kind: b, occurred_at: '2024-01-02 10:00:00'}
          - {id: 3, kind: c, occurred_at: '2024-01-03 10:00:00'}
      - input: this
        rows:
          - {id: 1, kind: a, occurred_at: '2024-01-01 10:00:00'}
          - {id: 2, kind: b, occurred_at: '2024-01-02 10:00:00'}
    expect:
      rows:
        - {id: 3, kind: c, occurred_at: '2024-01-03T10:00:00'}

  - name: events_full
    model: events_inc
    overrides:
      macros: {is_incremental: false}
    given:
      - input: ref('events')
        rows:
          - {id: 1, kind: a, occurred_at: '2024-01-01 10:00:00'}
          - {id: 3, kind: c, occurred_at: '2024-01-03 10:00:00'}
    expect:
      rows:
        - {id: 1}
        - {id: 3}

  - name: events_incremental_without_this
    model: events_inc
    overrides:
      macros: {is_incremental: true}
    given:
      - input: ref('events')
        rows: []
    expect:
      rows: []

  - name: typed_from_database
    model: typed
    given:
      - input: source('raw', 'payments')
        rows:
          - {id: 1, amount: 5, status: '42'}
    expect:
      rows:
        - {id: 1, amount: 5.00, status: '42', note: null, amount_type: numeric, status_type: character varying}

  - name: broken_sql
    model: broken
    given:
      - input: ref('customers')
        rows: [{id: 1}]
    expect:
      rows: []

  - name: sql_format
    model: customers
    given:
      - input: source('raw', 'customers')
        format: sql
        rows: "select 1 as id, 'Ann'::text as name union all select 2, 'Bob'"
    expect:
      format: sql
      rows: "select 2 as id, 'Bob' as name union all select 1, 'Ann'"

  - name: settings_overrides
    model: settings
    overrides:
      env_vars: {REGION: us}
      macros: {today: "'2024-02-29'::date"}
    given:
      - input: ref('customers')
        rows: [{id: 7}]
    expect:
      rows: [{region: us, day: '2024-02-29', id: 7}]

  - name: deep_ephemerals
    model: deep
    given:
      - input: ref('customers')
        rows: [{id: 10, name: ann}]
      - input: ref('stg_orders')
        rows: [{id: 1, customer_id: 10, amount: 3}]
    expect:
      rows: [{name: ANN, amount: 3}]

  - name: lookup_untyped
    model: lookup
    given:
      - input: source('raw', 'orders')
        rows: [{id: 1, customer_id: 10}]
      - input: source('raw', 'customers')
        format: csv
        rows: "id,name"
    expect:
      rows: []

  - name: bad_given
    model: customers
    given:
      - input: source('raw', 'customers')
        rows: "id,name"
    expect:
      rows: []

  - name: unknown_expected_column
    model: customers
    given:
      - input: source('raw', 'customers')
        rows: [{id: 1, name: a}]
    expect:
      rows: [{id: 1, nam: a}]
`,
};

const opts = () => ({ projectDir, targetDir: project.targetDir });

function unitTest(name: string): UnitTestNode {
  const node = Object.values(project.manifest.nodes).find((n): n is UnitTestNode => n.resourceType === 'unit_test' && n.name === name);
  if (!node) throw new Error(`no unit test ${name}`);
  return node;
}

async function run(name: string): Promise<TestOutcome> {
  return runUnitTest(db, project, unitTest(name), opts());
}

async function tempRelations(): Promise<number> {
  const res = await db.query<{ n: number }>(
    `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname like 'pg_temp%' or c.relname like '__strata_given%'`,
  );
  return res.rows[0]!.n;
}

beforeAll(async () => {
  db = createPool(testDb.target(), { max: 4 });
  // Only raw.payments exists: its column types must be used for the given rows.
  await db.query('create schema raw; create table raw.payments (id int, amount numeric(10,2), status varchar(10), note text)');
  projectDir = writeProject(FILES);
  project = compileProject({ projectDir });
});

afterAll(async () => {
  await db?.close();
  if (projectDir) rmSync(projectDir, { recursive: true, force: true });
});

describe('unit tests', () => {
  it('passes: ephemeral parent given, only expected columns compared, values normalised, order ignored', async () => {
    const o = await run('orders_pass');
    expect(o).toMatchObject({ status: 'pass', failures: 0, message: 'pass', testType: 'unit', uniqueId: 'unit_test.proj.orders.orders_pass', severity: 'error' });
    expect(o.sqlPath).toBe('target/run/models/unit_tests.yml/orders/orders_pass.sql');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    // The given ephemeral parent replaces it: its SQL is not inlined.
    expect(sql).not.toContain('__strata_cte__stg_orders');
    expect(sql).toContain('create temp table "__strata_given_1_stg_orders" ("id" integer, "customer_id" integer, "amount" numeric, "status" text)');
    expect(sql).toContain('from "pg_temp"."__strata_given_1_stg_orders" o');
  });

  it('fails with a readable diff of expected vs actual rows', async () => {
    const o = await run('orders_fail');
    expect(o.status).toBe('fail');
    expect(o.failures).toBe(3);
    expect(o.message).toBe('expected 3 rows, got 2: 1 matched, 2 missing (-), 1 unexpected (+)');
    expect(o.diff).toBe([
      'expected 3 rows, got 2: 1 matched, 2 missing (-), 1 unexpected (+)',
      '  id | customer_name | amount',
      '- 1  | Ann           | 6',
      '+ 1  | Ann           | 5',
      '- 4  | Dan           | 2',
    ].join('\n'));
    expect(o.failingRows).toEqual({
      columns: ['diff', 'id', 'customer_name', 'amount'],
      rows: [
        { diff: '-', id: '1', customer_name: 'Ann', amount: '6' },
        { diff: '+', id: '1', customer_name: 'Ann', amount: '5' },
        { diff: '-', id: '4', customer_name: 'Dan', amount: '2' },
      ],
    });
  });

  it('format: csv inputs (inline and fixture file) and expectations', async () => {
    const o = await run('orders_csv');
    expect(o.message).toBe('pass');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    expect(sql).toContain('("id" integer, "customer_id" integer, "amount" numeric, "status" text)');
    expect(sql).toContain("('2', '11', '3', null)");
  });

  it('overrides.vars change the result', async () => {
    expect((await run('orders_vars')).status).toBe('pass');
    // Without the override the same rows give amount 5: the same expectation fails.
    const node = { ...unitTest('orders_vars'), overrides: {} };
    const o = await runUnitTest(db, project, node, opts());
    expect(o.status).toBe('fail');
    expect(o.diff).toContain('- 1  | 10');
    expect(o.diff).toContain('+ 1  | 5');
  });

  it('an ephemeral parent not given is inlined when its own inputs are given', async () => {
    const o = await run('orders_from_raw');
    expect(o.status).toBe('pass');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    expect(sql).toContain('with "__strata_cte__stg_orders" as (');
    expect(sql).toContain('from "pg_temp"."__strata_given_1_raw_orders"');
  });

  it('ephemeral parents nested and side by side (one given, one inlined)', async () => {
    const o = await run('deep_ephemerals');
    expect(o.status).toBe('pass');
  });

  it('an input the model reads but the test does not give is a clear error', async () => {
    const viaEphemeral = await run('orders_missing_raw');
    expect(viaEphemeral.status).toBe('error');
    expect(viaEphemeral.failures).toBeUndefined();
    expect(viaEphemeral.message).toBe(
      "unit test orders_missing_raw (model orders, models/unit_tests.yml): model orders reads source('raw', 'orders'), through its ephemeral parent stg_orders, which is not given",
    );
    expect(viaEphemeral.error?.hint).toContain("give ref('stg_orders') instead");
    expect(viaEphemeral.error?.location?.file).toBe('models/unit_tests.yml');
    expect(viaEphemeral.error?.code).toBe('TEST');

    const direct = await run('orders_missing_customers');
    expect(direct.message).toBe("unit test orders_missing_customers (model orders, models/unit_tests.yml): model orders reads ref('customers'), which is not given");
    expect(direct.error?.hint).toContain("add `- input: ref('customers')` under given");
    expect(direct.sqlPath).toBeUndefined();
  });

  it('incremental model: is_incremental overridden to true reads the given `this`', async () => {
    const o = await run('events_incremental');
    expect(o.status).toBe('pass');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    expect(sql).toContain('from "pg_temp"."__strata_given_2_this"');
    expect(sql).toContain('"occurred_at" timestamp without time zone');
  });

  it('incremental model: is_incremental false renders the full query (no `this` needed)', async () => {
    const o = await run('events_full');
    expect(o.status).toBe('pass');
    expect(readFileSync(join(projectDir, o.sqlPath!), 'utf8')).not.toContain('coalesce(max(occurred_at)');
  });

  it('incremental model: is_incremental true without a given `this` is an error', async () => {
    const o = await run('events_incremental_without_this');
    expect(o.status).toBe('error');
    expect(o.message).toBe(
      'unit test events_incremental_without_this (model events_inc, models/unit_tests.yml): model events_inc reads {{ this }} (is_incremental() is true), which is not given',
    );
    expect(o.error?.hint).toContain('`- input: this`');
  });

  it('declared data_type in a property file types a given input without rows', async () => {
    const o = await run('orders_vars');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    expect(sql).toContain('create temp table "__strata_given_2_customers" ("id" integer, "name" text)');
  });

  it('the input relation existing in the database gives the column types (and its other columns, as NULL)', async () => {
    const o = await run('typed_from_database');
    expect(o.status).toBe('pass');
    const sql = readFileSync(join(projectDir, o.sqlPath!), 'utf8');
    expect(sql).toContain('("id" integer, "amount" numeric(10,2), "status" character varying(10), "note" text)');
  });

  it('an SQL error in the model is an error naming the unit test, the model and the file, located in target/run', async () => {
    const o = await run('broken_sql');
    expect(o.status).toBe('error');
    expect(o.message).toBe(
      'unit test broken_sql (model broken, models/unit_tests.yml): the model\'s query failed: column "no_such_column" does not exist',
    );
    expect(o.sqlPath).toBe('target/run/models/unit_tests.yml/broken/broken_sql.sql');
    const lines = readFileSync(join(projectDir, o.sqlPath!), 'utf8').split('\n');
    expect(o.error?.location?.file).toBe(o.sqlPath);
    expect(lines[o.error!.location!.line - 1]).toContain('no_such_column');
  });

  it('a query failing on columns created as text for lack of values says so in its hint', async () => {
    const o = await run('lookup_untyped');
    expect(o.status).toBe('error');
    expect(o.message).toContain('operator does not exist: text = integer');
    expect(o.error?.hint).toContain("some given columns have no value and no known type (created as text): source('raw', 'customers').id, source('raw', 'customers').name");
  });

  it('format: sql inputs and expectations', async () => {
    expect((await run('sql_format')).status).toBe('pass');
  });

  it('overrides.env_vars and overrides.macros', async () => {
    expect(await run('settings_overrides')).toMatchObject({ status: 'pass' });
  });

  it('a badly formatted given and an unknown expected column are errors', async () => {
    const bad = await run('bad_given');
    expect(bad.message).toBe("unit test bad_given (model customers, models/unit_tests.yml): given source('raw', 'customers'): rows must be a list of mappings (format: dict), got a string");
    expect(bad.error?.hint).toContain('format: csv');
    const unknown = await run('unknown_expected_column');
    expect(unknown.status).toBe('error');
    expect(unknown.message).toContain('expect names a column the model does not return: nam (it returns id, name)');
  });

  it('severity warn turns a failure into a warning', async () => {
    const node = unitTest('orders_fail');
    const o = await runUnitTest(db, project, { ...node, config: { ...node.config, severity: 'warn' } }, opts());
    expect(o).toMatchObject({ status: 'warn', severity: 'warn', failures: 3 });
  });

  it('leaves nothing behind, even when run in parallel', async () => {
    const names = ['orders_pass', 'orders_fail', 'orders_csv', 'events_incremental', 'typed_from_database', 'broken_sql', 'sql_format', 'orders_from_raw'];
    const outcomes = await Promise.all([...names, ...names].map((n) => run(n)));
    expect(outcomes.map((o) => o.status)).toEqual([...names, ...names].map((n) => (n === 'orders_fail' ? 'fail' : n === 'broken_sql' ? 'error' : 'pass')));
    expect(await tempRelations()).toBe(0);
    const tables = await db.query<{ n: number }>("select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'raw')");
    expect(tables.rows[0]!.n).toBe(1); // raw.payments
    expect(existsSync(join(projectDir, 'target/run/models/unit_tests.yml/orders/orders_pass.sql'))).toBe(true);
  });
});
