/**
 * Builds one model: decide whether it is up to date, render its hooks, read the relation's state,
 * plan with its materialization, write the statements to target/run/<path>.sql and execute them in
 * one transaction together with the node's new build state. A failure is a result, not a throw.
 */
import { renderInContext } from '../compile/compile-sql.js';
import { StrataError } from '../errors/strata-error.js';
import type { ModelNode } from '../manifest/types.js';
import { describeQuery, fetchRelationState, isIncremental, materializationFor, type MaterializationOptions } from '../materializations/index.js';
import { relationToSql } from '../template/relation.js';
import { upToDate, newDataVersion } from '../state/fingerprint.js';
import { saveNodeState } from '../state/node-state.js';
import { lockDependentViews } from './dependent-view-locks.js';
import { executeStatements, writeRunFile } from './executed-sql.js';
import { effectiveParents, inputVersionsOf, type RunContext } from './run-context.js';
import type { NodeResult } from './run-results.js';
import { timed, type TimingEntry } from './timing.js';

export function failureResult(base: Omit<NodeResult, 'status' | 'message' | 'seconds'>, e: unknown, started: number): NodeResult {
  const err = e instanceof StrataError ? e : new StrataError('INTERNAL', String((e as Error)?.message ?? e), { cause: e });
  return {
    ...base,
    status: 'error',
    message: err.message,
    seconds: (performance.now() - started) / 1000,
    error: {
      code: err.code,
      message: err.message,
      ...(err.location ? { location: err.location } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.details ? { details: err.details } : {}),
    },
  };
}

/** Whether a relation is still there, from the catalog read when the run started. */
export function relationExists(rc: RunContext, schema: string, identifier: string): boolean {
  return rc.catalog.has(`${schema}.${identifier}`);
}

/** The node with its hooks rendered (they may use `this`, `ref`, vars...). */
function withRenderedHooks(rc: RunContext, node: ModelNode): ModelNode {
  const { ctx, manifest } = rc.project;
  const render = (kind: 'pre_hook' | 'post_hook') =>
    node.config[kind].map((hook, i) => renderInContext(ctx, manifest, node, `${node.originalFilePath}#${kind}[${i}]`, hook));
  if (!node.config.pre_hook.length && !node.config.post_hook.length) return node;
  return { ...node, config: { ...node.config, pre_hook: render('pre_hook'), post_hook: render('post_hook') } };
}

/** Templates that read `execute` are rendered again now that a database is there. */
function runtimeSql(rc: RunContext, node: ModelNode): ModelNode {
  if (!node.needsRuntimeRender) return node;
  const { ctx, manifest } = rc.project;
  const render = (isIncremental: boolean) => renderInContext(ctx, manifest, node, node.originalFilePath, node.rawCode, {
    isIncremental,
    runQuery: (sql) => rc.syncQuery().query(sql),
  });
  return { ...node, compiledCode: render(false), ...(node.compiledIncrementalCode !== undefined ? { compiledIncrementalCode: render(true) } : {}) };
}

export async function buildModel(rc: RunContext, original: ModelNode): Promise<NodeResult> {
  const started = performance.now();
  const relation = relationToSql(original.relation);
  const base = { uniqueId: original.uniqueId, name: original.name, resourceType: 'model' as const, relation };
  const fingerprint = rc.fingerprints.get(original.uniqueId) ?? '';
  const inputs = inputVersionsOf(rc, effectiveParents(rc.project.manifest, original));
  const previous = rc.previous.get(original.uniqueId);
  const { fullRefresh, rebuild } = rc.options;
  if (!rebuild && !fullRefresh && upToDate(previous, fingerprint, inputs) && relationExists(rc, original.relation.schema, original.relation.identifier)) {
    rc.dataVersions.set(original.uniqueId, previous!.dataVersion);
    return { ...base, status: 'up_to_date', message: 'up to date', seconds: (performance.now() - started) / 1000 };
  }
  const { projectDir, targetDir } = rc.project;
  const timing: TimingEntry[] = [];
  try {
    const node = runtimeSql(rc, withRenderedHooks(rc, original));
    const dataVersion = newDataVersion(rc.runId, node.uniqueId);
    const outcome = await rc.db.withTransaction(async (client) => {
      const dependents = await lockDependentViews(client, node.relation);
      // Read only what this materialization needs: each catalog query is a round trip per node.
      const needsColumns = node.config.materialized === 'view' || node.config.materialized === 'incremental';
      const state = await fetchRelationState(client, node.relation, { columns: needsColumns, dependentViews: dependents > 0 });
      const options: MaterializationOptions = { fullRefresh, supportsMerge: rc.capabilities.supportsMerge, runId: rc.runId };
      const incremental = node.config.materialized === 'incremental' && isIncremental(node, state, options);
      const sql = incremental ? (node.compiledIncrementalCode ?? node.compiledCode ?? '') : (node.compiledCode ?? '');
      if (state.exists && (incremental || node.config.materialized === 'view')) {
        // The query alone first: an error in the user's SQL points at this file, at the user's line.
        const queryFile = writeRunFile(projectDir, targetDir, node.originalFilePath, [{ sql, label: `${node.name}: the model's query` }]);
        options.queryColumns = await describeQuery(client, sql, { sqlFile: queryFile.path, nodeId: node.uniqueId, startLine: queryFile.statements[0]!.line - 1 });
      }
      const plan = materializationFor(node)(node, node.relation, state, options);
      const runFile = writeRunFile(projectDir, targetDir, node.originalFilePath, plan.statements);
      const rows = await timed(timing, () => executeStatements(client, runFile, node.uniqueId));
      await saveNodeState(client, rc.project.manifest.metadata.projectName, {
        uniqueId: node.uniqueId, relation, resourceType: 'model', fingerprint, dataVersion, inputVersions: inputs, builtAt: new Date(), runId: rc.runId,
      });
      return { plan, rows, runFile };
    });
    rc.dataVersions.set(node.uniqueId, dataVersion);
    return {
      ...base,
      status: 'success',
      message: outcome.plan.action,
      ...(outcome.rows !== undefined ? { rows: outcome.rows } : {}),
      seconds: (performance.now() - started) / 1000,
      executedSqlPath: outcome.runFile.path,
      timing,
    };
  } catch (e) {
    return { ...failureResult(base, e, started), timing, executedSqlPath: `${rc.project.ctx.config.targetPath}/run/${original.originalFilePath}` };
  }
}
