/**
 * Running materialization plans against a real database the way the runner does: read the
 * relation state and the query's columns on the session that will run the plan, then execute the
 * statements in one transaction.
 */
import { detectCapabilities, type Database, type DbClient } from '../../../src/adapters/postgres/index.js';
import type { ModelNode } from '../../../src/manifest/types.js';
import {
  describeQuery, fetchRelationState, isIncremental, materializationFor, type MaterializationOptions, type MaterializationPlan,
} from '../../../src/materializations/index.js';
import { ensureMetaSchema } from '../../../src/state/index.js';

export interface BuildResult {
  plan: MaterializationPlan;
  /** rowCount of the statement marked countsRows. */
  rows: number | undefined;
}

export async function executePlan(client: DbClient, plan: MaterializationPlan): Promise<number | undefined> {
  let rows: number | undefined;
  for (const s of plan.statements) {
    const res = await client.query(s.sql);
    if (s.countsRows) rows = res.rowCount;
  }
  return rows;
}

export async function supportsMerge(db: Database): Promise<boolean> {
  return (await detectCapabilities(db)).supportsMerge;
}

/** Plans and runs one node in one transaction; options default to the server's capabilities. */
export async function build(db: Database, node: ModelNode, opts: Partial<MaterializationOptions> = {}): Promise<BuildResult> {
  const merge = opts.supportsMerge ?? (await supportsMerge(db));
  // Incremental builds keep their new rows in strata_meta (the runner creates it before any build).
  await ensureMetaSchema(db);
  return db.withTransaction(async (client) => {
    const state = await fetchRelationState(client, node.relation);
    const options: MaterializationOptions = { fullRefresh: false, supportsMerge: merge, runId: 'test', ...opts };
    if (node.config.materialized !== 'ephemeral' && options.queryColumns === undefined) {
      const sql = isIncremental(node, state, options) ? (node.compiledIncrementalCode ?? node.compiledCode) : node.compiledCode;
      options.queryColumns = await describeQuery(client, sql ?? '');
    }
    const plan = materializationFor(node)(node, node.relation, state, options);
    return { plan, rows: await executePlan(client, plan) };
  });
}

export async function rows<T = Record<string, unknown>>(db: Database, sql: string): Promise<T[]> {
  return (await db.query<T>(sql)).rows;
}

/** Relations left behind by a swap (there should be none; the new rows an increment keeps in strata_meta are not leftovers). */
export async function leftovers(db: Database): Promise<string[]> {
  const sql = `SELECT relname AS name FROM pg_class WHERE relname ~ '__strata_(tmp|old|new)'
    AND relnamespace <> 'strata_meta'::regnamespace ORDER BY 1`;
  return (await rows<{ name: string }>(db, sql)).map((r) => r.name);
}
