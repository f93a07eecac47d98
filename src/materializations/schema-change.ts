/**
 * `on_schema_change` for incremental models: what to do when the query's columns no longer match
 * the existing table's.
 *
 *   ignore              (default) insert only the columns both have; new query columns are dropped,
 *                       removed ones are left NULL in new rows
 *   fail                stop the node and say what differs
 *   append_new_columns  add the new columns; removed ones stay (NULL in new rows)
 *   sync_all_columns    add new, drop removed, change types: the table follows the query
 *
 * Columns match by name (exact); order does not matter, since every insert names its columns.
 * Types are compared as format_type() prints them, which is how both the target's columns and the
 * described query columns are obtained (see relation-state.ts).
 */
import { quoteIdent } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode, NodeConfig, RelationName } from '../manifest/types.js';
import { rel } from './names.js';
import type { ColumnState, Statement } from './types.js';

export type OnSchemaChange = NonNullable<NodeConfig['on_schema_change']>;

export interface ChangedColumn {
  name: string;
  from: string;
  to: string;
}

export interface SchemaDiff {
  /** In the query, not in the table (query order). */
  added: ColumnState[];
  /** In the table, not in the query (table order). */
  removed: ColumnState[];
  /** In both with different types. */
  changed: ChangedColumn[];
}

export function diffColumns(target: readonly ColumnState[], query: readonly ColumnState[]): SchemaDiff {
  const inTarget = new Map(target.map((c) => [c.name, c]));
  const inQuery = new Map(query.map((c) => [c.name, c]));
  const changed: ChangedColumn[] = [];
  for (const q of query) {
    const t = inTarget.get(q.name);
    if (t && t.type !== q.type) changed.push({ name: q.name, from: t.type, to: q.type });
  }
  return {
    added: query.filter((c) => !inTarget.has(c.name)),
    removed: target.filter((c) => !inQuery.has(c.name)),
    changed,
  };
}

export function hasChanges(diff: SchemaDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length > 0;
}

export function describeDiff(diff: SchemaDiff): string[] {
  return [
    ...diff.added.map((c) => `added column ${c.name} (${c.type})`),
    ...diff.removed.map((c) => `removed column ${c.name} (${c.type})`),
    ...diff.changed.map((c) => `column ${c.name} changed type from ${c.from} to ${c.to}`),
  ];
}

/** on_schema_change: fail, with the differences listed. A node failure, hence code DB. */
export function schemaChangeError(node: ModelNode, relation: RelationName, diff: SchemaDiff): StrataError {
  const details = describeDiff(diff);
  return new StrataError('DB', `the columns of ${node.name} no longer match ${relation.schema}.${relation.identifier} (${details.length} difference${details.length === 1 ? '' : 's'}) and on_schema_change is 'fail'`, {
    nodeId: node.uniqueId,
    location: node.location,
    details,
    hint: 'rebuild it with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns',
  });
}

/** ALTER TABLE statements that make the table follow the query, per mode. */
export function schemaChangeStatements(mode: OnSchemaChange, relation: RelationName, diff: SchemaDiff): Statement[] {
  if (mode !== 'append_new_columns' && mode !== 'sync_all_columns') return [];
  const target = rel(relation);
  const out: Statement[] = diff.added.map((c) => ({
    sql: `alter table ${target} add column ${quoteIdent(c.name)} ${c.type}`,
    label: `add column ${c.name}`,
  }));
  if (mode === 'append_new_columns') return out;
  for (const c of diff.removed) {
    out.push({ sql: `alter table ${target} drop column ${quoteIdent(c.name)}`, label: `drop column ${c.name}` });
  }
  for (const c of diff.changed) {
    out.push({
      sql: `alter table ${target} alter column ${quoteIdent(c.name)} type ${c.to} using ${quoteIdent(c.name)}::${c.to}`,
      label: `change type of ${c.name} to ${c.to}`,
    });
  }
  return out;
}

/**
 * The columns to copy from the new rows into the table, in table order (added ones last): the
 * columns both sides have after the mode's ALTERs.
 */
export function insertColumns(mode: OnSchemaChange, target: readonly ColumnState[], query: readonly ColumnState[], diff: SchemaDiff): string[] {
  const queryNames = new Set(query.map((c) => c.name));
  const shared = target.filter((c) => queryNames.has(c.name)).map((c) => c.name);
  if (mode === 'append_new_columns' || mode === 'sync_all_columns') return [...shared, ...diff.added.map((c) => c.name)];
  return shared;
}

/** Dropping or retyping a column a view reads fails in PostgreSQL, so those views must go first. */
export function needsDependentRebuild(mode: OnSchemaChange, diff: SchemaDiff): boolean {
  return mode === 'sync_all_columns' && diff.removed.length + diff.changed.length > 0;
}
