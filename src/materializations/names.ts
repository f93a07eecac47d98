/**
 * Names of the helper relations a materialization creates next to its target (staging table,
 * backup, temp table, indexes) and small SQL-text helpers shared by every materialization.
 *
 * PostgreSQL silently truncates identifiers longer than 63 bytes. A model whose name is already
 * near the limit would, with a suffix appended, collide with another model's staging table or
 * lose the suffix entirely; so long names are shortened explicitly, keeping the suffix and adding
 * a hash of the full name so two long names sharing a prefix never map to the same identifier.
 */
import { createHash } from 'node:crypto';
import { MAX_IDENTIFIER_BYTES, quoteIdent, relationSql } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode, RelationName } from '../manifest/types.js';

export const STAGING_SUFFIX = '__strata_tmp';
export const BACKUP_SUFFIX = '__strata_old';
export const TEMP_SUFFIX = '__strata_new';
/** Schema of strata's own tables (src/state), which also keeps incremental models' new rows. */
export const META_SCHEMA = 'strata_meta';

/** First `length` hex digits of sha256(text): stable across runs and machines. */
export function shortHash(text: string, length = 8): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateBytes(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * `<base><suffix>` when that fits in 63 bytes, otherwise `<base cut short>_<hash of base><suffix>`.
 * The suffix always survives, so a staging table is recognisable as one whatever the model name.
 */
export function suffixedIdentifier(base: string, suffix: string): string {
  const full = base + suffix;
  if (Buffer.byteLength(full, 'utf8') <= MAX_IDENTIFIER_BYTES) return full;
  const hash = `_${shortHash(base)}`;
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(hash + suffix, 'utf8');
  return truncateBytes(base, room) + hash + suffix;
}

/** The same schema, another identifier. */
export function sibling(relation: RelationName, suffix: string): RelationName {
  return { schema: relation.schema, identifier: suffixedIdentifier(relation.identifier, suffix) };
}

/** `"schema"."identifier"`. */
export function rel(relation: Pick<RelationName, 'schema' | 'identifier'>): string {
  return relationSql(relation);
}

/**
 * Where an incremental build keeps its new rows until the model's next build:
 * `strata_meta."<identifier>_<hash>__strata_new"`. A regular (unlogged) table rather than a temp
 * table, so that the model's data tests, which run on other sessions after the build committed,
 * can check just those rows (src/data-tests/new-rows-scope.ts). The hash is of the schema and the
 * identifier: two models of one name in two schemas (or `a__b` in `s` and `b` in `s__a`) keep
 * their rows apart.
 */
export function newRowsRelation(relation: RelationName): RelationName {
  const hash = shortHash(JSON.stringify([relation.schema, relation.identifier]));
  return { schema: META_SCHEMA, identifier: suffixedIdentifier(`${relation.identifier}_${hash}`, TEMP_SUFFIX) };
}

/** Comma-separated quoted column names, optionally qualified by a table alias. */
export function columnList(names: readonly string[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return names.map((n) => prefix + quoteIdent(n)).join(', ');
}

/**
 * The model's SQL as the body of `create ... as (...)`: trailing semicolons would end the
 * statement inside the parentheses, and a trailing `-- comment` would swallow the closing
 * parenthesis, hence the newline before it.
 */
export function queryBody(sql: string): string {
  return `(\n${sql.replace(/[\s;]+$/, '')}\n)`;
}

/** The compiled SQL the plan builds from; the runner compiles before materializing. */
export function compiledSql(node: ModelNode, incremental = false): string {
  const sql = incremental ? (node.compiledIncrementalCode ?? node.compiledCode) : node.compiledCode;
  if (sql === undefined || sql.trim() === '') {
    throw new StrataError('INTERNAL', `${node.uniqueId} has no compiled SQL to materialize`, { nodeId: node.uniqueId });
  }
  return sql;
}
