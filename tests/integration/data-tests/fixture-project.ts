/**
 * A project whose data tests cover every assertion type, compiled by the real compiler (so the
 * TestNodes are exactly what a run gets), and the tables they read, created directly in the test
 * database with known bad rows. EXPECTED lists each test's exact failure count, worked out by
 * hand from the rows below (not by running the SQL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileProject, type CompiledProject } from '../../../src/api/compile.js';
import type { DbClient, QueryOptions, QueryResult, Row } from '../../../src/adapters/postgres/index.js';
import type { Manifest, TestNode } from '../../../src/manifest/types.js';
import { FAILING_ROWS_SHOWN, type TestOutcome } from '../../../src/data-tests/index.js';
import { writeProject } from '../../helpers/temp-project.js';

export const SCHEMA = 'fx';

const PROJECT_YML = `name: dt
targets:
  dev:
    type: postgres
    url: postgres://unused@127.0.0.1:1/unused
    schema: ${SCHEMA}
    threads: 1
target: dev
`;

// orders: 8 rows. ids 1,2,2,3,4,5,NULL,NULL; status placed/shipped/lost/LOST/NULL; amount has one NULL.
export const TABLES_SQL = `
create schema if not exists ${SCHEMA};
create schema if not exists raw;
create table ${SCHEMA}.orders (id int, customer_id int, status text, amount numeric, qty int, region text, sku text, paid boolean);
insert into ${SCHEMA}.orders values
  (1,    10,   'placed',  5,    1,    'eu', 'a', true),
  (2,    10,   'shipped', 0,    2,    'eu', 'a', true),
  (2,    20,   'shipped', 10,   -1,   'us', 'b', false),
  (3,    99,   'lost',    11,   3,    'us', 'b', false),
  (4,    null, 'lost',    null, null, null, null, null),
  (5,    98,   'LOST',    -1,   5,    null, null, true),
  (null, 30,   null,      7,    6,    'eu', 'a', false),
  (null, 30,   'placed',  3,    7,    'eu', 'c', true);
create table ${SCHEMA}.customers (id int);
insert into ${SCHEMA}.customers values (10), (20), (30);
create table ${SCHEMA}.empty_orders (id int, amount numeric);
create table raw.events (id int, kind text);
insert into raw.events values (1, 'a'), (1, 'b'), (2, 'a'), (null, 'a');
`;

const ORDERS_TESTS = `
models:
  - name: customers
  - name: empty_orders
    columns:
      - name: id
        tests:
          - unique: {name: empty_unique}
          - not_null: {name: empty_not_null}
      - name: amount
        tests:
          - not_null_proportion: {name: empty_proportion, at_least: 0.5}
    tests:
      - not_empty: {name: empty_not_empty}
      - row_count: {name: empty_row_count, min: 1}
  - name: orders
    tests:
      - unique_combination_of_columns: {name: combo_region_sku, combination_of_columns: [region, sku]}
      - unique_combination_of_columns: {name: combo_id_status, combination_of_columns: [id, status]}
      - expression_is_true: {name: expr_model_fail, expression: "coalesce(amount, 0) < 11"}
      - expression_is_true: {name: expr_model_pass, expression: "coalesce(amount, 0) < 12"}
      - not_empty: {name: orders_not_empty}
      - row_count: {name: row_count_fail, min: 1, max: 5}
      - row_count: {name: row_count_pass, min: 1, max: 10}
    columns:
      - name: id
        tests:
          - unique: {name: unique_id}
          - not_null: {name: not_null_id}
      - name: customer_id
        tests:
          - not_null: {name: not_null_customer}
          - relationships: {name: rel_customer, to: "ref('customers')", field: id}
      - name: status
        tests:
          - accepted_values: {name: av_fail, values: [placed, shipped]}
          - accepted_values: {name: av_pass, values: [placed, shipped, lost, LOST]}
      - name: qty
        tests:
          - accepted_values: {name: av_quoted_numbers, values: [1, 2]}
          - expression_is_true: {name: expr_col_fail, expression: ">= 0"}
          - expression_is_true: {name: expr_col_pass, expression: ">= -1"}
      - name: paid
        tests:
          - accepted_values: {name: av_unquoted_bool, values: [true], quote: false}
      - name: amount
        tests:
          - accepted_range: {name: range_inclusive, min_value: 0, max_value: 10}
          - accepted_range: {name: range_exclusive, min_value: 0, max_value: 10, inclusive: false}
          - accepted_range: {name: range_min_only_pass, min_value: -1}
          - not_null_proportion: {name: proportion_fail, at_least: 0.9}
          - not_null_proportion: {name: proportion_pass, at_least: 0.8}
          - is_positive: {name: custom_positive}
sources:
  - name: raw
    schema: raw
    tables:
      - name: events
        columns:
          - name: id
            tests:
              - unique: {name: source_unique_events}
              - not_null: {name: source_not_null_events}
`;

export const FILES: Record<string, string> = {
  'project.yml': PROJECT_YML,
  'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/customers.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/empty_orders.sql': "{{ config(materialized='table') }}\nselect 1 as id",
  'models/schema.yml': `version: 2\n${ORDERS_TESTS}`,
  'macros/is_positive.sql': '{% test is_positive(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n',
  'tests/big_amounts.sql': "select * from {{ ref('orders') }} where amount > 10\n",
  'tests/no_lost.sql': "select id, status from {{ ref('orders') }} where status = 'lost';\n",
};

/** test name → exact failure count (and which ones the fused scan may compute). */
export const EXPECTED: Record<string, number> = {
  // unique(id): only 2 is duplicated; the two NULL ids are ignored.
  unique_id: 1,
  not_null_id: 2,
  not_null_customer: 1,
  // customer 99 and 98 are missing from customers; the NULL customer is ignored.
  rel_customer: 2,
  // distinct failing values: lost, LOST (3 rows; NULL ignored).
  av_fail: 2,
  av_pass: 0,
  // quoted '1','2' compare as ints: failing -1, 3, 5, 6, 7 (NULL ignored).
  av_quoted_numbers: 5,
  // unquoted `true`: failing value false (3 rows).
  av_unquoted_bool: 1,
  // inclusive 0..10: 11 and -1 fail; NULL ignored.
  range_inclusive: 2,
  // exclusive: 0, 10, 11, -1.
  range_exclusive: 4,
  range_min_only_pass: 0,
  // qty >= 0: only -1 fails; NULL is not counted.
  expr_col_fail: 1,
  expr_col_pass: 0,
  expr_model_fail: 1,
  expr_model_pass: 0,
  // (eu,a) x3, (us,b) x2, (NULL,NULL) x2; (eu,c) once.
  combo_region_sku: 3,
  // (2, shipped) x2 only; (NULL,NULL) once, (NULL,placed) once.
  combo_id_status: 1,
  // 7 of 8 amounts are not null: 0.875.
  proportion_fail: 1,
  proportion_pass: 0,
  orders_not_empty: 0,
  row_count_fail: 1,
  row_count_pass: 0,
  // amount <= 0: 0 and -1.
  custom_positive: 2,
  empty_unique: 0,
  empty_not_null: 0,
  // no rows: the proportion is NULL, which fails nothing.
  empty_proportion: 0,
  empty_not_empty: 1,
  empty_row_count: 1,
  // 1 is duplicated; NULL ignored.
  source_unique_events: 1,
  source_not_null_events: 1,
  // singular: amount 11.
  big_amounts: 1,
  // singular (trailing `;` tolerated): ids 3 and 4.
  no_lost: 2,
};

