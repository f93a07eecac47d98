/**
 * Runs data tests as nodes of the run's DAG: each group (the tests attached to one model, fused
 * into as few scans as possible; or one singular test) is one executor node, and each unit test is
 * one node. Their outcomes ride on the NodeResult so the reporter can print one line per test.
 */
import { runTestGroup } from '../data-tests/index.js';
import { runUnitTest } from '../data-tests/unit/index.js';
import type { TestGroup, TestOutcome } from '../data-tests/types.js';
import type { UnitTestNode } from '../manifest/types.js';
import { failureResult } from './build-model.js';
import type { RunContext } from './run-context.js';
import type { NodeResult } from './run-results.js';
import { testRuntimeSql } from './test-runtime-sql.js';
import { newRowsOfGroup, recordTestStates } from './test-scopes.js';
import { timed, type TimingEntry } from './timing.js';

export interface TestRunOptions {
  /** Fuse the column tests of a model into one scan (default true; false for comparisons). */
  fuse: boolean;
}

/** A failing error-severity test (or an erroring one) fails its node; warnings do not. */
export function outcomesFail(outcomes: TestOutcome[]): boolean {
  return outcomes.some((o) => o.status === 'fail' || o.status === 'error');
}

function groupResult(id: string, outcomes: TestOutcome[], seconds: number): NodeResult {
  const failed = outcomesFail(outcomes);
  const warned = outcomes.some((o) => o.status === 'warn');
  return {
    uniqueId: id,
    name: id,
    resourceType: 'test',
    status: failed ? 'error' : warned ? 'warn' : 'success',
    message: `${outcomes.length} test${outcomes.length === 1 ? '' : 's'}`,
    seconds,
    tests: outcomes,
  };
}

export async function buildTestGroup(rc: RunContext, group: TestGroup, options: TestRunOptions): Promise<NodeResult> {
  const started = performance.now();
  const { manifest, projectDir, targetDir } = rc.project;
  const timing: TimingEntry[] = [];
  try {
    const outcomes = await rc.db.withClient((client) =>
      timed(timing, async () => {
        const newRows = await newRowsOfGroup(rc, client, group);
        const out = await runTestGroup(client, manifest, group, {
          fuse: options.fuse, projectDir, targetDir, targetSchema: rc.project.ctx.config.target.schema, newRows, runtimeSql: testRuntimeSql(rc),
        });
        await recordTestStates(rc, client, group, out);
        return out;
      }));
    return { ...groupResult(group.id, outcomes, (performance.now() - started) / 1000), timing };
  } catch (e) {
    return { ...failureResult({ uniqueId: group.id, name: group.id, resourceType: 'test' }, e, started), timing };
  }
}

export async function buildUnitTest(rc: RunContext, node: UnitTestNode): Promise<NodeResult> {
  const started = performance.now();
  const timing: TimingEntry[] = [];
  try {
    const outcome = await timed(timing, () => runUnitTest(rc.db, rc.project, node, { projectDir: rc.project.projectDir, targetDir: rc.project.targetDir }));
    return { ...groupResult(node.uniqueId, [outcome], (performance.now() - started) / 1000), name: node.name, resourceType: 'unit_test', timing };
  } catch (e) {
    return { ...failureResult({ uniqueId: node.uniqueId, name: node.name, resourceType: 'unit_test' }, e, started), timing };
  }
}

