/**
 * The data-test surface the runner and the CLI use (unit tests live in ./unit/).
 */
export { planTestGroups, GROUP_PREFIX } from './groups.js';
export {
  runTestGroup, countSql, failingRowsSql, fusedScanSql, storeFailuresSql, fusedCheck, distinctExpr, FUSABLE_TESTS, FAILING_ROWS_SHOWN,
  type RunTestGroupOptions, type FusedCheck,
} from './fused-query.js';
export { decide, holds, parseCondition, verdictConfig, verdictMessage, type Condition, type Verdict, type VerdictConfig } from './verdict.js';
export { failuresTable, shortIdentifier, FAILURES_SCHEMA_SUFFIX, type FailuresTable } from './store-failures.js';
export { junitXml, type JunitOptions } from './junit.js';
export { formatRowsTable, type RowsTableOptions } from './report.js';
export type { TestGroup, TestOutcome, TestStatus } from './types.js';
