/**
 * Tests of an incremental model (or of a loaded source) that look only at the rows its build (or
 * load) in this run wrote, when that is exact.
 *
 * dbt scans the whole table for every test on every build, so a model that takes 3 million new
 * rows a quarter into 15 million re-checks all 15 million each time. strata narrows a test to the
 * rows the build wrote (src/data-tests/new-rows.ts) when all of this holds:
 *   1. the model was built on its incremental path in this very run, in one transaction whose id
 *      is known (buildModel records it in rc.incrementalBuilds); or the source was loaded by this
 *      run, whose files' transactions all began after a known id (loadSourceItem records it);
 *   2. the test passed before (its state in strata_meta.node_state, saved on every pass) on the
 *      model's data as it was just before that build (the previous data version), with the same
 *      SQL and config (fingerprint), and every other node it reads (e.g. a relationships target)
 *      still has the data version it had then;
 *   3. the test is a built-in that a subset can decide: not_null, accepted_values, accepted_range,
 *      expression_is_true on the rows written; unique and unique_combination_of_columns on the
 *      groups holding a row written.
 * Everything else (a first run, a failure or warning last time, --full-refresh, `strata test` on
 * its own, relationships, not_null_proportion, custom tests) runs on the whole relation.
 * It assumes, as the state-aware runs do, that only strata writes the model's table.
 */
import { createHash } from 'node:crypto';
import type { DbClient } from '../adapters/postgres/index.js';
import { restrictToNewRows } from '../data-tests/new-rows.js';
import type { TestGroup, TestOutcome } from '../data-tests/types.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { effectiveParents, inputVersionsOf, type RunContext } from './run-context.js';

/**
 * What buildModel records about an incremental build that committed in this run, and
 * loadSourceItem about a source's load (each file is its own transaction: the id is taken just
 * before the first, and every later transaction's id is higher).
 */
export interface IncrementalBuild {
  /** The build transaction's id, or one taken before the load's transactions (32-bit xid, as text). */
  xid: string;
  /** The relation's data version before the build or load (what its tests last saw, if they passed). */
  previousDataVersion: string;
}

/** The current transaction's id as a 32-bit xid (txid_current() carries the epoch above it). */
export async function transactionId(client: DbClient): Promise<string> {
  const res = await client.query<{ xid: string }>('SELECT (txid_current() % 4294967296)::text AS xid');
  return res.rows[0]!.xid;
}

/** A test's fingerprint: its SQL and its config (severity, thresholds, where, limit...). */
export function testFingerprint(test: TestNode): string {
  return createHash('sha256').update(JSON.stringify([test.compiledCode ?? '', test.config])).digest('hex');
}

/** Whether the test's last pass was on the model's previous data and on today's other inputs. */
function passedOnPreviousData(rc: RunContext, test: TestNode, model: string, build: IncrementalBuild): boolean {
  const state = rc.previous.get(test.uniqueId);
  if (!state || state.resourceType !== 'test' || state.fingerprint !== testFingerprint(test)) return false;
  const parents = effectiveParents(rc.project.manifest, test);
  if (!parents.includes(model)) return false;
  return parents.every((p) =>
    p === model ? state.inputVersions[p] === build.previousDataVersion : state.inputVersions[p] === rc.dataVersions.get(p));
}

export interface NarrowedGroup {
  /** The manifest with the narrowed tests in place of the originals (the same object when none is). */
  manifest: Manifest;
  /** Ids of the tests that look only at the rows written. */
  narrowed: Set<string>;
}

/** The group's tests, each narrowed to the rows written by this run's build of its model where exact. */
export function narrowToNewRows(rc: RunContext, group: TestGroup): NarrowedGroup {
  const manifest = rc.project.manifest;
  const model = group.attachedNode;
  const build = model ? rc.incrementalBuilds.get(model) : undefined;
  if (!model || !build || rc.options.fullRefresh) return { manifest, narrowed: new Set() };
  const replaced: Record<string, TestNode> = {};
  for (const id of group.testIds) {
    const test = manifest.nodes[id];
    if (test?.resourceType !== 'test' || !passedOnPreviousData(rc, test, model, build)) continue;
    const narrow = restrictToNewRows(manifest, test, { xid: build.xid, serverVersion: rc.capabilities.version });
    if (narrow) replaced[id] = narrow;
  }
  const narrowed = new Set(Object.keys(replaced));
  if (!narrowed.size) return { manifest, narrowed };
  return { manifest: { ...manifest, nodes: { ...manifest.nodes, ...replaced } }, narrowed };
}

/**
 * Records the passing tests' state, so the next incremental build can narrow them: one statement
 * for the group. A test that warned or failed keeps the state of its last pass, which no longer
 * matches the model's data: it runs whole until it passes again.
 */
export async function savePassingTests(rc: RunContext, outcomes: TestOutcome[]): Promise<void> {
  const manifest = rc.project.manifest;
  const rows = outcomes.flatMap((o) => {
    const test = manifest.nodes[o.uniqueId];
    if (o.status !== 'pass' || test?.resourceType !== 'test') return [];
    return [{ unique_id: o.uniqueId, fingerprint: testFingerprint(test), input_versions: inputVersionsOf(rc, effectiveParents(manifest, test)) }];
  });
  if (!rows.length) return;
  await rc.db.query(
    `INSERT INTO strata_meta.node_state (project, unique_id, relation, resource_type, fingerprint, data_version, input_versions, built_at, run_id)
     SELECT $1, r.unique_id, '', 'test', r.fingerprint, '', r.input_versions, now(), $2
       FROM jsonb_to_recordset($3::jsonb) AS r (unique_id text, fingerprint text, input_versions jsonb)
     ON CONFLICT (project, unique_id) DO UPDATE SET
       relation = EXCLUDED.relation, resource_type = EXCLUDED.resource_type, fingerprint = EXCLUDED.fingerprint,
       data_version = EXCLUDED.data_version, input_versions = EXCLUDED.input_versions,
       built_at = EXCLUDED.built_at, run_id = EXCLUDED.run_id`,
    [manifest.metadata.projectName, rc.runId, JSON.stringify(rows)],
  );
}
