/**
 * The run's side of testing new rows (src/data-tests/new-rows-scope.ts): before a test group
 * runs, which of its tests may check only the new rows of their model's latest build; after, the
 * passes to record for next time (src/state/test-state.ts).
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { rendersAtRunTime } from '../compile/compile-sql.js';
import { newRowsScope, type NewRows } from '../data-tests/new-rows-scope.js';
import type { TestGroup, TestOutcome } from '../data-tests/types.js';
import type { TestNode } from '../manifest/types.js';
import type { Increment } from '../state/node-state.js';
import { saveTestStatesSql, testFingerprint, type TestState } from '../state/test-state.js';
import type { RunContext } from './run-context.js';

function testsOf(rc: RunContext, group: TestGroup): TestNode[] {
  return group.testIds.flatMap((id) => {
    const node = rc.project.manifest.nodes[id];
    return node?.resourceType === 'test' ? [node] : [];
  });
}

/** Only the tests of incremental models can check new rows, so only theirs are recorded. */
function isIncrementalModel(rc: RunContext, group: TestGroup): boolean {
  const model = group.attachedNode ? rc.project.manifest.nodes[group.attachedNode] : undefined;
  return model?.resourceType === 'model' && model.config.materialized === 'incremental';
}

/** The tests of `group` that check only new rows, by id (nothing for a group on a model that is not incremental). */
export async function newRowsOfGroup(rc: RunContext, client: DbClient, group: TestGroup): Promise<Map<string, NewRows>> {
  const out = new Map<string, NewRows>();
  if (!isIncrementalModel(rc, group) || !rc.increments.has(group.attachedNode!)) return out;
  const states = await rc.testStates();
  for (const test of testsOf(rc, group)) {
    // A test rendered at run time reads every row (runTestGroup): no scope to compute for it.
    if (rendersAtRunTime(rc.project.manifest, test)) continue;
    const scope = newRowsScope(rc.project.manifest, test, {
      allRows: rc.options.allRows === true,
      state: states.get(test.uniqueId),
      version: (id) => rc.dataVersions.get(id),
      increment: (id) => rc.increments.get(id),
    });
    if ('rows' in scope) out.set(test.uniqueId, scope);
  }
  if (out.size === 0) return out;
  const model = group.attachedNode!;
  if (!(await keptRowsIntact(client, rc.increments.get(model)!, rc.dataVersions.get(model)))) out.clear();
  return out;
}

/**
 * Whether the kept new rows are still those of the model's latest build: the table exists, says it
 * was written by that build (its comment, set in the build's transaction), and holds as many rows
 * as the build kept (an unlogged table is emptied by a crash; someone may have deleted from it).
 */
async function keptRowsIntact(client: DbClient, increment: Increment, version: string | undefined): Promise<boolean> {
  if (increment.newRows === undefined || version === undefined) return false;
  const tag = await client.query<{ version: string | null }>("select obj_description(to_regclass($1), 'pg_class') as version", [increment.rows]);
  if (tag.rows[0]?.version !== version) return false;
  const count = await client.query<{ n: string }>(`select count(*) as n from ${increment.rows}`);
  return Number(count.rows[0]?.n) === increment.newRows;
}

/**
 * Records the group's outcomes: a pass without a failing row, with the data versions the test
 * read, or the removal of an earlier pass. A test that read a node of unknown version records
 * nothing (an unknown version cannot show that it changed). Groups of other nodes record nothing.
 */
export async function recordTestStates(rc: RunContext, client: DbClient, group: TestGroup, outcomes: TestOutcome[]): Promise<void> {
  if (!isIncrementalModel(rc, group)) return;
  const passed: TestState[] = [];
  const byId = new Map(outcomes.map((o) => [o.uniqueId, o]));
  for (const test of testsOf(rc, group)) {
    const outcome = byId.get(test.uniqueId);
    if (outcome?.status !== 'pass' || outcome.failures !== 0) continue;
    // Its pass is that of the SQL rendered at run time, which the compiled SQL's fingerprint does
    // not identify: recorded, it could vouch for a later, different run-time rendering.
    if (rendersAtRunTime(rc.project.manifest, test)) continue;
    const inputs = [...new Set(test.dependsOn.nodes)];
    const versions = inputs.map((id) => rc.dataVersions.get(id));
    if (versions.some((v) => v === undefined || v === 'unknown')) continue;
    const inputVersions = Object.fromEntries(inputs.map((id, i) => [id, versions[i]!]));
    passed.push({ uniqueId: test.uniqueId, fingerprint: testFingerprint(test.compiledCode ?? ''), inputVersions });
  }
  const sql = saveTestStatesSql(rc.project.manifest.metadata.projectName, outcomes.map((o) => o.uniqueId), passed, rc.runId);
  if (sql) await client.query(sql);
}
