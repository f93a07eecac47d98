/**
 * The contract between the runner and data-test execution.
 *
 * Generic and singular tests are executed in groups: the tests attached to one model form a group,
 * so their column tests can be computed in one scan (dbt runs one query per test). A group
 * becomes one node of the run's DAG, scheduled after every node its tests read.
 */
import type { Row } from '../adapters/postgres/index.js';
import type { ErrorCode, SourceLocation } from '../errors/strata-error.js';

export type TestStatus = 'pass' | 'warn' | 'fail' | 'error';

export interface TestOutcome {
  uniqueId: string;
  name: string;
  /** `generic`, `singular` or `unit`. */
  testType: 'generic' | 'singular' | 'unit';
  status: TestStatus;
  /** Number of failing rows (dbt's failure count); 0 when passing; undefined on error. */
  failures?: number;
  severity: 'error' | 'warn';
  seconds: number;
  /** One line: `3 rows failed (threshold != 0)`, `pass`, the error message. */
  message: string;
  /** The first failing rows (at most 5) and their columns, for the report. */
  failingRows?: { columns: string[]; rows: Row[] };
  /** For unit tests: a readable diff of expected vs actual rows. */
  diff?: string;
  /** target/compiled/... or target/run/... of the test's SQL, relative to the project root. */
  sqlPath?: string;
  /**
   * Set when the test checked only the new rows of its incremental model's latest build (the
   * table keeping them, `"strata_meta"."..."`): the rest passed before (new-rows-scope.ts).
   */
  newRowsOf?: string;
  /** `"schema_test_failures"."name"` when store_failures saved the failing rows. */
  storedFailuresIn?: string;
  error?: { code: ErrorCode; message: string; location?: SourceLocation; hint?: string };
}

export interface TestGroup {
  /** `tests:<attached node id>` for model-attached tests; the test's own id for singular tests. */
  id: string;
  /** The node whose tests these are (undefined for singular tests). */
  attachedNode?: string;
  testIds: string[];
  /** Every node any of the tests reads (models, seeds, sources). */
  dependsOn: string[];
}
