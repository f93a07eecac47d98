/**
 * The SQL a data test runs on its own, as text (pure, unit-tested as strings; a fused scan's is in
 * scan-sql.ts).
 *
 * Every query wraps the test's compiled SQL the way dbt does, on lines of its own, so line k of
 * the compiled SQL is line k + 1 of the statement and an error position maps back to the user's
 * file. `limit` goes inside the wrapper, as in dbt: the failure count is min(real count, limit).
 */
import { StrataError } from '../errors/strata-error.js';
import type { TestNode } from '../manifest/types.js';

/** Rows shown per failing test (TestOutcome.failingRows). */
export const FAILING_ROWS_SHOWN = 5;

/** The compiled SQL ready to be wrapped: a trailing `;` would end the subquery early. */
function body(compiledSql: string, limit: number | undefined): string {
  const sql = compiledSql.trimEnd().replace(/;+\s*$/, '').trimEnd();
  return limit === undefined ? sql : `${sql}\nlimit ${limit}`;
}

/** dbt's default `fail_calc`: the failure count is the number of rows the test returns. */
export const DEFAULT_FAIL_CALC = 'count(*)';

/**
 * Is a test's `fail_calc` config dbt's default (unset, or `count(*)` however spaced)? Only then
 * is its failure count a count of failing rows, which fused scans and new-rows scopes compute.
 */
export function countsFailingRows(failCalc: unknown): boolean {
  return failCalc === undefined || failCalc === null || String(failCalc).replace(/\s+/g, '').toLowerCase() === DEFAULT_FAIL_CALC;
}

/**
 * `select <fail_calc> as failures from (<test>) dbt_internal_test`: dbt's failure count. Another
 * `fail_calc` (`sum(n_records)`) is an aggregate over the test's rows; NULL (a sum over no rows)
 * is no failure.
 */
export function countSql(compiledSql: string, limit?: number, failCalc = DEFAULT_FAIL_CALC): string {
  const value = failCalc === DEFAULT_FAIL_CALC ? failCalc : `coalesce(${failCalc}, 0)`;
  return `select ${value} as failures from (\n${body(compiledSql, limit)}\n) dbt_internal_test`;
}

/**
 * Columns `countAndRowsSql` adds to the test's rows (not shown). A test's own column of the first
 * name is hidden by it; one of the second name makes the statement ambiguous (an error).
 */
export const FAILURES_COLUMN = 'strata_failures__';
export const ROW_NUMBER_COLUMN = 'strata_row__';

/** Failing rows `countAndRowsSql` counts itself; a test with more is counted by countSql. */
export const ROWS_COUNTED_INLINE = 100_000;

/**
 * The failure count (default `fail_calc`) and the first failing rows in one execution of the
 * test's query, where a count and then a query for the rows would run it twice whenever it fails
 * or warns (a warning such as "names with no mapping" fails on every run):
 *
 *   select * from (select *, count(*) over () as strata_failures__, row_number() over () as strata_row__
 *                  from (select * from (<test>) dbt_internal_test limit 100001) capped) counted
 *   where strata_row__ <= 5
 *
 * No rows: no failures. Both window functions share one window over all rows, which PostgreSQL
 * buffers before the first row comes out: a passing test buffers nothing, a failing one its
 * failing rows, at most ROWS_COUNTED_INLINE + 1 of them (a count of 100,001 means "more": the
 * caller then runs countSql for the number, as before). Unbounded, 5 million failing rows took
 * 1.9 s against 0.4 s for a count, and could exceed a server's temp_file_limit. The filter is on
 * the row number, not a LIMIT over the window (under which the planner plans the test's query for
 * its first rows although the count reads them all); the cap's LIMIT plans for at most 100,001.
 */
export function countAndRowsSql(compiledSql: string, limit?: number, shown = FAILING_ROWS_SHOWN): string {
  const n = limit === undefined ? shown : Math.min(shown, limit);
  return (
    `select * from (select *, count(*) over () as ${FAILURES_COLUMN}, row_number() over () as ${ROW_NUMBER_COLUMN} from (select * from (\n` +
    `${body(compiledSql, limit)}\n) dbt_internal_test limit ${ROWS_COUNTED_INLINE + 1}) capped) counted\nwhere ${ROW_NUMBER_COLUMN} <= ${n}`
  );
}

/** The first failing rows, for the report. */
export function failingRowsSql(compiledSql: string, limit?: number, shown = FAILING_ROWS_SHOWN): string {
  const n = limit === undefined ? shown : Math.min(shown, limit);
  return `select * from (\n${body(compiledSql, limit)}\n) dbt_internal_test\nlimit ${n}`;
}

/**
 * Replaces the stored failures: one string of two statements, which PostgreSQL runs as one
 * implicit transaction (a failing `create` rolls the `drop` back, and no explicit BEGIN can be
 * left open on a pooled connection).
 */
export function storeFailuresSql(compiledSql: string, limit: number | undefined, relation: string): string {
  return `drop table if exists ${relation};\ncreate table ${relation} as\nselect * from (\n${body(compiledSql, limit)}\n) dbt_internal_test`;
}

/** A usable `fail_calc`: unset, or a non-empty string (the parse checks it too: src/project/node-config.ts). */
export function validFailCalc(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() !== '');
}

/** `fail_calc` (dbt's): an SQL aggregate over the test's rows, as a string; count(*) when unset. */
export function readFailCalc(node: TestNode): string {
  const value = node.config['fail_calc'];
  if (!validFailCalc(value)) {
    throw new StrataError('CONFIG', `invalid fail_calc ${JSON.stringify(value)} on ${node.uniqueId}: expected an SQL aggregate over the test's rows, as a string`, {
      nodeId: node.uniqueId,
      location: node.location,
      hint: "e.g. fail_calc: 'sum(n_records)' for a test returning one row per group with its count",
    });
  }
  return typeof value === 'string' ? value.trim() : DEFAULT_FAIL_CALC;
}
