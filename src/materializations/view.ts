/**
 * The `view` materialization.
 *
 *   no relation                  → create view
 *   a view whose columns the new
 *   query keeps (same names and
 *   types in order, new ones only
 *   appended)                    → create or replace view (keeps the OID, so dependent views,
 *                                  grants and comments stay untouched)
 *   anything else (columns
 *   changed, or a table / other
 *   kind under that name)        → rebuild: drop dependent views, drop the relation, create
 *                                  the view, recreate the dependent views; one transaction
 *
 * PostgreSQL's CREATE OR REPLACE VIEW refuses to drop, rename or retype a column, which is why
 * the column check decides between the two in-place paths. Without the query's columns
 * (`replaceUnlessRefused`) the replace is planned and PostgreSQL's own check decides: the runner
 * plans again with the columns when it refuses.
 */
import type { ModelNode, RelationName } from '../manifest/types.js';
import { grantStatements } from './grants.js';
import { persistDocsStatements } from './persist-docs.js';
import { postHooks, preHooks } from './hooks.js';
import { compiledSql, queryBody, rel } from './names.js';
import { dropDependentViews, dropRelationSql, recreateDependentViews } from './relations.js';
import type { ColumnState, MaterializationOptions, MaterializationPlan, RelationState, Statement } from './types.js';

/**
 * True when CREATE OR REPLACE VIEW can turn a view with `existing` columns into one with `next`
 * columns. Unknown columns (the runner did not describe them) count as "no": a rebuild is always
 * correct, a refused replace would fail the node.
 */
export function canReplaceView(existing: readonly ColumnState[] | undefined, next: readonly ColumnState[] | undefined): boolean {
  if (!existing || !next || next.length < existing.length) return false;
  return existing.every((col, i) => col.name === next[i]?.name && col.type === next[i]?.type);
}

export function createViewSql(relation: RelationName, sql: string, orReplace = false): string {
  return `create ${orReplace ? 'or replace ' : ''}view ${rel(relation)} as ${queryBody(sql)}`;
}

function viewPath(state: RelationState, options: MaterializationOptions): 'create' | 'replace' | 'rebuild' {
  if (!state.exists) return 'create';
  if (state.kind !== 'view') return 'rebuild';
  if (options.replaceUnlessRefused && !options.queryColumns) return 'replace';
  return canReplaceView(state.columns, options.queryColumns) ? 'replace' : 'rebuild';
}

function buildStatements(path: 'create' | 'replace' | 'rebuild', relation: RelationName, state: RelationState, sql: string, rebuiltLater?: ReadonlySet<string>): Statement[] {
  if (path === 'create') return [{ sql: createViewSql(relation, sql), label: 'create view' }];
  if (path === 'replace') return [{ sql: createViewSql(relation, sql, true), label: 'replace view' }];
  return [
    ...dropDependentViews(state),
    { sql: dropRelationSql(relation, state.kind ?? 'view'), label: `drop existing ${state.kind ?? 'view'}` },
    { sql: createViewSql(relation, sql), label: 'create view' },
    ...recreateDependentViews(state, rebuiltLater),
  ];
}

export function materializeView(node: ModelNode, relation: RelationName, state: RelationState, options: MaterializationOptions): MaterializationPlan {
  const path = viewPath(state, options);
  return {
    action: path,
    statements: [
      ...preHooks(node),
      ...buildStatements(path, relation, state, compiledSql(node), options.rebuiltLater),
      ...persistDocsStatements(node, relation, 'view'),
      // A rebuilt view is a new object without privileges; a replaced one keeps them, and
      // granting again is a no-op.
      ...grantStatements(node, relation),
      ...postHooks(node),
    ],
  };
}
