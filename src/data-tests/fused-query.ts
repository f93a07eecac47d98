/**
 * Runs one test group (types.ts): the failure count of every test, its verdict, its first
 * failing rows when it did not pass, and its stored failures when configured.
 *
 * dbt runs one query per test. With `fuse`, the built-in column tests of a model are computed
 * together, in one statement per model (fusable.ts and distinct-keys.ts explain the aggregates
 * and why they are exact, scan-sql.ts the statement; README.md has the measurements):
 *
 *   select count(*) filter (where r0) as t0,           -- not_null: exact
 *          count(*) filter (where r1) as t1,           -- accepted_values: 0 ⇔ pass
 *          max(d0) as t2                               -- unique: 0 ⇔ pass
 *   from (select ("id" is null) as r0, ("status" not in ('a', 'b')) as r1, null::bigint as d0
 *         from "analytics"."orders"
 *         union all
 *         select null, null, count("id") - count(distinct "id") from "analytics"."orders") fused_scan
 *
 * Then, per test, only what the scans could not settle: the exact count of a zero-check test
 * whose check was not zero, the own query of every test that is not fusable (relationships,
 * custom generic tests, singular tests, not_empty, row_count), the first failing rows of tests
 * that warn or fail, and the stored failures. An own query returns the count and the first
 * failing rows together (test-sql.ts, countAndRowsSql), so a failing test runs once, not twice;
 * a test counted by a scan runs its query for the rows only when it fails.
 */
import type { DbClient } from '../adapters/postgres/index.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { attachedRelation } from './fusable.js';
import { planScans, runScans, scanFilePath, scanTestIds, type Count, type FusedScan } from './fused-scans.js';
import type { NewRows } from './new-rows-scope.js';
import { errorOutcome, prepareTest, statementOptions, testNode, type PreparedTest } from './prepare.js';
import { storeFailures } from './store-failures.js';
import { countSql, countsFailingRows, failingRowsSql, FAILURES_COLUMN, ROW_NUMBER_COLUMN, ROWS_COUNTED_INLINE } from './test-sql.js';
import type { TestGroup, TestOutcome } from './types.js';
import { decide, verdictMessage } from './verdict.js';

export { countSql, failingRowsSql, storeFailuresSql, FAILING_ROWS_SHOWN } from './test-sql.js';
export { fusedScanSql } from './scan-sql.js';
export { fusedCheck, FUSABLE_TESTS, type FusedCheck } from './fusable.js';
export { distinctExpr } from './distinct-keys.js';

export interface RunTestGroupOptions {
  /** Compute fusable column tests in shared scans (false: one count query per test, as dbt). */
  fuse: boolean;
  projectDir: string;
  targetDir: string;
  /** `--store-failures`: store every test's failures unless its config says `store_failures: false`. */
  storeFailures?: boolean;
  /** Schema whose `_test_failures` twin holds singular tests' stored failures (default `public`). */
  targetSchema?: string;
  /** Tests that check only the new rows of their model's latest build (new-rows-scope.ts), by id. */
  newRows?: ReadonlyMap<string, NewRows>;
  /**
   * A test's SQL rendered now, for a test whose template reads `execute` (src/run/test-runtime-sql.ts),
   * or undefined to run its compiled SQL; a throw is the test's error. Such a test runs its own
   * query on every row: the fused scans and the new rows' SQL are built from the test's compiled
   * form (its SQL and arguments as rendered at compile time), which is not what it runs.
   */
  runtimeSql?: (test: TestNode) => string | undefined;
}

const elapsed = (started: number): number => (performance.now() - started) / 1000;

type FailingRows = NonNullable<TestOutcome['failingRows']>;
type OwnCount = { failures: number; shown?: FailingRows } | { error: unknown };

/** The failure count of a test from its own query, and its first failing rows when that query returns them. */
async function ownCount(client: DbClient, test: PreparedTest): Promise<OwnCount> {
  const started = performance.now();
  const options = statementOptions(test, test.countStatement);
  try {
    // The statement prepareTest wrote into the test's run file (what the user can run again).
    const res = await client.query(test.countStatement.sql, undefined, options);
    if (!countsFailingRows(test.failCalc)) return { failures: Number(res.rows[0]?.['failures'] ?? 0) };
    const added = new Set([FAILURES_COLUMN, ROW_NUMBER_COLUMN]);
    const rows = res.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !added.has(k))));
    const columns = res.fields.map((f) => f.name).filter((name) => !added.has(name));
    let failures = Number(res.rows[0]?.[FAILURES_COLUMN] ?? 0);
    // More failing rows than the statement counts itself: the number from a count query.
    if (failures > ROWS_COUNTED_INLINE) {
      const counted = await client.query<{ failures: unknown }>(countSql(test.compiledSql, test.limit), undefined, options);
      failures = Number(counted.rows[0]?.failures ?? 0);
    }
    return { failures, shown: { columns, rows } };
  } catch (error) {
    return { error };
  } finally {
    test.seconds += elapsed(started);
  }
}

