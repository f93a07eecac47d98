/**
 * Data tests whose template read `execute` (or `run_query`, `run_started_at`, `invocation_id`,
 * `modules`) are rendered again when they run, as dbt renders a test at execution time: `execute`
 * true, `run_query()` on the run's database, the run's invocation values. Their compiled SQL was
 * rendered with `execute` false and no database, so running it would give the verdict of a
 * different query. The same holds for a test that inlines an ephemeral model reading `execute`:
 * its compiled SQL runs with that model's run-time rendering as its CTE (runtimeSqlOf, as for
 * models).
 */
import { renderTestInContext, runtimeSqlOf } from '../compile/compile-sql.js';
import type { TestNode } from '../manifest/types.js';
import type { RunContext } from './run-context.js';

/**
 * For runTestGroup's `runtimeSql`: a test's SQL rendered now, or undefined when its compiled SQL
 * is the one to run. Throws when the render fails (runTestGroup makes that the test's error).
 */
export function testRuntimeSql(rc: RunContext): (test: TestNode) => string | undefined {
  const { ctx, manifest } = rc.project;
  const options = { runQuery: (sql: string) => rc.syncQuery().query(sql) };
  return (test) => runtimeSqlOf(ctx, manifest, test, options)?.(test.compiledCode ?? '', () => renderTestInContext(ctx, manifest, test, options));
}
