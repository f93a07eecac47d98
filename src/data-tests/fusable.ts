/**
 * Which tests can be computed inside a shared scan of their model, and the aggregate that does it.
 *
 * A test is fused only when its compiled SQL is, character for character, what the built-in
 * builder (src/compile/generic-tests.ts) produces from the manifest's metadata for the attached
 * relation. That one check rules out everything whose SQL strata did not write: custom generic
 * tests, overridden built-ins, ephemeral models (CTEs injected), relations printed differently.
 * What is left has a known shape, so the aggregates below are equivalent to it.
 *
 * Two kinds of checks (README.md has the measurements behind the scans they make):
 *  - ROW checks: counts of rows satisfying row predicates, which PostgreSQL computes with a
 *    parallel seq scan. A row check is its predicates (the test's `where` included) and how its
 *    value follows from their counts:
 *    exact: the value IS the failure count (before `limit`): not_null, accepted_range,
 *      expression_is_true (the count of failing rows), not_null_proportion (the test's own
 *      comparison of two counts, as 0 / 1).
 *    zero check: 0 exactly when the test passes; non-zero only says "run the test's own query
 *      for the exact count": accepted_values counts failing rows (the test counts distinct
 *      failing values).
 *  - DISTINCT checks (distinct-keys.ts): unique and unique_combination_of_columns as
 *    `count(...) - count(distinct <key>)`, 0 exactly when no value is duplicated.
 *
 * `where` configs do not split a scan: every predicate carries its own `(<where>) and ...`,
 * which keeps exactly the rows of the test's `(select * from <model> where <where>) dbt_subquery`.
 */
import { applyWhere, buildGenericTestSql, isBuiltinTest, stripNamespace } from '../compile/generic-tests.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { relationToSql } from '../template/relation.js';
import { countsFailingRows } from './test-sql.js';

export interface RowCheck {
  testId: string;
  scan: 'rows';
  kind: 'exact' | 'zero-check';
  /** Boolean expressions over the attached relation's columns; the scan counts the rows where each is true. */
  predicates: string[];
  /** The check's value, an SQL expression over those counts (given in the order of `predicates`). */
  value: (counts: string[]) => string;
}

/** A unique-family test; its aggregate depends on the columns' types (distinct-keys.ts). */
export interface DistinctCheck {
  testId: string;
  scan: 'distinct';
  kind: 'zero-check';
  /** Plain column names (unquoted). */
  columns: string[];
  /** unique ignores NULLs; unique_combination_of_columns groups them like values. */
  nulls: 'ignored' | 'grouped';
  where: string | undefined;
}

export type FusedCheck = RowCheck | DistinctCheck;

export const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Same rule as generic-tests.ts: quoted unless `quote_column: false` or it looks like an expression. */
function columnExpr(column: string, args: Record<string, unknown>): string {
  return args['quote_column'] === false || /[\s()+\-*/:]/.test(column) ? column : quoted(column);
}

function literal(v: unknown, quote: boolean): string {
  return quote ? `'${String(v).replace(/'/g, "''")}'` : String(v);
}

/** `filter (where ...)` for a test's `where` config (a distinct check's aggregates). */
export function filter(where: string | undefined): string {
  return where ? ` filter (where (${where}))` : '';
}

/** The rows a test looks at (its `where`) that satisfy `predicate`; `true` for all rows. */
export function rowsWhere(where: string | undefined, predicate?: string): string {
  const parts = [...(where ? [`(${where})`] : []), ...(predicate ? [`(${predicate})`] : [])];
  return parts.length ? parts.join(' and ') : 'true';
}

interface CheckInput {
  testId: string;
  column: string | undefined;
  col: string | undefined;
  args: Record<string, unknown>;
  where: string | undefined;
}

/** A check counting the rows (of the test's `where`) that satisfy `failing`. */
const failingRows = (c: CheckInput, kind: RowCheck['kind'], failing: string): RowCheck =>
  ({ testId: c.testId, scan: 'rows', kind, predicates: [rowsWhere(c.where, failing)], value: ([count]) => count! });

