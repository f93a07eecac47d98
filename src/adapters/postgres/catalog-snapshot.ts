/**
 * One read of everything a run asks the catalog about its relations: which relations exist in the
 * run's schemas (kind, and columns for the ones asked for), and every view that depends on one of
 * them, directly or through other views, with what it takes to recreate it (definition, options,
 * owner, comment, column comments, grants, materialized-view indexes).
 *
 * Asking these questions per node costs several round trips each (about 5 ms a node on a local
 * server, mostly query planning of the recursive pg_depend walk): for a 200-model run that is
 * more than the models' own statements. Here they are one statement for the whole run; the runner
 * keeps the answers current as it builds (src/run/run-catalog.ts).
 *
 * The dependent views are computed in JavaScript from the dependency edges, with the same order
 * and the same recreate statements as listDependentViews() gives for one relation.
 */
import { StrataError } from '../../errors/strata-error.js';
import type { Database } from './connection.js';
import { KIND_BY_RELKIND, relationKey, type DependentView, type RelationKind, type ViewGrant } from './introspection.js';
import { quoteIdent, quoteLiteral } from './quoting.js';

export interface SnapshotRelation {
  schema: string;
  name: string;
  kind: RelationKind;
  /** Columns in table order with format_type() types; only for the relations asked for. */
  columns?: Array<{ name: string; type: string }>;
}

interface RawView {
  oid: string; schema: string; name: string; relkind: string; definition: string | null; owner: string;
  options: string[] | null; comment: string | null; grants: ViewGrant[] | null; column_comments: Record<string, string> | null; indexes: string[] | null;
}

interface RawSnapshot {
  user: string;
  relations: Array<{ oid: string; schema: string; name: string; relkind: string; columns: Array<{ name: string; type: string }> | null }>;
  /** [view oid, oid of a relation its rules read] */
  edges: Array<[string, string]>;
  views: RawView[];
}

const textArray = (values: readonly string[]): string => `ARRAY[${values.map(quoteLiteral).join(', ')}]::text[]`;

/**
 * One statement; values are inlined (literals) because it travels with `set_config` in one
 * simple-query message (PLANNER_SETTINGS).
 */
function snapshotSql(schemas: readonly string[], columnsOf: ReadonlyArray<{ schema: string; name: string }>): string {
  const inScope = `n.nspname = ANY(${textArray(schemas)}) AND c.relkind IN ('r', 'v', 'm', 'f', 'p')`;
  const wantColumns = `(n.nspname, c.relname) IN (SELECT * FROM unnest(${textArray(columnsOf.map((r) => r.schema))}, ${textArray(columnsOf.map((r) => r.name))}))`;
  return `WITH RECURSIVE edges(view_oid, ref_oid) AS (
  SELECT r.ev_class, d.refobjid
    FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
   WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass AND r.ev_class <> d.refobjid
     AND d.refobjid IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${inScope})
  UNION
  SELECT r.ev_class, d.refobjid
    FROM edges e
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = e.view_oid AND d.classid = 'pg_rewrite'::regclass
    JOIN pg_rewrite r ON r.oid = d.objid AND r.ev_class <> d.refobjid
)
SELECT json_build_object(
  'user', current_user,
  'relations', (SELECT coalesce(json_agg(json_build_object(
      'oid', c.oid::text, 'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind,
      'columns', CASE WHEN ${wantColumns} THEN (
        SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) END)), '[]')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${inScope}),
  'edges', (SELECT coalesce(json_agg(json_build_array(view_oid::text, ref_oid::text)), '[]') FROM edges),
  'views', (SELECT coalesce(json_agg(json_build_object(
      'oid', c.oid::text, 'schema', n.nspname, 'name', c.relname, 'relkind', c.relkind,
      'definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
      'owner', pg_get_userbyid(c.relowner), 'options', c.reloptions, 'comment', obj_description(c.oid, 'pg_class'),
      'grants', (SELECT json_agg(json_build_object(
          'grantee', CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END,
          'privilege', a.privilege_type, 'grantable', a.is_grantable)
          ORDER BY CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type)
          FROM aclexplode(c.relacl) a WHERE a.grantee <> c.relowner),
      'column_comments', (SELECT json_object_agg(a.attname, d.description ORDER BY a.attnum)
          FROM pg_attribute a JOIN pg_description d ON d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'indexes', (SELECT json_agg(pg_get_indexdef(i.indexrelid) ORDER BY i.indexrelid) FROM pg_index i WHERE i.indrelid = c.oid))), '[]')
    FROM (SELECT DISTINCT view_oid FROM edges) v JOIN pg_class c ON c.oid = v.view_oid JOIN pg_namespace n ON n.oid = c.relnamespace)
) AS snapshot`;
}

export class CatalogSnapshot {
  /** `schema.name` → relation, for the schemas read. */
  readonly relations = new Map<string, SnapshotRelation>();
  private readonly oidByKey = new Map<string, string>();
  private readonly views = new Map<string, RawView>();
  /** oid → oids of the views whose rules read it. */
  private readonly readers = new Map<string, string[]>();
  /** view oid → oids its rules read. */
  private readonly reads = new Map<string, string[]>();

