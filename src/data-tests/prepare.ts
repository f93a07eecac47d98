/**
 * Everything about one test that is known before any query runs: its verdict config, `limit`,
 * `scan_work_mem`, where its failures would be stored, and its target/run/ file (written now, so a failing
 * statement already points at a file holding exactly what was sent, as for models).
 */
import { StrataError } from '../errors/strata-error.js';
import { compiledPath } from '../compile/artifacts.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import type { PlacedStatement, RunFile } from '../run/executed-sql.js';
import { writeRunFile } from '../run/executed-sql.js';
import { scanWorkMem } from './scan-work-mem.js';
import { failuresTable, type FailuresTable } from './store-failures.js';
import { countAndRowsSql, countSql, countsFailingRows, readFailCalc, storeFailuresSql } from './test-sql.js';
import type { TestOutcome } from './types.js';
import { verdictConfig, type VerdictConfig } from './verdict.js';

export interface PreparedTest {
  node: TestNode;
  compiledSql: string;
  verdict: VerdictConfig;
  limit: number | undefined;
  /** `fail_calc`: the aggregate over the test's rows that is its failure count (default count(*)). */
  failCalc: string;
  /** work_mem for a fused scan sorting its keys (scan-work-mem.ts); undefined: the session's. */
  scanWorkMem: string | undefined;
  store: FailuresTable | undefined;
  runFile: RunFile;
  /**
   * The test's own query, when no scan settles it: with the default `fail_calc`
   * (countsFailingRows), its failure count and first failing rows at once (test-sql.ts,
   * countAndRowsSql); else the `fail_calc` alone.
   */
  countStatement: PlacedStatement;
  storeStatement: PlacedStatement | undefined;
  /** Time spent on this test so far (its share of a fused scan included). */
  seconds: number;
  /** The new rows this test is limited to (new-rows-scope.ts), if it is. */
  newRowsOf: string | undefined;
}

export interface PrepareOptions {
  projectDir: string;
  targetDir: string;
  storeFailures?: boolean;
  targetSchema?: string;
  /** The test's count comes from a fused scan written to this file (for the run file's note). */
  fusedIn?: string;
  /** The test's SQL reads only these new rows of its model (new-rows-scope.ts; for the run file's note). */
  newRowsOf?: string;
}

function readLimit(node: TestNode): number | undefined {
  const limit = node.config.limit;
  if (limit === undefined || limit === null) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    throw new StrataError('CONFIG', `invalid limit ${JSON.stringify(limit)} on ${node.uniqueId}: expected a whole number >= 0`, {
      nodeId: node.uniqueId,
      location: node.location,
    });
  }
  return limit;
}

/** Per-test config wins over the command-line flag, as in dbt (`store_failures: false` opts out). */
function shouldStore(node: TestNode, flag: boolean | undefined): boolean {
  const configured = node.config.store_failures;
  return typeof configured === 'boolean' ? configured : flag === true;
}

export function errorOutcome(node: Pick<TestNode, 'uniqueId' | 'name' | 'testType'> & { config: { severity?: unknown } }, e: unknown, seconds: number, sqlPath?: string): TestOutcome {
  const err = e instanceof StrataError ? e : new StrataError('INTERNAL', String((e as Error)?.message ?? e), { cause: e });
  const severity = String(node.config.severity ?? 'error').toLowerCase() === 'warn' ? 'warn' : 'error';
  return {
    uniqueId: node.uniqueId,
    name: node.name,
    testType: node.testType,
    status: 'error',
    severity,
    seconds,
    message: err.message,
    ...(sqlPath ? { sqlPath } : {}),
    error: {
      code: err.code,
      message: err.message,
      ...(err.location ? { location: err.location } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    },
  };
}

/** The test node behind an id, or an error outcome saying why there is none to run. */
export function testNode(manifest: Manifest, id: string): TestNode | TestOutcome {
  const node = manifest.nodes[id];
  if (node?.resourceType === 'test' && node.compiledCode !== undefined) return node;
  const what = !node ? 'is not in the manifest' : node.resourceType !== 'test' ? `is a ${node.resourceType}, not a data test` : 'has no compiled SQL';
  const stub = { uniqueId: id, name: node?.name ?? id, testType: 'generic' as const, config: { severity: 'error' } };
  return errorOutcome(stub, new StrataError('INTERNAL', `data test ${id} ${what}`), 0);
}

/** `all_rows` (new-rows-scope.ts) is true or false. */
function checkAllRows(node: TestNode): void {
  const value = node.config['all_rows'];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new StrataError('CONFIG', `invalid all_rows ${JSON.stringify(value)} on ${node.uniqueId}: expected true or false`, {
      nodeId: node.uniqueId,
      location: node.location,
    });
  }
}

export function prepareTest(manifest: Manifest, node: TestNode, opts: PrepareOptions): PreparedTest {
  const origin = { nodeId: node.uniqueId, location: node.location };
  checkAllRows(node);
  const verdict = verdictConfig(node.config, origin);
  const limit = readLimit(node);
  const failCalc = readFailCalc(node);
  const workMem = scanWorkMem(node);
  const compiledSql = node.compiledCode ?? '';
  const store = shouldStore(node, opts.storeFailures) ? failuresTable(manifest, node, opts.targetSchema ?? 'public') : undefined;
  const of = opts.newRowsOf ? ` of the new rows of its model's latest build, ${opts.newRowsOf} (the other rows passed before)` : '';
  const countWithRows = countsFailingRows(failCalc);
  const what = `${countWithRows ? 'failure count and first failing rows' : 'failure count'}${of}`;
  const countLabel = opts.fusedIn
    ? `${node.name}: ${what} (checked first in a scan shared with other tests of its model, ${opts.fusedIn}; this query gives the same count)`
    : `${node.name}: ${what}`;
  const sql = countWithRows ? countAndRowsSql(compiledSql, limit) : countSql(compiledSql, limit, failCalc);
  const statements = [{ sql, label: countLabel }];
  if (store) statements.push({ sql: storeFailuresSql(compiledSql, limit, store.printed), label: `${node.name}: store failures in ${store.printed}` });
  const runFile = writeRunFile(opts.projectDir, opts.targetDir, compiledPath(node), statements);
  return {
    node, compiledSql, verdict, limit, failCalc, scanWorkMem: workMem, store, runFile,
    countStatement: runFile.statements[0]!,
    storeStatement: store ? runFile.statements[1] : undefined,
    seconds: 0,
    newRowsOf: opts.newRowsOf,
  };
}

/** Where a statement of the run file starts, for error positions (sqlFile:line:column). */
export function statementOptions(t: PreparedTest, s: PlacedStatement): { sqlFile: string; nodeId: string; startLine: number; startColumn: number } {
  return { sqlFile: t.runFile.path, nodeId: t.node.uniqueId, startLine: s.line, startColumn: 1 };
}
