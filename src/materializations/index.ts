/**
 * Materializations: pure functions from (node, relation state, options) to the SQL statements
 * that build the node (see types.ts for the contract), plus relation-state.ts, the database reads
 * the runner does to produce their input.
 */
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode } from '../manifest/types.js';
import { materializeEphemeral } from './ephemeral.js';
import { materializeIncremental } from './incremental.js';
import { materializeTable } from './table.js';
import type { Materialize } from './types.js';
import { materializeView } from './view.js';

export type * from './types.js';
export { materializeEphemeral } from './ephemeral.js';
export { grantStatements } from './grants.js';
export { persistDocsOf, persistDocsStatements } from './persist-docs.js';
export { postHooks, preHooks } from './hooks.js';
export { createIndexSql, indexName, indexStatements, stagedIndexStatements } from './indexes.js';
export { isIncremental, materializeIncremental, resolveStrategy, uniqueKeyColumns, type Strategy } from './incremental.js';
export {
  BACKUP_SUFFIX, STAGING_SUFFIX, TEMP_SUFFIX, compiledSql, queryBody, shortHash, sibling, suffixedIdentifier, truncateBytes,
} from './names.js';
export { describeQuery, fetchRelationState, type FetchStateOptions } from './relation-state.js';
export { dependentViewKind, dropDependentViews, dropRelationSql, recreateDependentViews, renameRelationSql } from './relations.js';
export {
  describeDiff, diffColumns, hasChanges, insertColumns, schemaChangeError, schemaChangeStatements,
  type ChangedColumn, type OnSchemaChange, type SchemaDiff,
} from './schema-change.js';
export { deleteMatchingSql, deleteNullKeyMatchesSql, insertSql, mergeSql } from './strategies.js';
export { createTableSql, materializeTable, swapIntoPlace } from './table.js';
export { canReplaceView, createViewSql, materializeView } from './view.js';

const BY_MATERIALIZATION: Partial<Record<ModelNode['config']['materialized'], Materialize>> = {
  view: materializeView,
  table: materializeTable,
  incremental: materializeIncremental,
  ephemeral: materializeEphemeral,
};

/** The materialization of a model; seeds and tests have their own runners. */
export function materializationFor(node: ModelNode): Materialize {
  const materialize = BY_MATERIALIZATION[node.config.materialized];
  if (!materialize) {
    throw new StrataError('CONFIG', `materialized: ${JSON.stringify(node.config.materialized)} is not a model materialization (model ${node.name})`, {
      nodeId: node.uniqueId,
      location: node.location,
      hint: 'use view, table, incremental or ephemeral',
    });
  }
  return materialize;
}
