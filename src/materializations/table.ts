/**
 * The `table` materialization (also the full-build path of `incremental`).
 *
 * No relation yet: `create table <name> as (<sql>)`, then indexes.
 *
 * A relation exists: build the new table next to it and swap, all in one transaction:
 *
 *   create table <name>__strata_tmp as (<sql>)     -- the slow part; readers still use the old table
 *   create index ... on <name>__strata_tmp          -- still no exclusive lock held
 *   drop view <dependent views>                     -- children first
 *   alter table <name> rename to <name>__strata_old
 *   alter table <name>__strata_tmp rename to <name>
 *   drop table <name>__strata_old                   -- no CASCADE: its dependents are gone already
 *   alter index <staging index> rename to <final>
 *   create view <dependent views>                   -- parents first, with options, comments, grants
 *   grant ... / post-hooks
 *
 * PostgreSQL's DDL is transactional, so another connection sees the old table until the commit and
 * the new one after it, never a missing or half-filled one: a query that arrives during the swap
 * waits for the lock and, once it gets it, looks the name up again and reads the new table.
 *
 * Dependent views point at the old table's OID, not its name; the swap would leave them reading
 * the backup (and the DROP would fail). dbt drops the old table with CASCADE and leaves its
 * dependent views missing until something rebuilds them; here they are recreated from the
 * definitions the runner read before the build, so they survive every rebuild. A view (or other
 * kind) under the target name is handled the same way: renamed away and dropped.
 */
import type { ModelNode, RelationName } from '../manifest/types.js';
import { grantStatements } from './grants.js';
import { persistDocsStatements } from './persist-docs.js';
import { postHooks, preHooks } from './hooks.js';
import { indexStatements, stagedIndexStatements } from './indexes.js';
import { BACKUP_SUFFIX, compiledSql, queryBody, rel, sibling, STAGING_SUFFIX } from './names.js';
import { dropDependentViews, dropRelationSql, recreateDependentViews, renameRelationSql } from './relations.js';
import type { MaterializationOptions, MaterializationPlan, RelationState, Statement } from './types.js';

export function createTableSql(relation: RelationName, sql: string): string {
  return `create table ${rel(relation)} as ${queryBody(sql)}`;
}

function createStatements(node: ModelNode, relation: RelationName, sql: string): Statement[] {
  return [{ sql: createTableSql(relation, sql), label: 'create table', countsRows: true }, ...indexStatements(node, relation)];
}

function swapStatements(node: ModelNode, relation: RelationName, state: RelationState, sql: string, rebuiltLater?: ReadonlySet<string>): Statement[] {
  const staging = sibling(relation, STAGING_SUFFIX);
  const indexes = stagedIndexStatements(node, staging, relation);
  return [
    { sql: createTableSql(staging, sql), label: 'create staging table', countsRows: true },
    ...indexes.build,
    ...swapIntoPlace(relation, state, staging, indexes.rename, rebuiltLater),
  ];
}

/**
 * Puts an already-filled staging table in place of `relation` (which exists, as described by
 * `state`), keeping dependent views: the second half of the swap, shared with seeds (filled by COPY).
 */
export function swapIntoPlace(
  relation: RelationName, state: RelationState, staging: RelationName, indexRenames: Statement[] = [], rebuiltLater?: ReadonlySet<string>,
): Statement[] {
  const kind = state.kind ?? 'table';
  const backup = sibling(relation, BACKUP_SUFFIX);
  return [
    ...dropDependentViews(state),
    { sql: renameRelationSql(relation, kind, backup.identifier), label: `rename existing ${kind} to ${backup.identifier}` },
    { sql: renameRelationSql(staging, 'table', relation.identifier), label: 'rename staging table into place' },
    { sql: dropRelationSql(backup, kind), label: `drop previous ${kind}` },
    ...indexRenames,
    ...recreateDependentViews(state, rebuiltLater),
  ];
}

/**
 * `action` lets incremental report its full builds as `full-refresh` while sharing this path.
 * `countsRows` is on the CREATE TABLE AS, whose row count is the rows written.
 */
export function materializeTable(
  node: ModelNode, relation: RelationName, state: RelationState, options: MaterializationOptions, action?: string,
): MaterializationPlan {
  const sql = compiledSql(node);
  const build = state.exists ? swapStatements(node, relation, state, sql, options.rebuiltLater) : createStatements(node, relation, sql);
  return {
    action: action ?? (state.exists ? 'swap' : 'create'),
    statements: [...preHooks(node), ...build, ...persistDocsStatements(node, relation, 'table'), ...grantStatements(node, relation), ...postHooks(node)],
  };
}
