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
 * - the model's latest build applied new rows to the table it had (the state's `increment`) by
 *   delete+insert or append (a MERGE updates every row matching a new row's key, so one new row
 *   can become several), without changing its columns, and the hooks that ran with it (recorded
 *   then) cannot change other rows (`analyze`, `set`, `grant`..., or `delete from {{ this }}`:
 *   removing rows adds no failure); the kept table is that build's (its comment) and holds all
 *   its rows (its count: a crash empties an unlogged table), which the runner checks;
 * - the test passed with no failing row at all (test-state.ts), with the same SQL, when the model
 *   held the table those new rows were applied to (or the current one): every other row was
 *   checked then and has not changed since;
 * - whatever else it reads is unchanged since, by a data version that changes exactly when its
 *   rows do (a table strata builds, a seed, a source; not a view), except a relationships test's
 *   parent, which may have been built incrementally since as long as no value of the field can
 *   have left it: an append, or delete+insert / merge with the field part of its unique_key
 *   (every key deleted is inserted again), and no hook that could delete rows (or
 *   `delete from {{ this }}` hooks that deleted nothing in that build: the runner records their
 *   row counts);
 * - unique tests: the model's strategy replaces rows by a unique_key made of tested columns, so two
 *   rows with the same tested values have the same key and cannot be an old row and a new one;
 * - the test's `where`, expression and other SQL arguments are plain (columns, literals,
 *   operators, casts): a function call, a subquery or `current_date` could make an old row fail
 *   later.
 *
 * The premise is the one incremental models already rest on: only the model's builds write its
 * table. `--all-rows` (or the test config `all_rows: true`) reads every row regardless.
 */
import type { Manifest, TestNode } from '../manifest/types.js';
import type { Increment } from '../state/node-state.js';
import { testFingerprint, type TestState } from '../state/test-state.js';
import { builtinShape, builtinSql, type BuiltinShape } from './fusable.js';
import { countsFailingRows } from './test-sql.js';

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

/**
 * A fragment of SQL the user wrote into a test (`where`, an expression, a range bound, unquoted
 * values, a column expression) that gives the same answer for a row whenever it is evaluated:
 * column names, literals, operators and casts. A function call, a subquery or a time keyword
 * (`current_date`, whose answer changes while the rows do not) could make an old row fail later.
 */
const READS_MORE = /\b(select|table|values|current_\w+|localtime\w*|now)\b/i;
/** Words that may stand before a parenthesis without calling a function: `x in (1, 2)`, `not (a or b)`. */
const NOT_CALLS = new Set(['in', 'and', 'or', 'not', 'is', 'between', 'like', 'ilike', 'when', 'then', 'else']);

function plain(fragment: string): boolean {
  if (READS_MORE.test(fragment)) return false;
  for (const m of fragment.matchAll(/([A-Za-z_][\w$]*|")\s*\(/g)) if (!NOT_CALLS.has(m[1]!.toLowerCase())) return false;
  return true;
}

function plainFragments(shape: BuiltinShape): boolean {
  const a = shape.args;
  // A column written as an expression, as the builders tell one (generic-tests.ts).
  const expression = shape.column !== undefined && (a['quote_column'] === false || /[\s()+\-*/:]/.test(shape.column));
  const fragments: unknown[] = [shape.where, a['expression'], a['min_value'], a['max_value'], expression ? shape.column : undefined];
  if (a['quote'] === false && Array.isArray(a['values'])) fragments.push(...a['values']);
  return fragments.every((f) => f === undefined || f === null || plain(String(f)));
}

/**
 * Whether a node's data version changes exactly when its rows do. A view's does not (it changes
 * when strata replaces the view, not when what it reads changes), nor does anything read through
 * an ephemeral model; a table strata builds, a seed, a source strata loads (or declared static)
 * and an external source (a new version every run) do.
 */
function versionTracksRows(manifest: Manifest, id: string): boolean {
  const node = manifest.nodes[id];
  if (!node) return manifest.sources[id] !== undefined;
  if (node.resourceType === 'seed') return true;
  return node.resourceType === 'model' && (node.config.materialized === 'table' || node.config.materialized === 'incremental');
}

/** Can a value of `field` have left the parent since the version `since`? */
function keepsValues(parentId: string, since: string | undefined, field: string, ctx: ScopeContext): boolean {
  const inc = ctx.increment(parentId);
  if (!inc || inc.from !== since || inc.schemaChanged) return false;
  // `delete from {{ this }}` hooks may remove values, unless they deleted nothing this time.
  if (inc.hookEffect === 'unknown' || (inc.hookEffect === 'deletes' && inc.hooksDeleted !== 0)) return false;
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
  if (inc.newRows === undefined) return { reason: "the count of the latest build's new rows was not recorded" };
  // The hooks that ran with that build (recorded then), not the ones configured now.
  if (inc.hookEffect !== 'none' && inc.hookEffect !== 'deletes') return { reason: 'a hook of the model may have changed rows already in its table' };
  // MERGE updates every row matching a new row's key: with a key repeated in the table, one new row
  // becomes several rows, which the new rows' table holds once.
  if (inc.strategy === 'merge') return { reason: 'merge: a new row may have updated several rows' };
  const shape = builtinShape(manifest, test);
  if (!shape) return { reason: 'not a built-in test strata wrote the SQL of' };
  // Its failure count is another aggregate than the count of failing rows: not additive over rows.
  if (!countsFailingRows(test.config['fail_calc'])) return { reason: 'its fail_calc is not a count of failing rows' };
  if (!ROW_TESTS.has(shape.name) && !KEY_TESTS.has(shape.name)) return { reason: `${shape.name} is about the whole table` };
  if (shape.name === 'relationships' && String(shape.args['to']) === shape.relation) return { reason: 'it refers to its own model' };
  if (!plainFragments(shape)) return { reason: 'its where, expression or arguments call functions, read relations or the clock' };
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
    if (!versionTracksRows(manifest, id)) return { reason: `${id} is a view (or read through one): its rows may change without a new version` };
    const since = state.inputVersions[id];
    if (since !== undefined && since === ctx.version(id)) continue;
    const field = String(shape.args['field'] ?? '');
    if (shape.name === 'relationships' && field && keepsValues(id, since, field, ctx)) continue;
    return { reason: `${id} changed since it last passed` };
  }
  const sql = builtinSql({ ...shape, relation: inc.rows });
  return sql ? { rows: inc.rows, sql } : { reason: 'its arguments do not build' };
}
