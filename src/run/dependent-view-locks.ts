/**
 * Rebuilding a table or view drops and recreates the views that depend on it, inside the node's
 * transaction. Two nodes rebuilt at the same time (--threads > 1) can share a dependent view (a
 * view reading two tables): both would drop and recreate it, and deadlock, or one would recreate
 * the view from a definition the other just replaced ("could not open relation with OID").
 *
 * So first thing in its transaction, a node takes a transaction-scoped advisory lock on each view
 * depending on it, in sorted order (no lock-order deadlock between nodes). A sibling sharing a
 * view waits until the first commits, then drops and recreates the view the first one recreated
 * (the same definition: a swap recreates views as they were). Nodes without dependent views take
 * no lock and never wait.
 */
import type { DbClient } from '../adapters/postgres/index.js';
import type { RelationName } from '../manifest/types.js';
import { fnv1a32, toInt4 } from '../state/lock-key.js';

/** Namespace of these advisory locks (distinct from the run lock and the meta-schema lock). */
const VIEW_LOCK_NAMESPACE = 0x53545256;

/** Names of the views that depend on the relation, directly or through other views. */
async function dependentViewNames(client: DbClient, relation: RelationName): Promise<string[]> {
  const res = await client.query<{ name: string }>(
    `WITH RECURSIVE deps(oid) AS (
       SELECT DISTINCT r.ev_class
         FROM pg_catalog.pg_depend d
         JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
        WHERE d.refclassid = 'pg_catalog.pg_class'::regclass -- lets pg_depend's index answer
          AND d.refobjid = (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = $1 AND c.relname = $2)
          AND d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.ev_class <> d.refobjid
       UNION
       SELECT r.ev_class
         FROM deps
         JOIN pg_catalog.pg_depend d ON d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = deps.oid
                                     AND d.classid = 'pg_catalog.pg_rewrite'::regclass
         JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid AND r.ev_class <> deps.oid
     )
     SELECT n.nspname || '.' || c.relname AS name
       FROM deps JOIN pg_catalog.pg_class c ON c.oid = deps.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace`,
    [relation.schema, relation.identifier],
  );
  return res.rows.map((r) => r.name);
}

/**
 * The statement taking the locks on views `names` (`schema.name`), or undefined for none. One
 * line with the keys inlined, so it can travel in the same message as the node's other
 * statements; the keys are sorted, and unnest keeps that order, so every node locks in the same
 * order.
 */
export function viewLockSql(names: readonly string[]): string | undefined {
  const keys = [...new Set(names.map((n) => toInt4(fnv1a32(n))))].sort((a, b) => a - b);
  if (!keys.length) return undefined;
  return `SELECT pg_catalog.pg_advisory_xact_lock(${VIEW_LOCK_NAMESPACE}, k) FROM unnest('{${keys.join(',')}}'::int4[]) WITH ORDINALITY AS t(k, i) ORDER BY i`;
}

/**
 * Takes the locks for the node's transaction (released when it commits or rolls back), all in one
 * statement, after asking the catalog which views depend on the relation. Returns how many do: 0
 * lets the caller skip reading them. (A run answers that from its catalog snapshot instead and
 * sends viewLockSql() with the node's statements; this is for a state read afresh.)
 */
export async function lockDependentViews(client: DbClient, relation: RelationName): Promise<number> {
  const names = [...new Set(await dependentViewNames(client, relation))];
  const sql = viewLockSql(names);
  if (sql) await client.query(sql);
  return names.length;
}