  constructor(raw: RawSnapshot) {
    this.currentUser = raw.user;
    for (const r of raw.relations) {
      const kind = KIND_BY_RELKIND[r.relkind];
      if (!kind) continue;
      const key = relationKey(r.schema, r.name);
      this.relations.set(key, { schema: r.schema, name: r.name, kind, ...(r.columns ? { columns: r.columns } : {}) });
      this.oidByKey.set(key, r.oid);
    }
    for (const v of raw.views) this.views.set(v.oid, v);
    for (const [view, ref] of raw.edges) {
      (this.readers.get(ref) ?? this.readers.set(ref, []).get(ref)!).push(view);
      (this.reads.get(view) ?? this.reads.set(view, []).get(view)!).push(ref);
    }
  }

  /** The session user when the snapshot was read (recreated views keep other owners explicitly). */
  readonly currentUser: string;

  /**
   * Views (and materialized views) depending on schema.name, directly or through other views,
   * parents first: by longest path from the relation, then schema, then name (listDependentViews'
   * order). Empty for a relation that was not in the snapshot.
   */
  dependentViews(schema: string, name: string): DependentView[] {
    const root = this.oidByKey.get(relationKey(schema, name));
    if (root === undefined) return [];
    const reachable = new Set<string>();
    const queue = [root];
    for (let i = 0; i < queue.length; i++) {
      for (const reader of this.readers.get(queue[i]!) ?? []) {
        if (reader !== root && !reachable.has(reader)) {
          reachable.add(reader);
          queue.push(reader);
        }
      }
    }
    const depth = new Map<string, number>([[root, 0]]);
    const depthOf = (oid: string): number => {
      const known = depth.get(oid);
      if (known !== undefined) return known;
      const parents = (this.reads.get(oid) ?? []).filter((p) => p === root || reachable.has(p));
      const d = 1 + Math.max(...parents.map(depthOf));
      depth.set(oid, d);
      return d;
    };
    const out: DependentView[] = [];
    for (const oid of reachable) {
      const v = this.views.get(oid);
      if (!v || (v.relkind !== 'v' && v.relkind !== 'm') || v.definition === null) continue;
      out.push({
        schema: v.schema, name: v.name, kind: v.relkind === 'm' ? 'materialized_view' : 'view', depth: depthOf(oid),
        definition: v.definition.trim().replace(/;\s*$/, ''), owner: v.owner, options: v.options ?? [],
        ...(v.comment !== null ? { comment: v.comment } : {}),
        columnComments: v.column_comments ?? {}, grants: v.grants ?? [], indexes: v.indexes ?? [],
      });
    }
    return out.sort((a, b) => a.depth - b.depth || compare(a.schema, b.schema) || compare(a.name, b.name));
  }
}

/** Byte order, as the catalog query's ORDER BY on `name` columns (C collation) sorts. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Settings for the snapshot's transaction only (set_config(..., true)). search_path is pg_catalog
 * so that pg_get_viewdef qualifies every name, as listDependentViews does. The others are about
 * the plan: the planner estimates the recursive walk over pg_depend at tens of thousands of rows
 * (it returns a few hundred: one per view edge), so on a database whose catalogs hold many dead
 * rows (every rebuild leaves some; more without autovacuum) the query costs more than
 * jit_above_cost and is JIT-compiled, which took 55 of its 110 ms on the overhead benchmark's
 * database after ~30 rebuilds; and the walk's join becomes a hash or merge join over the whole of
 * pg_depend and pg_rewrite, where an index lookup per view is what the few rows call for (35 →
 * 19 ms). The models' own statements run with the server's settings.
 */
const PLANNER_SETTINGS: ReadonlyArray<[string, string]> = [
  ['search_path', 'pg_catalog'],
  ['jit', 'off'],
  ['enable_hashjoin', 'off'],
  ['enable_mergejoin', 'off'],
];

/**
 * Reads the snapshot for `schemas`, with the columns of `columnsOf`. One round trip, in a
 * read-only transaction on one borrowed connection. With `createSchemas`, the same message then
 * creates the schemas that do not exist yet (a schema created after the read held nothing when
 * it was read: the snapshot is the same).
 */
export async function readCatalogSnapshot(
  db: Database, schemas: readonly string[], columnsOf: ReadonlyArray<{ schema: string; name: string }> = [],
  options: { createSchemas?: boolean } = {},
): Promise<CatalogSnapshot> {
  // A run that builds nothing (strata test) asks nothing about relations.
  if (!schemas.length) return new CatalogSnapshot({ user: '', relations: [], edges: [], views: [] });
  const create = options.createSchemas ? schemas.map((schema) => `;\nCREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`).join('') : '';
  const sql = `BEGIN READ ONLY; SELECT ${PLANNER_SETTINGS.map(([name, value]) => `pg_catalog.set_config('${name}', '${value}', true)`).join(', ')};\n${snapshotSql(schemas, columnsOf)};\nCOMMIT${create}`;
  const res = await db.withClient((session) => session.query(sql));
  const row = res.statements?.[2]?.rows[0] as { snapshot: RawSnapshot } | undefined;
  if (!row) throw new StrataError('INTERNAL', 'catalog snapshot: the server returned no row');
  return new CatalogSnapshot(row.snapshot);
}
