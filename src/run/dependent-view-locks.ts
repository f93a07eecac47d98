/**
 * Rebuilding a table or view drops and recreates the views that depend on it, inside the node's
 * transaction. Two nodes rebuilt at the same time (--threads > 1) can share a dependent view (a
 * view reading two tables): both would drop and recreate it, and deadlock, or one would recreate
 * the view from a definition the other just replaced ("could not open relation with OID").
 *
 * So before reading its relation's state, a node takes a transaction-scoped advisory lock on each
 * view depending on it, in sorted order (no lock-order deadlock between nodes). A sibling sharing
 * a view waits until the first commits, then reads the view's fresh definition. Nodes without
 * dependent views take no lock and never wait.
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
 * Takes the locks for the node's transaction (released when it commits or rolls back), all in one
 * statement. Returns how many views depend on the relation: 0 lets the caller skip reading them.
 */
export async function lockDependentViews(client: DbClient, relation: RelationName): Promise<number> {
  const names = [...new Set(await dependentViewNames(client, relation))];
  const keys = [...new Set(names.map((n) => toInt4(fnv1a32(n))))].sort((a, b) => a - b);
  if (keys.length) {
    // One round trip; unnest preserves the sorted order, so every node locks in the same order.
    await client.query('SELECT pg_catalog.pg_advisory_xact_lock($1, k) FROM unnest($2::int4[]) WITH ORDINALITY AS t(k, i) ORDER BY i', [VIEW_LOCK_NAMESPACE, keys]);
  }
  return names.length;
}
