/**
 * The SQL a data test runs on its own, as text (pure, unit-tested as strings; a fused scan's is in
 * scan-sql.ts).
 *
 * Every query wraps the test's compiled SQL the way dbt does, on lines of its own, so line k of
 * the compiled SQL is line k + 1 of the statement and an error position maps back to the user's
 * file. `limit` goes inside the wrapper, as in dbt: the failure count is min(real count, limit).
 */
/** Rows shown per failing test (TestOutcome.failingRows). */
export const FAILING_ROWS_SHOWN = 5;

/** The compiled SQL ready to be wrapped: a trailing `;` would end the subquery early. */
function body(compiledSql: string, limit: number | undefined): string {
  const sql = compiledSql.trimEnd().replace(/;+\s*$/, '').trimEnd();
  return limit === undefined ? sql : `${sql}\nlimit ${limit}`;
}

/** `select count(*) as failures from (<test>) dbt_internal_test`: dbt's failure count. */
export function countSql(compiledSql: string, limit?: number): string {
  return `select count(*) as failures from (\n${body(compiledSql, limit)}\n) dbt_internal_test`;
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
