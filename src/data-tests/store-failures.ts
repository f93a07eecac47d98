/**
 * `store_failures: true`: the failing rows of a test are kept in a table, so they can be queried
 * after the run (dbt's audit tables).
 *
 * Where: schema `<schema>_test_failures`, where <schema> is the schema of the node the test is
 * attached to (sources included), or for singular tests (which have no attached node) the
 * target's schema. Table: the test's name. Both are cut to PostgreSQL's 63 bytes with a hash
 * suffix, so two long names never collide into one table.
 * When: on every run where the test's query succeeded, even with no failing rows: an empty table
 * says "no failures last time", where a stale one would show old failures as current.
 * How: drop + create as, in one implicit transaction (test-sql.ts), with the test's `limit`.
 */
import { createHash } from 'node:crypto';
import { isDbError, MAX_IDENTIFIER_BYTES, quoteIdent, type DbClient, type QueryOptions } from '../adapters/postgres/index.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { storeFailuresSql } from './test-sql.js';

export const FAILURES_SCHEMA_SUFFIX = '_test_failures';

/** `name` if it fits in 63 bytes, else its start + `_` + 8 hex of its md5. */
export function shortIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('md5').update(name).digest('hex').slice(0, 8);
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > MAX_IDENTIFIER_BYTES - hash.length - 1) break;
    out += ch;
  }
  return `${out}_${hash}`;
}

/** The schema of the node a test is attached to, or `fallback` (the target schema). */
export function failuresSchema(manifest: Manifest, test: TestNode, fallback: string): string {
  const attached = test.attachedNode ? (manifest.nodes[test.attachedNode] ?? manifest.sources[test.attachedNode]) : undefined;
  const base = attached && 'relation' in attached ? attached.relation.schema : fallback;
  return shortIdentifier(`${base}${FAILURES_SCHEMA_SUFFIX}`);
}

export interface FailuresTable {
  schema: string;
  table: string;
  /** `"schema"."table"` */
  printed: string;
}

export function failuresTable(manifest: Manifest, test: TestNode, targetSchema: string): FailuresTable {
  const schema = failuresSchema(manifest, test, targetSchema);
  const table = shortIdentifier(test.name);
  return { schema, table, printed: `${quoteIdent(schema)}.${quoteIdent(table)}` };
}

export function createSchemaSql(schema: string): string {
  return `create schema if not exists ${quoteIdent(schema)}`;
}

/**
 * Two test groups storing into the same new schema at the same moment can both pass the
 * IF NOT EXISTS check; the loser sees a unique violation on pg_namespace (23505) or 42P06.
 * The schema exists either way, which is all we need.
 */
export async function ensureSchema(client: DbClient, schema: string, options?: QueryOptions): Promise<void> {
  try {
    await client.query(createSchemaSql(schema), undefined, options);
  } catch (e) {
    if (isDbError(e) && (e.sqlState === '23505' || e.sqlState === '42P06')) return;
    throw e;
  }
}

/** Saves the failing rows; returns the printed table name (TestOutcome.storedFailuresIn). */
export async function storeFailures(
  client: DbClient,
  target: FailuresTable,
  compiledSql: string,
  limit: number | undefined,
  options?: QueryOptions,
): Promise<string> {
  await ensureSchema(client, target.schema);
  await client.query(storeFailuresSql(compiledSql, limit, target.printed), undefined, options);
  return target.printed;
}
