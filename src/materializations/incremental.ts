/**
 * The `incremental` materialization.
 *
 * is_incremental() is true when the target exists as a table and no full refresh is asked for
 * (the node's `full_refresh` config, when set, overrides the --full-refresh flag, as in dbt).
 * Otherwise the model is built like a table (create, or swap keeping dependent views).
 *
 * Incremental runs:
 *   drop table if exists <new rows>
 *   create unlogged table <new rows> as (<incremental sql>)
 *   [alter table ... per on_schema_change]
 *   append        insert into target select ... from the new rows
 *   delete+insert delete matching keys, insert all new rows
 *   merge         merge into target using the new rows (PostgreSQL 15+; delete+insert before that)
 * The new rows are kept until the model's next build (any build drops them), in
 * strata_meta."<name>_<hash>__strata_new" (names.ts): the model's data
 * tests then check only those rows when that is enough (src/data-tests/new-rows-scope.ts). They
 * are unlogged, as a temp table would be (no WAL for a copy the target table already holds), and
 * commit or roll back with the build.
 */
import { quoteIdent } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode, RelationName } from '../manifest/types.js';
import { grantStatements } from './grants.js';
import { persistDocsStatements } from './persist-docs.js';
import { hookEffect, postHooks, preHooks } from './hooks.js';
import { indexStatements } from './indexes.js';
import { compiledSql, newRowsRelation, queryBody, rel } from './names.js';
import { dropDependentViews, recreateDependentViews } from './relations.js';
import { diffColumns, hasChanges, insertColumns, needsDependentRebuild, schemaChangeError, schemaChangeStatements, type OnSchemaChange } from './schema-change.js';
import { deleteMatchingSql, deleteNullKeyMatchesSql, insertSql, mergeSql, rangedKeyColumns } from './strategies.js';
import { materializeTable } from './table.js';
import type { ColumnState, MaterializationOptions, MaterializationPlan, RelationState, Statement } from './types.js';


export type Strategy = 'append' | 'delete+insert' | 'merge';


/** dbt's is_incremental(): the runner uses it too, to pick which SQL to describe. */
export function isIncremental(node: ModelNode, state: RelationState, options: MaterializationOptions): boolean {
  const fullRefresh = node.config.full_refresh ?? options.fullRefresh;
  return state.exists && state.kind === 'table' && !fullRefresh;
}

function configError(node: ModelNode, message: string, hint?: string): StrataError {
  return new StrataError('CONFIG', message, { nodeId: node.uniqueId, location: node.location, ...(hint ? { hint } : {}) });
}

/**
 * unique_key (a column or a list) as column names of the rows being inserted. A name is matched
 * exactly, then lower-cased (as an unquoted name in SQL would be), so `ID` finds `id`.
 */
export function uniqueKeyColumns(node: ModelNode, columns: readonly string[]): string[] {
  const raw = node.config.unique_key;
  const keys = (Array.isArray(raw) ? raw : raw === undefined || raw === null || raw === '' ? [] : [raw]).map(String);
  const available = new Set(columns);
  return keys.map((key) => {
    const name = key.trim();
    if (available.has(name)) return name;
    if (available.has(name.toLowerCase())) return name.toLowerCase();
    throw configError(node, `unique_key ${JSON.stringify(key)} is not a column of both the model's query and the existing table`,
      `columns: ${columns.join(', ')}`);
  });
}

/** The strategy to run, and a note when it differs from what the config asked for. */
export function resolveStrategy(node: ModelNode, keys: readonly string[], options: MaterializationOptions): { strategy: Strategy; note?: string } {
  const asked = node.config.incremental_strategy;
  if (asked !== undefined && asked !== 'append' && asked !== 'delete+insert' && asked !== 'merge') {
    throw configError(node, `unknown incremental_strategy ${JSON.stringify(asked)}`, 'use append, delete+insert or merge');
  }
  if (keys.length === 0) {
    return asked === undefined || asked === 'append' ? { strategy: 'append' } : { strategy: 'append', note: `${asked} without unique_key` };
  }
  const strategy = asked ?? 'delete+insert';
  if (strategy === 'merge' && !options.supportsMerge) return { strategy: 'delete+insert', note: 'merge needs PostgreSQL 15+' };
  return { strategy };
}

