/**
 * The contract between the runner and the materializations.
 *
 * A materialization is a pure function: (node, what the database holds now, options) → the
 * statements that build the node. The runner fetches the relation state once (introspection),
 * passes it in, and executes the statements; materializations never touch the database, so their
 * SQL is unit-tested as text and integration-tested by executing it.
 */
import type { ModelNode, RelationName } from '../manifest/types.js';

export interface ColumnState {
  name: string;
  /** Formatted type as PostgreSQL prints it (`numeric(10,2)`, `timestamp with time zone`). */
  type: string;
}

export interface DependentViewState {
  schema: string;
  name: string;
  /** Statements that recreate it (definition, options, grants, comments), parents first. */
  recreate: string[];
}

export interface RelationState {
  exists: boolean;
  kind?: 'table' | 'view' | 'materialized_view' | 'foreign_table' | 'partitioned_table';
  columns?: ColumnState[];
  /** Views (transitively) depending on this relation, ordered parents first. */
  dependentViews?: DependentViewState[];
}

export interface MaterializationOptions {
  fullRefresh: boolean;
  supportsMerge: boolean;
  /**
   * Columns the node's query produces (the runner describes the query with `limit 0`); needed by
   * `view` (can CREATE OR REPLACE keep the columns?) and by incremental `on_schema_change`.
   */
  queryColumns?: ColumnState[];
  /**
   * `view` only, without `queryColumns`: plan CREATE OR REPLACE for an existing view and let
   * PostgreSQL check the columns. It refuses a change it cannot make (SQLSTATE 42P16), and the
   * runner then describes the query and plans again; a describe per view is saved on every build
   * whose columns did not change.
   */
  replaceUnlessRefused?: boolean;
  /** Identifies the run (used in temporary object names and comments). */
  runId: string;
  /**
   * View models (`schema.name`) the run builds later: as dependent views they are recreated only
   * if their old definition still holds (recreateDependentViews).
   */
  rebuiltLater?: ReadonlySet<string>;
}

export interface Statement {
  sql: string;
  /** Short description for logs and target/run/ comments (`create staging table`). */
  label: string;
  /**
   * Statements run inside one transaction per node unless marked; `outside` ones (e.g.
   * `CREATE INDEX CONCURRENTLY`, none today) run after the commit.
   */
  outside?: boolean;
  /** For rows-affected reporting: this statement's row count is the node's "rows". */
  countsRows?: boolean;
  /**
   * What this statement's row count tells the node's state: `kept`, the new rows an increment
   * keeps for its tests; `deleted`, rows a `delete from {{ this }}` hook removed (hooks.ts).
   */
  tally?: 'kept' | 'deleted';
}

export interface MaterializationPlan {
  /** Which path was taken: `create`, `replace`, `swap`, `incremental`, `full-refresh`... */
  action: string;
  statements: Statement[];
  /** An incremental build that applies new rows to the existing table (state's `increment`). */
  increment?: {
    /** The table keeping the new rows, as SQL. */
    rows: string;
    strategy: 'append' | 'delete+insert' | 'merge';
    uniqueKey: string[];
    schemaChanged: boolean;
    /** What the node's hooks may do to rows already in the table (hooks.ts), from their templates. */
    hookEffect: 'none' | 'deletes' | 'unknown';
  };
}

export type Materialize = (node: ModelNode, relation: RelationName, state: RelationState, options: MaterializationOptions) => MaterializationPlan;
