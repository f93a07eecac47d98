/**
 * `persist_docs: {relation: true, columns: true}` (dbt's config, on models and seeds) → COMMENT statements, applied
 * after every build like grants: a table swapped in is a new object without comments, and
 * re-commenting a view replaced in place also applies a changed description.
 *
 * Column comments go through one DO block that comments only the documented columns the
 * relation has (its catalog decides, after the build), as dbt does: documented columns a model does
 * not select are skipped (the plan is made before the final columns are known for every path: a
 * view replaced in place is not described, and `comment on column` fails on a missing one), and
 * columns not documented are left alone (a post-hook's or a DBA's comment stays). A column is
 * matched by its exact name, else by its lower-case spelling (unquoted names fold to it). An empty
 * description removes the comment (`is null`).
 */
import { quoteLiteral } from '../adapters/postgres/index.js';
import type { ColumnInfo, NodeConfig, RelationName } from '../manifest/types.js';
import { rel } from './names.js';
import type { Statement } from './types.js';

export interface PersistDocs {
  relation: boolean;
  columns: boolean;
}

/** The node's `persist_docs` as two flags (a missing or malformed value persists nothing). */
export function persistDocsOf(config: NodeConfig): PersistDocs {
  const v = config['persist_docs'];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { relation: false, columns: false };
  const o = v as Record<string, unknown>;
  return { relation: o['relation'] === true, columns: o['columns'] === true };
}

const literalOrNull = (text: string): string => (text.trim() === '' ? 'null' : quoteLiteral(text));

/** A dollar-quote tag that does not occur in `body`. */
function dollarTag(body: string): string {
  let tag = '$strata_docs$';
  for (let i = 0; body.includes(tag); i++) tag = `$strata_docs_${i}$`;
  return tag;
}

/** What is persisted of a model or seed. */
export interface Documented {
  config: NodeConfig;
  description?: string;
  columns?: Record<string, ColumnInfo>;
}

export function persistDocsStatements(node: Documented, relation: RelationName, kind: 'table' | 'view'): Statement[] {
  const want = persistDocsOf(node.config);
  const out: Statement[] = [];
  const target = rel(relation);
  if (want.relation) {
    out.push({ sql: `comment on ${kind} ${target} is ${literalOrNull(node.description ?? '')}`, label: `comment on ${kind} ${relation.identifier}` });
  }
  const columns = Object.values(node.columns ?? {});
  if (want.columns && columns.length > 0) {
    // Only documented columns, as dbt: comments on the others (a post-hook's, a DBA's) are theirs.
    const values = columns.map((c) => `(${quoteLiteral(c.name)}, ${literalOrNull(c.description ?? '')})`).join(', ');
    const body = [
      'declare r record; begin',
      `  for r in select a.attname, d.descr from (values ${values}) as d(col, descr)`,
      `    join pg_attribute a on a.attrelid = ${quoteLiteral(target)}::regclass and a.attnum > 0 and not a.attisdropped`,
      '     and a.attname = case when exists (select 1 from pg_attribute x where x.attrelid = a.attrelid and x.attname = d.col and not x.attisdropped) then d.col else lower(d.col) end',
      '  loop',
      `    execute format('comment on column %s.%I is %s', ${quoteLiteral(target)}, r.attname, coalesce(quote_literal(r.descr), 'null'));`,
      '  end loop;',
      'end',
    ].join('\n');
    const tag = dollarTag(body);
    out.push({ sql: `do ${tag}\n${body}\n${tag}`, label: `comment on the columns of ${relation.identifier}` });
  }
  return out;
}