export interface Fixture {
  project: CompiledProject;
  dir: string;
  cleanup(): void;
}

/** Writes `files` to a temp folder and compiles it (no database needed). */
export function compileFixture(files: Record<string, string> = FILES): Fixture {
  const dir = writeProject(files, mkdtempSync(join(tmpdir(), 'strata-dt-')));
  let project: CompiledProject;
  try {
    project = compileProject({ projectDir: dir });
  } catch (e) {
    const errors = (e as { errors?: Error[] }).errors ?? [e as Error];
    throw new Error(`fixture does not compile: ${errors.map((x) => x.message).join('; ')}`);
  }
  return { project, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testByName(project: CompiledProject, name: string): TestNode {
  const node = Object.values(project.manifest.nodes).find((n): n is TestNode => n.resourceType === 'test' && n.name === name);
  if (!node) throw new Error(`no test named ${name}`);
  return node;
}

export function allTestIds(project: CompiledProject): string[] {
  return Object.values(project.manifest.nodes).filter((n) => n.resourceType === 'test').map((n) => n.uniqueId);
}

/** Whether a recorded statement is a fused scan (possibly after the line raising work_mem). */
export function isScan(sql: string): boolean {
  return /(^|;\n)select\n {2}\S/.test(sql);
}

/** A test's own query: its failure count and first failing rows (test-sql.ts, countAndRowsSql), or a `fail_calc` alone. */
export function isOwnQuery(sql: string): boolean {
  return sql.startsWith('select * from (select *, count(*) over () as strata_failures__') || sql.startsWith('select count(*) as failures');
}

/** A query for a failing test's first rows alone (its count came from a scan). */
export function isRowsQuery(sql: string): boolean {
  return sql.startsWith('select * from (\n');
}

/** A DbClient that records every statement it passes on. */
export function recording(client: DbClient): DbClient & { sql: string[] } {
  const sql: string[] = [];
  return {
    sql,
    query<R = Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      sql.push(text);
      return client.query<R>(text, params, options);
    },
  };
}

/**
 * An outcome as two runs of the same test must agree on it: the time aside, and the failing rows
 * shown as what they are, at most FAILING_ROWS_SHOWN of the failing rows in no particular order
 * (a parallel scan returns them in any order, and when more rows fail, any of them). When every
 * failing row is shown (fewer than the test's `limit`, if it has one, and at most that many), they
 * are compared as a set; else how many were shown, and shownRowsFail() checks that each of them
 * is one of the test's failing rows.
 */
export function comparable(o: TestOutcome, manifest: Manifest): unknown {
  const { seconds: _seconds, failingRows, ...rest } = o;
  if (!failingRows) return rest;
  return {
    ...rest,
    failingRows: { columns: failingRows.columns, rows: allShown(o, manifest) ? failingRows.rows.map((r) => JSON.stringify(r)).sort() : failingRows.rows.length },
  };
}

/** comparable() of each outcome, by test name. */
export function comparableAll(outcomes: Map<string, TestOutcome>, manifest: Manifest): Record<string, unknown> {
  return Object.fromEntries([...outcomes].map(([name, o]) => [name, comparable(o, manifest)]));
}

function testLimit(o: TestOutcome, manifest: Manifest): number | undefined {
  const limit = (manifest.nodes[o.uniqueId] as TestNode | undefined)?.config.limit;
  return typeof limit === 'number' ? limit : undefined;
}

/** Every failing row is among those shown: the failure count is below the limit and within what is shown. */
function allShown(o: TestOutcome, manifest: Manifest): boolean {
  const failures = o.failures ?? Infinity;
  const limit = testLimit(o, manifest);
  return failures <= FAILING_ROWS_SHOWN && (limit === undefined || failures < limit);
}

/**
 * The shown rows of each outcome that does not show every failing row are rows the test's own
 * query returns (its compiled SQL without a limit): returns the outcomes where one is not.
 */
export async function shownRowsNotFailing(db: DbClient, outcomes: Iterable<TestOutcome>, manifest: Manifest): Promise<string[]> {
  const wrong: string[] = [];
  for (const o of outcomes) {
    if (!o.failingRows || allShown(o, manifest)) continue;
    const sql = (manifest.nodes[o.uniqueId] as TestNode).compiledCode!.trimEnd().replace(/;+\s*$/, '');
    const failing = new Set((await db.query(`select * from (\n${sql}\n) t`)).rows.map((r) => JSON.stringify(r)));
    if (o.failingRows.rows.some((r) => !failing.has(JSON.stringify(r)))) wrong.push(o.name);
  }
  return wrong;
}
