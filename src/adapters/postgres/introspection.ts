/**
 * Catalog queries: which relations exist, their columns, and which views depend on a relation.
 *
 * Runs query the catalog once (listRelations) and keep the result in a RelationCatalog, updating
 * it as nodes create or drop relations, instead of asking the server before every node. Column
 * lists are fetched lazily since most nodes never need them.
 */
import type { Database, DbClient } from './connection.js';
import { quoteIdent, quoteLiteral, relationSql } from './quoting.js';

export type RelationKind = 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table';

export interface ColumnDef {
  name: string;
  /** format_type() output, e.g. "character varying(20)", "numeric(10,2)", "integer[]". */
  type: string;
  notNull: boolean;
  /** attnum: 1-based position in the table. */
  position: number;
  default?: string;
  comment?: string;
}

export interface RelationInfo {
  schema: string;
  name: string;
  kind: RelationKind;
  oid: number;
  owner: string;
  /** Filled on demand by RelationCatalog.columns(). */
  columns?: ColumnDef[];
}

export const KIND_BY_RELKIND: Record<string, RelationKind> = {
  r: 'table',
  v: 'view',
  m: 'materialized_view',
  f: 'foreign_table',
  p: 'partitioned_table',
};

export function relationKey(schema: string, name: string): string {
  return `${schema}.${name}`;
}

/**
 * All user relations, keyed `schema.name`. With `schemas`, only those schemas (system schemas
 * included if asked for); without, every schema except pg_catalog, information_schema, toast
 * and other sessions' temp schemas.
 */
export async function listRelations(client: DbClient, schemas?: string[]): Promise<Map<string, RelationInfo>> {
  const res = await client.query<{ schema: string; name: string; relkind: string; oid: string; owner: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind AS relkind, c.oid::text AS oid,
            pg_get_userbyid(c.relowner) AS owner
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
        AND CASE WHEN $1::text[] IS NULL
                 THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
                      AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
                 ELSE n.nspname = ANY($1::text[]) END
      ORDER BY 1, 2`,
    [schemas ?? null],
  );
  const out = new Map<string, RelationInfo>();
  for (const r of res.rows) {
    const kind = KIND_BY_RELKIND[r.relkind];
    if (!kind) continue;
    out.set(relationKey(r.schema, r.name), { schema: r.schema, name: r.name, kind, oid: Number(r.oid), owner: r.owner });
  }
  return out;
}

/** Columns in table order, with formatted types. Empty when the relation does not exist. */
export async function getColumns(client: DbClient, schema: string, name: string): Promise<ColumnDef[]> {
  const res = await client.query<{ name: string; type: string; not_null: boolean; position: number; def: string | null; comment: string | null }>(
    `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null, a.attnum::int AS position,
            pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS def,
            pg_catalog.col_description(a.attrelid, a.attnum) AS comment
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, name],
  );
  return res.rows.map((r) => {
    const col: ColumnDef = { name: r.name, type: r.type, notNull: r.not_null, position: Number(r.position) };
    if (r.def !== null) col.default = r.def;
    if (r.comment !== null) col.comment = r.comment;
    return col;
  });
}

/** The per-run cache of relations; the runner updates it as it creates and drops relations. */
export class RelationCatalog {
  private relations = new Map<string, RelationInfo>();
  private readonly pendingColumns = new Map<string, Promise<ColumnDef[]>>();

  constructor(private readonly client: DbClient) {}

  /** (Re)reads the catalog, for the given schemas or all user schemas. */
  async load(schemas?: string[]): Promise<this> {
    this.relations = await listRelations(this.client, schemas);
    this.pendingColumns.clear();
    return this;
  }

  get(schema: string, name: string): RelationInfo | undefined {
    return this.relations.get(relationKey(schema, name));
  }

  has(schema: string, name: string): boolean {
    return this.relations.has(relationKey(schema, name));
  }

  all(): RelationInfo[] {
    return [...this.relations.values()];
  }

