/**
 * DDL on existing relations: drop / rename by kind, and taking dependent views out of the way
 * and putting them back.
 *
 * Nothing here uses `DROP ... CASCADE`. Dependent views are dropped explicitly (children first)
 * and recreated from their saved definitions (parents first), so the set of objects removed is
 * exactly the set recreated. If something else still depends on the relation (a view created
 * after the state was read, a foreign key from another table), the plain DROP fails, the
 * transaction rolls back, and the user keeps the old relation and a clear error, instead of
 * silently losing objects.
 */
import type { RelationName } from '../manifest/types.js';
import { quoteIdent, quoteLiteral } from '../adapters/postgres/index.js';
import { rel } from './names.js';
import type { DependentViewState, RelationState, Statement } from './types.js';

type Kind = NonNullable<RelationState['kind']>;

/** The object-type keyword DROP / ALTER need for each kind (a partitioned table is a TABLE). */
const OBJECT_TYPE: Record<Kind, string> = {
  table: 'table',
  partitioned_table: 'table',
  view: 'view',
  materialized_view: 'materialized view',
  foreign_table: 'foreign table',
};

export function objectType(kind: Kind): string {
  return OBJECT_TYPE[kind];
}

export function dropRelationSql(relation: RelationName, kind: Kind): string {
  return `drop ${OBJECT_TYPE[kind]} ${rel(relation)}`;
}

export function renameRelationSql(relation: RelationName, kind: Kind, newIdentifier: string): string {
  return `alter ${OBJECT_TYPE[kind]} ${rel(relation)} rename to ${quoteIdent(newIdentifier)}`;
}

/**
 * DependentViewState carries no kind, but its first recreate statement says what it is
 * (recreateViewSql emits `CREATE MATERIALIZED VIEW` or `CREATE VIEW`), and DROP VIEW refuses a
 * materialized view.
 */
export function dependentViewKind(view: DependentViewState): 'view' | 'materialized_view' {
  return /^\s*create\s+materialized\s+view\b/i.test(view.recreate[0] ?? '') ? 'materialized_view' : 'view';
}

/**
 * Drops every dependent view, children first (the reverse of the parents-first order the state
 * holds), so each DROP finds nothing depending on it any more.
 *
 * The order also matters for concurrent readers: a query on a view locks the view first and the
 * tables under it second. Dropping the views before touching the table takes the locks in that
 * same order, so a reader can wait for us but we never wait for a reader that waits for us
 * (which PostgreSQL would resolve by killing one side with "deadlock detected").
 */
export function dropDependentViews(state: RelationState): Statement[] {
  const views = [...(state.dependentViews ?? [])].reverse();
  return views.map((v) => ({
    sql: dropRelationSql({ schema: v.schema, identifier: v.name }, dependentViewKind(v)),
    label: `drop dependent view ${v.schema}.${v.name}`,
  }));
}

/**
 * Recreates the dependent views, parents first, with their options, comments and grants.
 *
 * A view that is a model built later in the same run (`rebuiltLater`, `schema.name`) is recreated
 * only if its old definition still holds, else left dropped for its own build to create from its
 * new SQL. Without that, removing a column from a model and from the view model reading it, in one
 * run, failed: the parent's swap recreated the view from its old definition, which reads the
 * removed column, and the only way out was a manual DROP VIEW. The attempt is a DO block, its own
 * subtransaction: a failure undoes the whole view (grants too) and the parent's build goes on.
 */
export function recreateDependentViews(state: RelationState, rebuiltLater?: ReadonlySet<string>): Statement[] {
  const out: Statement[] = [];
  for (const v of state.dependentViews ?? []) {
    if (rebuiltLater?.has(`${v.schema}.${v.name}`)) {
      out.push({ sql: recreateIfStillValidSql(v), label: `recreate dependent view ${v.schema}.${v.name} if its old definition still holds (its model builds it later in this run)` });
      continue;
    }
    for (const sql of v.recreate) out.push({ sql, label: `recreate dependent view ${v.schema}.${v.name}` });
  }
  return out;
}

function recreateIfStillValidSql(v: DependentViewState): string {
  const body = v.recreate.map((sql) => `  EXECUTE ${quoteLiteral(sql)};`).join('\n');
  let tag = '$strata$';
  for (let i = 1; body.includes(tag); i++) tag = `$strata${i}$`;
  const name = quoteLiteral(`${v.schema}.${v.name}`);
  return `DO ${tag}\nBEGIN\n${body}\nEXCEPTION WHEN others THEN\n  RAISE NOTICE 'strata: view % left to its own build: %', ${name}, SQLERRM;\nEND\n${tag}`;
}