// Each predicate mirrors its builder in generic-tests.ts; the equivalence tests run both.
const CHECKS: Record<string, (c: CheckInput) => FusedCheck | undefined> = {
  not_null: (c) => failingRows(c, 'exact', `${c.col} is null`),
  accepted_range: (c) => {
    const inclusive = c.args['inclusive'] !== false;
    const conds: string[] = [];
    if (c.args['min_value'] !== undefined) conds.push(`${c.col} ${inclusive ? '>=' : '>'} ${String(c.args['min_value'])}`);
    if (c.args['max_value'] !== undefined) conds.push(`${c.col} ${inclusive ? '<=' : '<'} ${String(c.args['max_value'])}`);
    return failingRows(c, 'exact', `not (${conds.join(' and ')})`);
  },
  expression_is_true: (c) => {
    const expression = String(c.args['expression']);
    return failingRows(c, 'exact', `not (${c.col ? `${c.col} ${expression}` : expression})`);
  },
  not_null_proportion: (c) => ({
    testId: c.testId,
    scan: 'rows',
    kind: 'exact',
    predicates: [rowsWhere(c.where, `${c.col} is not null`), rowsWhere(c.where)],
    // A model with no rows gives a NULL proportion: no failing row, as in the test's query.
    value: ([nonNull, all]) => `case when (${nonNull!})::numeric / nullif(${all!}, 0) < ${Number(c.args['at_least'])} then 1 else 0 end`,
  }),
  accepted_values: (c) => {
    const quote = c.args['quote'] !== false;
    const values = (c.args['values'] as unknown[]).map((v) => literal(v, quote)).join(', ');
    // NULL never fails (`null not in (...)` is not true), exactly as in the grouped query.
    return failingRows(c, 'zero-check', `${c.col} not in (${values})`);
  },
  // A column written as an expression (`quote: false`) has no catalog type: not fused.
  unique: (c) => (c.column !== undefined && c.col === quoted(c.column)
    ? { testId: c.testId, scan: 'distinct', kind: 'zero-check', columns: [c.column], nulls: 'ignored', where: c.where }
    : undefined),
  unique_combination_of_columns: (c) => ({
    testId: c.testId, scan: 'distinct', kind: 'zero-check', columns: (c.args['combination_of_columns'] as unknown[]).map(String), nulls: 'grouped', where: c.where,
  }),
};

/** Tests the fused scans understand (others run their own query). */
export const FUSABLE_TESTS: ReadonlySet<string> = new Set(Object.keys(CHECKS));

/** The printed relation of the node a test is attached to, as the compiler prints it. */
export function attachedRelation(manifest: Manifest, test: TestNode): string | undefined {
  if (!test.attachedNode) return undefined;
  const node = manifest.nodes[test.attachedNode] ?? manifest.sources[test.attachedNode];
  if (!node || !('relation' in node)) return undefined;
  if (node.resourceType === 'model' && node.config.materialized === 'ephemeral') return undefined;
  return relationToSql(node.relation);
}

function whereOf(test: TestNode): string | undefined {
  const w = test.config.where;
  return w === undefined || w === null || w === '' ? undefined : String(w);
}

/** A built-in generic test whose SQL strata wrote: what it is, and the rows it reads. */
export interface BuiltinShape {
  /** The built-in's name without a namespace (`accepted_range`). */
  name: string;
  /** The printed relation the SQL reads. */
  relation: string;
  column: string | undefined;
  args: Record<string, unknown>;
  where: string | undefined;
}

/**
 * The test as a built-in reading `relation` (by default its attached relation), or undefined when
 * its compiled SQL is not, character for character, what the built-in builder writes for that.
 */
export function builtinShape(manifest: Manifest, test: TestNode, relation = attachedRelation(manifest, test)): BuiltinShape | undefined {
  const meta = test.testMetadata;
  if (test.testType !== 'generic' || !meta || test.compiledCode === undefined || !relation || !isBuiltinTest(meta.name)) return undefined;
  const shape = { name: stripNamespace(meta.name), relation, column: test.columnName, args: meta.kwargs, where: whereOf(test) };
  return builtinSql(shape) === test.compiledCode ? shape : undefined;
}

/** The built-in's SQL for `shape` (undefined when its arguments are invalid). */
export function builtinSql(shape: BuiltinShape): string | undefined {
  try {
    return buildGenericTestSql(shape.name, { model: applyWhere(shape.relation, shape.where), ...(shape.column ? { column: shape.column } : {}), args: shape.args });
  } catch {
    return undefined;
  }
}

/** How the fused scans compute a test reading `relation`, or undefined when it must run its own query. */
export function fusedCheck(manifest: Manifest, test: TestNode, relation = attachedRelation(manifest, test)): FusedCheck | undefined {
  // The scans count rows; a test whose failure count is another aggregate runs its own query.
  if (!countsFailingRows(test.config['fail_calc'])) return undefined;
  const shape = builtinShape(manifest, test, relation);
  const build = shape && CHECKS[shape.name];
  if (!shape || !build) return undefined;
  const col = shape.column === undefined ? undefined : columnExpr(shape.column, shape.args);
  return build({ testId: test.uniqueId, column: shape.column, col, args: shape.args, where: shape.where });
}