/** The first failing rows of a test whose count came from a scan. */
async function firstFailingRows(client: DbClient, test: PreparedTest): Promise<FailingRows> {
  // Same compiled SQL at the same offset as the count statement: errors map to its lines.
  const res = await client.query(failingRowsSql(test.compiledSql, test.limit), undefined, statementOptions(test, test.countStatement));
  return { columns: res.fields.map((f) => f.name), rows: res.rows };
}

/** Verdict, first failing rows (unless `shown` has them) and stored failures of one test whose count is known. */
async function finish(client: DbClient, test: PreparedTest, failures: number, shown?: FailingRows): Promise<TestOutcome> {
  const started = performance.now();
  const verdict = decide(failures, test.verdict);
  const outcome: TestOutcome = {
    uniqueId: test.node.uniqueId,
    name: test.node.name,
    testType: test.node.testType,
    status: verdict,
    failures,
    severity: test.verdict.severity,
    seconds: 0,
    message: verdictMessage(failures, verdict, test.verdict),
    sqlPath: test.runFile.path,
    ...(test.newRowsOf ? { newRowsOf: test.newRowsOf } : {}),
  };
  try {
    if (verdict !== 'pass') outcome.failingRows = shown ?? (await firstFailingRows(client, test));
    if (test.store && test.storeStatement) {
      outcome.storedFailuresIn = await storeFailures(client, test.store, test.compiledSql, test.limit, statementOptions(test, test.storeStatement));
    }
  } catch (e) {
    return errorOutcome(test.node, e, test.seconds + elapsed(started), test.runFile.path);
  }
  return { ...outcome, seconds: test.seconds + elapsed(started) };
}

/** Prepares every test (writing its run file); a test with an invalid config becomes an error outcome. */
function prepareAll(nodes: TestNode[], manifest: Manifest, scans: FusedScan[], opts: RunTestGroupOptions, outcomes: Map<string, TestOutcome>): Map<string, PreparedTest> {
  const scanFileOf = new Map<string, string>();
  for (const scan of scans) for (const id of scanTestIds(scan)) scanFileOf.set(id, scanFilePath(opts.projectDir, opts.targetDir, scan.attachedNode));
  const prepared = new Map<string, PreparedTest>();
  for (const node of nodes) {
    try {
      const fusedIn = scanFileOf.get(node.uniqueId);
      const newRowsOf = opts.newRows?.get(node.uniqueId)?.rows;
      prepared.set(node.uniqueId, prepareTest(manifest, node, { ...opts, ...(fusedIn ? { fusedIn } : {}), ...(newRowsOf ? { newRowsOf } : {}) }));
    } catch (e) {
      outcomes.set(node.uniqueId, errorOutcome(node, e, 0));
    }
  }
  return prepared;
}

/**
 * Runs the tests of `group` on `client`, one statement at a time (a SessionClient works, and so
 * does a pool), outside any explicit transaction: a failed scan is retried test by test, which
 * an aborted transaction would prevent. Never throws for a test's failure: every test gets an
 * outcome, in group order.
 */
export async function runTestGroup(client: DbClient, manifest: Manifest, group: TestGroup, opts: RunTestGroupOptions): Promise<TestOutcome[]> {
  const outcomes = new Map<string, TestOutcome>();
  const nodes: TestNode[] = [];
  /** Tests rendered at run time, and the seconds their render took. */
  const rendered = new Map<string, number>();
  for (const id of group.testIds) {
    const node = testNode(manifest, id);
    if ('status' in node) {
      outcomes.set(id, node);
      continue;
    }
    const started = performance.now();
    let sql: string | undefined;
    try {
      sql = opts.runtimeSql?.(node);
    } catch (e) {
      outcomes.set(id, errorOutcome(node, e, elapsed(started)));
      continue;
    }
    if (sql !== undefined) {
      rendered.set(id, elapsed(started));
      nodes.push({ ...node, compiledCode: sql });
      continue;
    }
    const newRows = opts.newRows?.get(id);
    nodes.push(newRows ? { ...node, compiledCode: newRows.sql } : node);
  }
  // Neither a scan nor the new rows for a test rendered at run time (see `runtimeSql`).
  const newRows = new Map([...(opts.newRows ?? [])].filter(([id]) => !rendered.has(id)));
  const relationOf = (t: TestNode): string | undefined => (rendered.has(t.uniqueId) ? undefined : newRows.get(t.uniqueId)?.rows ?? attachedRelation(manifest, t));
  const scans = opts.fuse ? await planScans(client, manifest, nodes, relationOf) : [];
  const prepared = prepareAll(nodes, manifest, scans, { ...opts, newRows }, outcomes);
  for (const [id, seconds] of rendered) {
    const test = prepared.get(id);
    if (test) test.seconds += seconds;
  }
  const counts = new Map<string, Count>();
  await runScans(client, scans, prepared, counts, opts);
  for (const test of prepared.values()) {
    const count: OwnCount = counts.get(test.node.uniqueId) ?? (await ownCount(client, test));
    outcomes.set(
      test.node.uniqueId,
      'error' in count ? errorOutcome(test.node, count.error, test.seconds, test.runFile.path) : await finish(client, test, count.failures, count.shown),
    );
  }
  return group.testIds.map((id) => outcomes.get(id)!);
}
