/**
 * `indexes:` config → CREATE INDEX statements.
 *
 * Index names are deterministic (table + columns + a hash of the whole definition) so that a rerun
 * finds the index it created last time (`if not exists` makes the statement idempotent for
 * incremental models) and a changed definition (other columns, unique, type) gets a new name
 * instead of being skipped because an index of that name already exists. Indexes of a rebuilt
 * table die with the old table, so only incremental models can keep an index that is no longer
 * configured; dropping those is left to the user.
 */
import { MAX_IDENTIFIER_BYTES, quoteIdent } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { IndexConfig, ModelNode, RelationName } from '../manifest/types.js';
import { rel, shortHash, truncateBytes } from './names.js';
import type { Statement } from './types.js';

/** `<table>__<columns>_<hash>`, at most 63 bytes. */
export function indexName(table: string, index: IndexConfig): string {
  const hash = shortHash(JSON.stringify([table, index.columns, index.unique === true, (index.type ?? 'btree').toLowerCase()]));
  const cols = index.columns.map((c) => c.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '')).join('_');
  const stem = `${table}__${cols}`;
  return `${truncateBytes(stem, MAX_IDENTIFIER_BYTES - hash.length - 1)}_${hash}`;
}

/**
 * A plain lower-case name is quoted (so `order` or `user` work); anything else is passed through
 * as SQL, as dbt does, so expressions (`lower(email)`), `created_at desc` and already-quoted
 * names keep working, and a mixed-case name folds to lower case exactly like in the model's SQL.
 */
function indexColumnSql(column: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(column) ? quoteIdent(column) : column;
}

function accessMethod(node: ModelNode, index: IndexConfig): string {
  const type = (index.type ?? 'btree').toLowerCase();
  if (!/^[a-z_][a-z0-9_]*$/.test(type)) {
    throw new StrataError('CONFIG', `index type ${JSON.stringify(index.type)} is not a valid access method name`, {
      nodeId: node.uniqueId,
      location: node.location,
      hint: 'use btree, hash, gin, gist, brin or spgist',
    });
  }
  return type;
}

export function createIndexSql(node: ModelNode, relation: RelationName, index: IndexConfig, name: string): string {
  if (index.columns.length === 0) {
    throw new StrataError('CONFIG', 'an index needs at least one column', { nodeId: node.uniqueId, location: node.location });
  }
  const unique = index.unique ? 'unique ' : '';
  const cols = index.columns.map(indexColumnSql).join(', ');
  return `create ${unique}index if not exists ${quoteIdent(name)} on ${rel(relation)} using ${accessMethod(node, index)} (${cols})`;
}

/** Indexes created directly on the target (new tables, incremental models). */
export function indexStatements(node: ModelNode, relation: RelationName): Statement[] {
  return (node.config.indexes ?? []).map((index) => ({
    sql: createIndexSql(node, relation, index, indexName(relation.identifier, index)),
    label: `create index on ${relation.identifier} (${index.columns.join(', ')})`,
  }));
}

/**
 * Indexes for a table swap: built on the staging table before the swap, while readers still use
 * the old table and no exclusive lock is held, then renamed to their final names once the old
 * table (and its indexes, which hold those names) is gone. Readers wait only for the renames.
 */
export function stagedIndexStatements(node: ModelNode, staging: RelationName, target: RelationName): { build: Statement[]; rename: Statement[] } {
  const build: Statement[] = [];
  const rename: Statement[] = [];
  for (const index of node.config.indexes ?? []) {
    const stagingIndex = indexName(staging.identifier, index);
    const finalIndex = indexName(target.identifier, index);
    build.push({
      sql: createIndexSql(node, staging, index, stagingIndex),
      label: `create index on ${staging.identifier} (${index.columns.join(', ')})`,
    });
    rename.push({
      sql: `alter index ${rel({ schema: target.schema, identifier: stagingIndex })} rename to ${quoteIdent(finalIndex)}`,
      label: `rename index to ${finalIndex}`,
    });
  }
  return { build, rename };
}