function applyStatements(strategy: Strategy, relation: RelationName, source: string, keys: string[], columns: string[], ranged: string[]): Statement[] {
  const insert: Statement = { sql: insertSql(relation, source, columns), label: 'insert new rows', countsRows: true };
  if (strategy === 'append') return [insert];
  // Temp tables are never auto-analyzed; without statistics the planner guesses their size
  // and may pick a nested loop against a large target for the key join.
  const analyze: Statement = { sql: `analyze ${source}`, label: 'analyze new rows' };
  const nullKeys: Statement = { sql: deleteNullKeyMatchesSql(relation, source, keys), label: 'delete rows matching NULL-containing keys' };
  if (strategy === 'merge') {
    return [analyze, nullKeys, { sql: mergeSql(relation, source, keys, columns), label: 'merge new rows', countsRows: true }];
  }
  return [analyze, { sql: deleteMatchingSql(relation, source, keys, ranged), label: 'delete rows with matching keys' }, nullKeys, insert];
}

/**
 * The key columns the delete+insert delete is bounded on: ranged types in the existing table and,
 * when the query was described, in the new rows too (an `on_schema_change` retype runs before the
 * delete, so the table's column may by then have the query's type).
 */
function boundedKeys(keys: string[], state: RelationState, options: MaterializationOptions): string[] {
  const typesOf = (columns: readonly ColumnState[]): Map<string, string> => new Map(columns.map((c) => [c.name, c.type]));
  const ranged = rangedKeyColumns(keys, typesOf(state.columns ?? []));
  return options.queryColumns ? rangedKeyColumns(ranged, typesOf(options.queryColumns)) : ranged;
}

function schemaStatements(
  node: ModelNode, relation: RelationName, state: RelationState, options: MaterializationOptions,
): { statements: Statement[]; columns: string[]; changed: boolean } {
  if (!state.columns) {
    throw new StrataError('INTERNAL', `incremental ${node.uniqueId}: the runner passed no columns for the existing table`, { nodeId: node.uniqueId });
  }
  // Undescribed query columns: assume the query still matches the table.
  const query = options.queryColumns ?? state.columns;
  const mode: OnSchemaChange = node.config.on_schema_change ?? 'ignore';
  const diff = diffColumns(state.columns, query);
  if (mode === 'fail' && hasChanges(diff)) throw schemaChangeError(node, relation, diff);
  const alters = schemaChangeStatements(mode, relation, diff);
  const statements = needsDependentRebuild(mode, diff) && alters.length > 0
    ? [...dropDependentViews(state), ...alters, ...recreateDependentViews(state, options.rebuiltLater)]
    : alters;
  return { statements, columns: insertColumns(mode, state.columns, query, diff), changed: hasChanges(diff) };
}

export function materializeIncremental(node: ModelNode, relation: RelationName, state: RelationState, options: MaterializationOptions): MaterializationPlan {
  const rows = rel(newRowsRelation(relation));
  if (!isIncremental(node, state, options)) {
    const action = !state.exists ? 'create' : (node.config.full_refresh ?? options.fullRefresh) ? 'full-refresh' : 'swap';
    const plan = materializeTable(node, relation, state, options, action);
    // Rows kept by an earlier increment describe a table this build replaces.
    return { ...plan, statements: [...plan.statements, { sql: `drop table if exists ${rows}`, label: 'drop the new rows kept by the previous build' }] };
  }
  const schema = schemaStatements(node, relation, state, options);
  const keys = uniqueKeyColumns(node, schema.columns);
  const { strategy, note } = resolveStrategy(node, keys, options);
  return {
    action: `incremental:${strategy}${note ? ` (${note})` : ''}`,
    statements: [
      ...preHooks(node),
      { sql: `drop table if exists ${rows}`, label: 'drop the new rows kept by the previous build' },
      { sql: `create unlogged table ${rows} as ${queryBody(compiledSql(node, true))}`, label: 'create table of new rows (kept for the data tests)', tally: 'kept' },
      ...schema.statements,
      ...applyStatements(strategy, relation, rows, keys, schema.columns, boundedKeys(keys, state, options)),
      ...indexStatements(node, relation),
      ...persistDocsStatements(node, relation, 'table'),
      ...grantStatements(node, relation),
      ...postHooks(node),
    ],
    increment: { rows, strategy, uniqueKey: strategy === 'append' ? [] : keys, schemaChanged: schema.changed, hookEffect: hookEffect(node, rel(relation)) },
  };
}
