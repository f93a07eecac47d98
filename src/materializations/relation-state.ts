/**
 * Reading what a materialization needs from the database: the RelationState of the target and
 * the columns the model's query produces. Used by the runner before planning a node (and by the
 * integration tests), so plans are built from exactly what the server reports.
 *
 * Query columns come from a temporary view over the query: PostgreSQL then derives the column
 * types (with their modifiers: `numeric(10,2)`, `character varying(20)`) exactly as CREATE TABLE
 * AS / CREATE VIEW will, and format_type() prints them the way getColumns() prints the target's,
 * so the two lists compare as strings. A `limit 0` query would only give type OIDs, losing the
 * modifiers and reporting every numeric(10,2) column as changed.
 */
import { randomBytes } from 'node:crypto';
import {
  getColumns, listDependentViews, quoteIdent, quoteLiteral, recreateViewSql, type Database, type DbClient, type QueryOptions,
} from '../adapters/postgres/index.js';
import type { RelationName } from '../manifest/types.js';
import { queryBody } from './names.js';
import type { ColumnState, RelationState } from './types.js';

const KIND_BY_RELKIND: Record<string, RelationState['kind']> = {
  r: 'table', v: 'view', m: 'materialized_view', f: 'foreign_table', p: 'partitioned_table',
};

/**
 * Both functions need one session (a temp view, a session-level search_path): given a pool
 * (Database), they borrow one connection for the call.
 */
function onSession<T>(client: DbClient | Database, fn: (session: DbClient) => Promise<T>): Promise<T> {
  return 'withClient' in client ? client.withClient(fn) : fn(client);
}

/**
 * Existence, kind, columns and dependent views (with the statements recreating them) of a
 * relation. Run it on the connection (or just before the transaction) that will execute the plan:
 * a view created in between would not be in the list, and the plan's plain DROP would then fail
 * rather than silently remove it.
 */
export interface FetchStateOptions {
  /** Read the relation's columns (views and incremental models need them; tables do not). */
  columns?: boolean;
  /** Read dependent views (skip when the caller knows there are none). */
  dependentViews?: boolean;
}

export function fetchRelationState(
  client: DbClient | Database, relation: Pick<RelationName, 'schema' | 'identifier'>, options: FetchStateOptions = {},
): Promise<RelationState> {
  const wantColumns = options.columns ?? true;
  const wantViews = options.dependentViews ?? true;
  return onSession(client, async (session) => {
    const found = await session.query<{ relkind: string; current_user: string }>(
      `SELECT c.relkind, current_user AS current_user
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [relation.schema, relation.identifier],
    );
    const row = found.rows[0];
    const kind = row ? KIND_BY_RELKIND[row.relkind] : undefined;
    if (!row || !kind) return { exists: false };
    const columns = wantColumns ? await getColumns(session, relation.schema, relation.identifier) : undefined;
    const views = wantViews ? await listDependentViews(session, relation.schema, relation.identifier) : [];
    return {
      exists: true,
      kind,
      ...(columns ? { columns: columns.map((c) => ({ name: c.name, type: c.type })) } : {}),
      dependentViews: views.map((v) => ({ schema: v.schema, name: v.name, recreate: recreateViewSql(v, row.current_user) })),
    };
  });
}

/**
 * The columns `sql` produces, in order, with format_type() types. Creates and drops a temporary
 * view; if the query is invalid this throws the server's error (and, inside a transaction,
 * leaves it aborted, like running the query would).
 */
export function describeQuery(client: DbClient | Database, sql: string, errorContext?: QueryOptions): Promise<ColumnState[]> {
  return onSession(client, async (session) => {
    const name = quoteIdent(`strata_describe_${randomBytes(6).toString('hex')}`);
    // One message: create, read, drop. queryBody puts the query on the statement's second line,
    // so an error position maps to the caller's file given where the statement would start
    // (errorContext.startLine). A failing CREATE skips the rest (and creates nothing).
    const res = await session.query(
      `CREATE TEMP VIEW ${name} AS ${queryBody(sql)};
SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = ${quoteLiteral(`pg_temp.${name}`)}::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
DROP VIEW pg_temp.${name}`,
      undefined,
      errorContext,
    );
    const rows = (res.statements?.[1]?.rows ?? []) as Array<{ name: string; type: string }>;
    return rows.map((r) => ({ name: r.name, type: r.type }));
  });
}
