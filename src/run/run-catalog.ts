/**
 * The run's view of the catalog: the snapshot read once when the run starts
 * (adapters/postgres/catalog-snapshot.ts), kept current as the run builds relations, so a node's
 * relation state (exists? kind? columns? dependent views and how to recreate them?) costs no round
 * trip.
 *
 * What the run itself changes is tracked, not guessed: every relation a node builds is marked
 * changed (its columns, and for a view its definition and what it reads, are now unknown). A state
 * that would depend on a changed relation -- the relation itself, or a dependent view the run
 * rebuilt -- is not answered here (`state()` returns undefined) and the runner reads it from the
 * database inside the node's transaction, as it did before the snapshot existed. Views the run
 * only drops and recreates from the snapshot (around a table swap) come back identical and stay
 * valid.
 *
 * What other sessions change during the run is not tracked. A plan made from a stale state fails
 * safely (strata never uses CASCADE: a DROP with a new dependant, a DROP of a view that is gone, a
 * CREATE of a name that appeared all fail), and the runner then builds the node again from a
 * fresh state (`isStaleStateError`). One case stays stale: a dependent view redefined by another
 * session after the run started is recreated as it was when the run started.
 */
import { isDbError, recreateViewSql, relationKey, type CatalogSnapshot, type RelationKind, type SnapshotRelation } from '../adapters/postgres/index.js';
import type { RelationName } from '../manifest/types.js';
import type { RelationState } from '../materializations/types.js';

type Relation = Pick<RelationName, 'schema' | 'identifier'>;

export class RunCatalog {
  private readonly relations: Map<string, SnapshotRelation>;
  private readonly changed = new Set<string>();

  constructor(private readonly snapshot: CatalogSnapshot) {
    this.relations = new Map(snapshot.relations);
  }

  exists(relation: Relation): boolean {
    return this.relations.has(relationKey(relation.schema, relation.identifier));
  }

  /**
   * The relation's state as the snapshot (and what this run built since) says, or undefined when
   * it must be read from the database: the relation or one of its dependent views was built by
   * this run, or its columns are wanted and were not read.
   */
  state(relation: Relation, options: { columns: boolean }): RelationState | undefined {
    const key = relationKey(relation.schema, relation.identifier);
    if (this.changed.has(key)) return undefined;
    const found = this.relations.get(key);
    if (!found) return { exists: false };
    if (options.columns && !found.columns) return undefined;
    const views = this.snapshot.dependentViews(relation.schema, relation.identifier);
    if (views.some((v) => this.changed.has(relationKey(v.schema, v.name)))) return undefined;
    return {
      exists: true,
      kind: found.kind,
      ...(options.columns ? { columns: found.columns } : {}),
      dependentViews: views.map((v) => ({ schema: v.schema, name: v.name, recreate: recreateViewSql(v, this.snapshot.currentUser) })),
    };
  }

  /** A node built (created, replaced or swapped) `relation` as `kind`: what it holds is now unknown. */
  built(relation: Relation, kind: RelationKind): void {
    const key = relationKey(relation.schema, relation.identifier);
    this.relations.set(key, { schema: relation.schema, name: relation.identifier, kind });
    this.changed.add(key);
  }
}

/**
 * Server errors a plan made from a stale state produces (and a correct plan does not): something
 * now depends on a relation it drops (2BP01), a relation it drops or renames is gone (42P01), one
 * it creates exists (42P07), a relation is of another kind (42809), CREATE OR REPLACE VIEW refused
 * the new columns (42P16), a column the plan names is gone (42703). The same codes can come from
 * the user's SQL; building again from a fresh state then fails the same way, and that error is
 * the one reported.
 */
const STALE_STATE_SQLSTATES = new Set(['2BP01', '42P01', '42P07', '42809', '42P16', '42703']);

export function isStaleStateError(e: unknown): boolean {
  return isDbError(e) && STALE_STATE_SQLSTATES.has(e.sqlState ?? '');
}