  /** Record a relation the run just created (or replaced); drops any cached columns. */
  set(info: Omit<RelationInfo, 'columns' | 'oid' | 'owner'> & Partial<Pick<RelationInfo, 'oid' | 'owner'>>): void {
    const key = relationKey(info.schema, info.name);
    this.pendingColumns.delete(key);
    this.relations.set(key, { oid: 0, owner: '', ...info });
  }

  delete(schema: string, name: string): void {
    const key = relationKey(schema, name);
    this.relations.delete(key);
    this.pendingColumns.delete(key);
  }

  /** Columns of a relation, fetched once (concurrent callers share one query). */
  async columns(schema: string, name: string): Promise<ColumnDef[]> {
    const key = relationKey(schema, name);
    const known = this.relations.get(key);
    if (known?.columns) return known.columns;
    let pending = this.pendingColumns.get(key);
    if (!pending) {
      pending = getColumns(this.client, schema, name);
      this.pendingColumns.set(key, pending);
    }
    try {
      const cols = await pending;
      const rel = this.relations.get(key);
      if (rel && this.pendingColumns.get(key) === pending) rel.columns = cols;
      return cols;
    } finally {
      if (this.pendingColumns.get(key) === pending) this.pendingColumns.delete(key);
    }
  }
}

// ---- dependent views -----------------------------------------------------------------------------

export interface ViewGrant {
  /** Role name, or PUBLIC. */
  grantee: string;
  privilege: string;
  grantable: boolean;
}

export interface DependentView {
  schema: string;
  name: string;
  kind: 'view' | 'materialized_view';
  /** 1 = depends directly on the relation, 2 = on such a view, ... (longest path). */
  depth: number;
  /** pg_get_viewdef output, fully schema-qualified, without the trailing semicolon. */
  definition: string;
  owner: string;
  /** reloptions such as check_option=cascaded, security_barrier=true, security_invoker=true. */
  options: string[];
  comment?: string;
  columnComments: Record<string, string>;
  grants: ViewGrant[];
  /** Materialized views only: CREATE INDEX statements. */
  indexes: string[];
}

/**
 * Every view and materialized view that depends on schema.name, directly or through other
 * views, ordered parents-first so they can be recreated in order after the relation is swapped.
 * Definitions are read with an empty search_path so every name in them is schema-qualified and
 * recreating them later does not depend on the session's search_path.
 *
 * That setting is per session, so `client` must be one connection (a SessionClient, e.g. the
 * one running the swap's transaction); given a pool, one connection is borrowed for the call.
 */
export async function listDependentViews(client: DbClient | Database, schema: string, name: string): Promise<DependentView[]> {
  if ('withClient' in client) return client.withClient((session) => listDependentViews(session, schema, name));
  const saved = (await client.query<{ p: string }>("SELECT current_setting('search_path') AS p")).rows[0]?.p ?? '';
  await client.query("SELECT pg_catalog.set_config('search_path', 'pg_catalog', false)");
  try {
    return await readDependentViews(client, schema, name);
  } finally {
    // Inside a failed transaction this errors; the rollback restores search_path anyway.
    await client.query('SELECT pg_catalog.set_config($1, $2, false)', ['search_path', saved]).catch(() => undefined);
  }
}

