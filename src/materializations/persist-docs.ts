/**
 * `persist_docs: {relation: true, columns: true}` (dbt's config, on models and seeds) → COMMENT statements, applied
 * after every build like grants: a table swapped in is a new object without comments, and
 * re-commenting a view replaced in place also applies a changed description.
 *
 * Column comments go through one DO block over the columns the relation has (its catalog decides,
 * after the build): each gets its documented description, or none. Documented columns a model
 * does not select are skipped, as dbt does; the plan is made before the final columns are known
 * for every path (a view replaced in place is not described), and `comment on column` fails on a
 * missing one. A column is matched by its exact name, else by its lower-case spelling (unquoted
 * names fold to it). An empty or removed description removes the comment (`is null`).
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
  if (want.columns) {
    // Every column of the relation gets its description, or none: a description removed from the
    // property file (or a column no longer documented) loses its comment, as a rebuilt relation
    // would, also on a view replaced in place or an incremental table.
    const columns = Object.values(node.columns ?? {});
    const documented = columns.length
      ? `(select d.descr from (values ${columns.map((c) => `(${quoteLiteral(c.name)}, ${literalOrNull(c.description ?? '')})`).join(', ')}) as d(col, descr)
       where d.col = a.attname or lower(d.col) = a.attname order by d.col = a.attname desc limit 1)`
      : 'null::text';
    const body = [
      'declare r record; begin',
      `  for r in select a.attname, ${documented} as descr`,
      `    from pg_attribute a where a.attrelid = ${quoteLiteral(target)}::regclass and a.attnum > 0 and not a.attisdropped`,
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
