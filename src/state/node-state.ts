/**
 * strata_meta.node_state: what each node's relation was last built from (fingerprint) and with
 * (input versions), and the version of the data it holds (data version). The runner compares
 * this with the current project to skip nodes that are up to date (fingerprint.ts).
 *
 * saveNodeState takes a DbClient so the runner can pass the node's build transaction: the
 * relation and its state then commit together, and a failed or interrupted build leaves the old
 * state (which still describes the old relation) in place.
 */
import { quoteLiteral, type DbClient } from '../adapters/postgres/index.js';

/**
 * The latest build of an incremental model, when it applied new rows to the table it had rather
 * than building the table anew: the data tests of the model can then check just those rows
 * (src/data-tests/new-rows-scope.ts).
 */
export interface Increment {
  /** The data version of the table the new rows were applied to (the model's previous build). */
  from: string;
  /** The table keeping this build's new rows until the model's next build: `"strata_meta"."..."`. */
  rows: string;
  strategy: 'append' | 'delete+insert' | 'merge';
  /** unique_key as columns of the table (empty for append). */
  uniqueKey: string[];
  /** The build changed the table's columns (on_schema_change): earlier rows changed too. */
  schemaChanged: boolean;
  /** What the hooks that ran with the build may have done to rows already there (materializations/hooks.ts). */
  hookEffect: 'none' | 'deletes' | 'unknown';
  /**
   * How many new rows the build kept, recorded after the commit: the kept table must still hold
   * them (an unlogged table is emptied by a crash). Unknown: its tests read every row.
   */
  newRows?: number;
  /**
   * Rows the model's `delete from {{ this }}` hooks deleted in this build, when it has such hooks
   * and their counts were told apart (recorded after the commit); 0 means the table lost no row
   * but those the strategy replaced.
   */
  hooksDeleted?: number;
}

export interface NodeState {
  uniqueId: string;
  /** Relation as SQL text (`"analytics"."orders"`), or '' for nodes without one. */
  relation: string;
  resourceType: string;
  fingerprint: string;
  /** Version of the data this build produced; children record it in their inputVersions. */
  dataVersion: string;
  /** Parent unique id → that parent's data version when this node was built. */
  inputVersions: Record<string, string>;
  /** Loaded states carry the server's timestamptz text; a Date is accepted when saving. */
  builtAt: Date | string;
  runId: string;
  /** Set when this build was an increment (see Increment). */
  increment?: Increment;
  /** sha256 of the compiled SQL the build ran (modelCodeHash), for models; unset in older states. */
  codeHash?: string;
}

interface NodeStateRow {
  unique_id: string;
  relation: string | null;
  resource_type: string;
  fingerprint: string;
  data_version: string;
  input_versions: Record<string, string> | null;
  built_at: string;
  run_id: string | null;
  increment: Increment | null;
  code_hash: string | null;
}

function fromRow(row: NodeStateRow): NodeState {
  return {
    uniqueId: row.unique_id,
    relation: row.relation ?? '',
    resourceType: row.resource_type,
    fingerprint: row.fingerprint,
    dataVersion: row.data_version,
    inputVersions: row.input_versions ?? {},
    builtAt: row.built_at,
    runId: row.run_id ?? '',
    ...(row.increment ? { increment: row.increment } : {}),
    ...(row.code_hash ? { codeHash: row.code_hash } : {}),
  };
}

/** Every node state of a project, by unique id, in one query. */
export async function loadNodeStates(db: DbClient, project: string): Promise<Map<string, NodeState>> {
  const res = await db.query<NodeStateRow>(
    `SELECT unique_id, relation, resource_type, fingerprint, data_version, input_versions, built_at, run_id, increment, code_hash
     FROM strata_meta.node_state WHERE project = $1`,
    [project],
  );
  return new Map(res.rows.map((row) => [row.unique_id, fromRow(row)]));
}

/**
 * The statement inserting or replacing the state of one node, values inlined: the runner sends it
 * in the same message as the node's build statements and their COMMIT, so the state costs no
 * round trip of its own and commits (or rolls back) with the relation it describes.
 */
export function saveNodeStateSql(project: string, state: NodeState): string {
  const builtAt = state.builtAt instanceof Date ? state.builtAt.toISOString() : state.builtAt;
  const values = [
    quoteLiteral(project), quoteLiteral(state.uniqueId), quoteLiteral(state.relation), quoteLiteral(state.resourceType),
    quoteLiteral(state.fingerprint), quoteLiteral(state.dataVersion), `${quoteLiteral(JSON.stringify(state.inputVersions))}::jsonb`,
    `${quoteLiteral(builtAt)}::timestamptz`, quoteLiteral(state.runId),
    state.increment ? `${quoteLiteral(JSON.stringify(state.increment))}::jsonb` : 'NULL',
    state.codeHash ? quoteLiteral(state.codeHash) : 'NULL',
  ];
  return `INSERT INTO strata_meta.node_state
  (project, unique_id, relation, resource_type, fingerprint, data_version, input_versions, built_at, run_id, increment, code_hash)
VALUES (${values.join(', ')})
ON CONFLICT (project, unique_id) DO UPDATE SET
  relation = EXCLUDED.relation, resource_type = EXCLUDED.resource_type,
  fingerprint = EXCLUDED.fingerprint, data_version = EXCLUDED.data_version,
  input_versions = EXCLUDED.input_versions, built_at = EXCLUDED.built_at, run_id = EXCLUDED.run_id,
  increment = EXCLUDED.increment, code_hash = EXCLUDED.code_hash`;
}

/** Adds what an increment counted (`newRows`, `hooksDeleted`) to a node's state, after its build committed. */
export function recordIncrementCountsSql(project: string, uniqueId: string, counts: { newRows: number; hooksDeleted?: number }): string {
  return `UPDATE strata_meta.node_state SET increment = increment || ${quoteLiteral(JSON.stringify(counts))}::jsonb
WHERE project = ${quoteLiteral(project)} AND unique_id = ${quoteLiteral(uniqueId)} AND increment IS NOT NULL`;
}

/** The nodes' latest builds no longer keep new rows (their kept tables are being dropped). */
export function forgetIncrementsSql(project: string, uniqueIds: readonly string[]): string {
  return `UPDATE strata_meta.node_state SET increment = NULL
WHERE project = ${quoteLiteral(project)} AND unique_id IN (${uniqueIds.map(quoteLiteral).join(', ')})`;
}

/** Inserts or replaces the state of one node. Pass the build transaction's client. */
export async function saveNodeState(client: DbClient, project: string, state: NodeState): Promise<void> {
  await client.query(saveNodeStateSql(project, state));
}

/** Forgets a node (dropped model, or a build that left no relation). True when a row existed. */
export async function deleteNodeState(client: DbClient, project: string, uniqueId: string): Promise<boolean> {
  const res = await client.query('DELETE FROM strata_meta.node_state WHERE project = $1 AND unique_id = $2', [project, uniqueId]);
  return res.rowCount > 0;
}