async function readDependentViews(client: DbClient, schema: string, name: string): Promise<DependentView[]> {
  const views = await client.query<{
    oid: string; schema: string; name: string; relkind: string; depth: number; definition: string;
    owner: string; options: string[] | null; comment: string | null;
  }>(
    `WITH RECURSIVE root AS (
       SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
     ), deps(oid, depth) AS (
       SELECT r.ev_class, 1
         FROM root
         JOIN pg_depend d ON d.refobjid = root.oid AND d.refclassid = 'pg_class'::regclass
                         AND d.classid = 'pg_rewrite'::regclass
         JOIN pg_rewrite r ON r.oid = d.objid
        WHERE r.ev_class <> root.oid
       UNION
       SELECT r.ev_class, deps.depth + 1
         FROM deps
         JOIN pg_depend d ON d.refobjid = deps.oid AND d.refclassid = 'pg_class'::regclass
                         AND d.classid = 'pg_rewrite'::regclass
         JOIN pg_rewrite r ON r.oid = d.objid
        WHERE r.ev_class <> deps.oid AND deps.depth < 100
     ), deepest AS (SELECT oid, max(depth) AS depth FROM deps GROUP BY oid)
     SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS relkind,
            deepest.depth::int AS depth, pg_get_viewdef(c.oid) AS definition,
            pg_get_userbyid(c.relowner) AS owner, c.reloptions AS options,
            obj_description(c.oid, 'pg_class') AS comment
       FROM deepest
       JOIN pg_class c ON c.oid = deepest.oid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm')
      ORDER BY deepest.depth, n.nspname, c.relname`,
    [schema, name],
  );
  if (views.rows.length === 0) return [];
  const oids = views.rows.map((v) => v.oid);

  const grants = await client.query<{ oid: string; grantee: string; privilege: string; grantable: boolean }>(
    `SELECT c.oid::text AS oid,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_class c, aclexplode(c.relacl) a
      WHERE c.oid = ANY($1::oid[]) AND a.grantee <> c.relowner
      ORDER BY 1, 2, 3`,
    [oids],
  );
  const colComments = await client.query<{ oid: string; column: string; comment: string }>(
    `SELECT a.attrelid::text AS oid, a.attname AS column, d.description AS comment
       FROM pg_attribute a
       JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped`,
    [oids],
  );
  const indexes = await client.query<{ oid: string; def: string }>(
    `SELECT indrelid::text AS oid, pg_get_indexdef(indexrelid) AS def
       FROM pg_index WHERE indrelid = ANY($1::oid[]) ORDER BY indexrelid`,
    [oids],
  );

  return views.rows.map((v) => {
    const view: DependentView = {
      schema: v.schema,
      name: v.name,
      kind: v.relkind === 'm' ? 'materialized_view' : 'view',
      depth: Number(v.depth),
      definition: v.definition.trim().replace(/;\s*$/, ''),
      owner: v.owner,
      options: v.options ?? [],
      columnComments: {},
      grants: grants.rows.filter((g) => g.oid === v.oid).map((g) => ({ grantee: g.grantee, privilege: g.privilege, grantable: g.grantable })),
      indexes: indexes.rows.filter((i) => i.oid === v.oid).map((i) => i.def),
    };
    if (v.comment !== null) view.comment = v.comment;
    for (const c of colComments.rows) if (c.oid === v.oid) view.columnComments[c.column] = c.comment;
    return view;
  });
}

/**
 * Statements that recreate one dependent view as it was: definition, options, owner (only when
 * it differs from `currentUser`, since changing owner needs membership in that role), comments,
 * grants and, for materialized views, indexes.
 */
export function recreateViewSql(view: DependentView, currentUser?: string): string[] {
  const rel = relationSql({ schema: view.schema, identifier: view.name });
  const objectType = view.kind === 'materialized_view' ? 'MATERIALIZED VIEW' : 'VIEW';
  const withOptions = view.options.length ? ` WITH (${view.options.join(', ')})` : '';
  const out = [
    view.kind === 'materialized_view'
      ? `CREATE MATERIALIZED VIEW ${rel}${withOptions} AS\n${view.definition}\nWITH DATA`
      : `CREATE VIEW ${rel}${withOptions} AS\n${view.definition}`,
  ];
  if (currentUser !== undefined && view.owner !== currentUser) {
    out.push(`ALTER ${objectType} ${rel} OWNER TO ${quoteIdent(view.owner)}`);
  }
  if (view.comment !== undefined) out.push(`COMMENT ON ${objectType} ${rel} IS ${quoteLiteral(view.comment)}`);
  for (const [col, comment] of Object.entries(view.columnComments)) {
    out.push(`COMMENT ON COLUMN ${rel}.${quoteIdent(col)} IS ${quoteLiteral(comment)}`);
  }
  for (const g of view.grants) {
    const grantee = g.grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(g.grantee);
    out.push(`GRANT ${g.privilege} ON ${rel} TO ${grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
  }
  out.push(...view.indexes);
  return out;
}
