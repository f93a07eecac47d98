/**
 * Which data tests of an incremental model may check only the rows of the model's latest build.
 *
 * dbt re-reads the whole table for every test on every run, which on a large incremental model
 * costs more than the build itself. SQLMesh audits only the interval a build processed. strata
 * does the same when it can prove the answer is the same as reading every row, so a test's
 * verdict, failure count and failing rows never change meaning:
 *
 * - the test is a built-in whose SQL strata wrote (fusable.ts' check), of a kind whose failures
 *   are rows of the model: not_null, accepted_values, accepted_range, expression_is_true,
 *   relationships (each failing row is one row of the model), unique and
 *   unique_combination_of_columns (see below). not_empty, row_count and not_null_proportion
 *   are about the whole table, custom tests are SQL strata cannot read: every row;
 * - the model's latest build applied new rows to the table it had (the state's `increment`),
 *   without changing its columns, and its hooks cannot change other rows (`analyze`, `set`,
 *   `grant`..., or `delete from {{ this }}`: removing rows adds no failure);
 * - the test passed with no failing row at all (test-state.ts), with the same SQL, when the model
 *   held the table those new rows were applied to (or the current one): every other row was
 *   checked then and has not changed since;
 * - whatever else it reads is unchanged since, except a relationships test's parent, which may
 *   have been built incrementally since as long as no value of the field can have left it: an
 *   append, or delete+insert / merge with the field part of its unique_key (every key deleted is
 *   inserted again), and no hook that could delete rows (or `delete from {{ this }}` hooks that
 *   deleted nothing in that build: the runner records their row counts);
 * - unique tests: the model's strategy replaces rows by a unique_key made of tested columns, so two
 *   rows with the same tested values have the same key and cannot be an old row and a new one;
 * - the test's `where` (and an expression_is_true's expression) reads no other relation.
 *
 * The premise is the one incremental models already rest on: only the model's builds write its
 * table. `--all-rows` (or the test config `all_rows: true`) reads every row regardless.
 */
import type { Manifest, TestNode } from '../manifest/types.js';
import { hookEffect } from '../materializations/hooks.js';
import type { Increment } from '../state/node-state.js';
import { testFingerprint, type TestState } from '../state/test-state.js';
import { builtinShape, builtinSql, type BuiltinShape } from './fusable.js';

/** Tests whose failing rows are rows of the model. */
const ROW_TESTS = new Set(['not_null', 'accepted_values', 'accepted_range', 'expression_is_true', 'relationships']);
const KEY_TESTS = new Set(['unique', 'unique_combination_of_columns']);

export interface NewRows {
  /** The table of the new rows, as SQL. */
  rows: string;
  /** The test's SQL with the model replaced by the new rows. */
  sql: string;
}

export type Scope = NewRows | { reason: string };

export interface ScopeContext {
  allRows: boolean;
  /** The test's recorded pass, if any. */
  state: TestState | undefined;
  /** Current data version of a node. */
  version(id: string): string | undefined;
  /** The latest build of an incremental model, when it was an increment. */
  increment(id: string): Increment | undefined;
}

const lower = (names: readonly string[]): string[] => names.map((n) => n.toLowerCase());

function testedColumns(shape: BuiltinShape): string[] {
  return shape.name === 'unique' ? (shape.column ? [shape.column] : []) : ((shape.args['combination_of_columns'] as unknown[]) ?? []).map(String);
}

/** Can a value of `field` have left the parent since the version `since`? */
function keepsValues(manifest: Manifest, parentId: string, since: string | undefined, field: string, ctx: ScopeContext): boolean {
  if (since !== undefined && since === ctx.version(parentId)) return true;
  const parent = manifest.nodes[parentId];
  const inc = ctx.increment(parentId);
  if (!inc || inc.from !== since || inc.schemaChanged || parent?.resourceType !== 'model') return false;
  // `delete from {{ this }}` hooks may remove values, unless they deleted nothing this time.
  const effect = hookEffect(parent);
  if (effect === 'unknown' || (effect === 'deletes' && inc.hooksDeleted !== 0)) return false;
  return inc.strategy === 'append' || lower(inc.uniqueKey).includes(field.toLowerCase());
}

/** Whether `test` may check only the new rows of its model's latest build, and if so its SQL; else why not. */
export function newRowsScope(manifest: Manifest, test: TestNode, ctx: ScopeContext): Scope {
  const modelId = test.attachedNode;
  const model = modelId ? manifest.nodes[modelId] : undefined;
  if (!modelId || model?.resourceType !== 'model' || model.config.materialized !== 'incremental') return { reason: 'not a test of an incremental model' };
  if (ctx.allRows || (test.config['all_rows'] ?? false) !== false) return { reason: 'every row asked for (--all-rows or all_rows: true)' };
  const inc = ctx.increment(modelId);
  if (!inc) return { reason: "the model's latest build was not an increment" };
  if (inc.schemaChanged) return { reason: "the model's latest build changed its columns" };
  if (hookEffect(model) === 'unknown') return { reason: 'a hook of the model may change rows already in its table' };
  const shape = builtinShape(manifest, test);
  if (!shape) return { reason: 'not a built-in test strata wrote the SQL of' };
  if (!ROW_TESTS.has(shape.name) && !KEY_TESTS.has(shape.name)) return { reason: `${shape.name} is about the whole table` };
  if (shape.name === 'relationships' && String(shape.args['to']) === shape.relation) return { reason: 'it refers to its own model' };
  if (/\bselect\b/i.test(`${shape.where ?? ''} ${String(shape.args['expression'] ?? '')}`)) return { reason: 'its where or expression reads other relations' };
  if (KEY_TESTS.has(shape.name)) {
    if (inc.strategy === 'append') return { reason: 'append: a new row may repeat an old key' };
    const tested = lower(testedColumns(shape));
    if (!lower(inc.uniqueKey).every((k) => tested.includes(k))) return { reason: "the model's unique_key is not among the tested columns" };
  }
  const state = ctx.state;
  if (!state || state.fingerprint !== testFingerprint(test.compiledCode ?? '')) return { reason: 'no pass recorded for this SQL' };
  const seen = state.inputVersions[modelId];
  if (seen !== inc.from && seen !== ctx.version(modelId)) return { reason: "it last passed before the model's previous build" };
  for (const id of test.dependsOn.nodes) {
    if (id === modelId) continue;
    const since = state.inputVersions[id];
    if (since !== undefined && since === ctx.version(id)) continue;
    const field = String(shape.args['field'] ?? '');
    if (shape.name === 'relationships' && field && keepsValues(manifest, id, since, field, ctx)) continue;
    return { reason: `${id} changed since it last passed` };
  }
  const sql = builtinSql({ ...shape, relation: inc.rows });
  return sql ? { rows: inc.rows, sql } : { reason: 'its arguments do not build' };
}
