/**
 * Builds one model: render it again if it reads the database or the run's values, decide whether
 * it is up to date, render its hooks, take the relation's state
 * from the run's catalog (or read it), plan with its materialization, write the statements to
 * target/run/<path>.sql and execute them in one transaction together with the node's new build
 * state. A failure is a result, not a throw.
 */
import { renderInContext, runtimeSqlOf } from '../compile/compile-sql.js';
import { StrataError } from '../errors/strata-error.js';
import { quoteLiteral, type SessionClient } from '../adapters/postgres/index.js';
import type { ModelNode } from '../manifest/types.js';
import { describeQuery, fetchRelationState, isIncremental, materializationFor, type MaterializationOptions } from '../materializations/index.js';
import type { MaterializationPlan, RelationState } from '../materializations/types.js';
import { relationToSql } from '../template/relation.js';
import { modelCodeHash, runTimeFingerprint, upToDate, newDataVersion } from '../state/fingerprint.js';
import { recordIncrementCountsSql, saveNodeStateSql, type Increment } from '../state/node-state.js';
import { applyDocsOnly, onlyDocsChanged, withDocsInput } from './docs-only.js';
import { lockDependentViews, viewLockSql } from './dependent-view-locks.js';
import { executeStatements, runFileFor, writeRunFile, type RunFile } from './executed-sql.js';
import { withoutPerRunValues } from './per-run-values.js';
import { isStaleStateError } from './run-catalog.js';
import { inputVersionsOf, versionInputs, type RunContext } from './run-context.js';
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

/** The node with its hooks rendered (they may use `this`, `ref`, vars...). */
function withRenderedHooks(rc: RunContext, node: ModelNode): ModelNode {
  const { ctx, manifest } = rc.project;
  const render = (kind: 'pre_hook' | 'post_hook') =>
    node.config[kind].map((hook, i) => renderInContext(ctx, manifest, node, `${node.originalFilePath}#${kind}[${i}]`, hook));
  if (!node.config.pre_hook.length && !node.config.post_hook.length) return node;
  return { ...node, config: { ...node.config, pre_hook: render('pre_hook'), post_hook: render('post_hook') } };
}

/**
 * Templates that read the database (`execute`, `run_query`, the invocation) are rendered again now
 * that a database is there: the model's own, and those of the ephemeral models it inlines
 * (runtimeSqlOf).
 */
function runtimeSql(rc: RunContext, node: ModelNode): ModelNode {
  const { ctx, manifest } = rc.project;
  const runQuery = (sql: string) => rc.syncQuery().query(sql);
  const sqlOf = runtimeSqlOf(ctx, manifest, node, { runQuery });
  if (!sqlOf) return node;
  const render = (isIncremental: boolean) => () => renderInContext(ctx, manifest, node, node.originalFilePath, node.rawCode, { isIncremental, runQuery });
  return {
    ...node,
    compiledCode: sqlOf(node.compiledCode ?? '', render(false)),
    ...(node.compiledIncrementalCode !== undefined ? { compiledIncrementalCode: sqlOf(node.compiledIncrementalCode, render(true)) } : {}),
  };
}

/**
 * The COMMIT does not wait for its WAL to reach the disk (target `async_commit`, default on). Safe
 * for strata's state: the node's state row is in the same transaction, and a server crash loses
 * async commits whole and in WAL order, so a lost build takes its state row with it and the next
 * run builds it again. The run's last write (its run-history row) commits with the server's
 * setting (synchronous by default), which flushes every build before it: a run that finished is
 * durable. A transaction that drops a relation (a table's swap) commits synchronously anyway.
 */
const ASYNC_COMMIT = 'SET LOCAL synchronous_commit = off';

interface Built {
  plan: MaterializationPlan;
  rows: number | undefined;
  runFile: RunFile;
  /** Row count of each statement of the run file, when they could be told apart. */
  counts: number[] | undefined;
}

/**
 * Plans and runs the node in one transaction on `client`, ending with its state row and COMMIT.
 * With `known` (the run's catalog answered the relation's state) that is usually one message:
 * BEGIN, the dependent-view locks, the run file's statements, the state row (which says what the
 * plan did: an increment or not), COMMIT. Without it,
 * the state is read inside the transaction, after the locks, as a concurrent run may have changed
 * it. Rolls back and rethrows on failure.
 */
async function buildInTransaction(
  rc: RunContext, client: SessionClient, node: ModelNode, known: RelationState | undefined, stateRow: (plan: MaterializationPlan) => string[], timing: TimingEntry[],
): Promise<Built> {
  const { projectDir, targetDir } = rc.project;
  const materialized = node.config.materialized;
  let open = false;
  const begin = (): string[] => {
    // The same names the catalog query of lockDependentViews gives: `schema.name`.
    const lock = known ? viewLockSql((known.dependentViews ?? []).map((v) => `${v.schema}.${v.name}`)) : undefined;
    open = true;
    return ['BEGIN', ...(rc.project.ctx.config.target.asyncCommit === false ? [] : [ASYNC_COMMIT]), ...(lock ? [lock] : [])];
  };
  try {
    let state = known;
    if (!state) {
      await client.query(begin().join('; '));
      const dependents = await lockDependentViews(client, node.relation);
      state = await fetchRelationState(client, node.relation, { columns: materialized === 'view' || materialized === 'incremental', dependentViews: dependents > 0 });
    }
    const options: MaterializationOptions = {
      fullRefresh: rc.options.fullRefresh, supportsMerge: rc.capabilities.supportsMerge, runId: rc.runId, rebuiltLater: rc.viewModelsInRun,
    };
    const incremental = materialized === 'incremental' && isIncremental(node, state, options);
    const sql = incremental ? (node.compiledIncrementalCode ?? node.compiledCode ?? '') : (node.compiledCode ?? '');
    if (state.exists && (incremental || (materialized === 'view' && !known))) {
      if (!open) await client.query(begin().join('; '));
      // The query alone first: an error in the user's SQL points at this file, at the user's line.
      const queryFile = writeRunFile(projectDir, targetDir, node.originalFilePath, [{ sql, label: `${node.name}: the model's query` }]);
      options.queryColumns = await describeQuery(client, sql, { sqlFile: queryFile.path, nodeId: node.uniqueId, startLine: queryFile.statements[0]!.line - 1 });
    } else if (materialized === 'view') {
      options.replaceUnlessRefused = true;
    }
    const plan = materializationFor(node)(node, node.relation, state, options);
    // Written by executeStatements once the statements are on their way (runFileFor).
    const runFile = runFileFor(projectDir, targetDir, node.originalFilePath, plan.statements);
    const before = open ? [] : begin();
    let counts: number[] | undefined;
    const rows = await timed(timing, () => executeStatements(client, runFile, node.uniqueId, { before, after: [...stateRow(plan), 'COMMIT'] }, (c) => (counts = c)));
    return { plan, rows, runFile, counts };
  } catch (e) {
    if (open) await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * After an increment committed: how many new rows it kept and, for `delete from {{ this }}` hooks,
 * how many rows they deleted, from the build's statement counts, added to its state. The model's
 * tests read its new rows only when the kept table still holds that many (an unlogged table is
 * emptied by a crash), and a relationships test reading it as a parent only when its hooks deleted
 * nothing (src/data-tests/new-rows-scope.ts). Counts that cannot be told apart (a hook holding
 * several statements), or a failure to record them, leave them unknown: the tests then read every
 * row, and the build stands.
 */
async function recordIncrementCounts(rc: RunContext, node: ModelNode, increment: Increment, built: Built): Promise<Increment> {
  const counts = built.counts;
  const statements = built.runFile.statements;
  const kept = statements.findIndex((s) => s.tally === 'kept');
  if (!counts || kept < 0) return increment;
  const deletes = statements.flatMap((s, i) => (s.tally === 'deleted' ? [counts[i] ?? 0] : []));
  const recorded = { newRows: counts[kept]!, ...(deletes.length ? { hooksDeleted: deletes.reduce((a, b) => a + b, 0) } : {}) };
  try {
    await rc.db.query(recordIncrementCountsSql(rc.project.manifest.metadata.projectName, node.uniqueId, recorded));
  } catch {
    return increment;
  }
  return { ...increment, ...recorded };
}

export async function buildModel(rc: RunContext, original: ModelNode): Promise<NodeResult> {
  const started = performance.now();
  const relation = relationToSql(original.relation);
  const base = { uniqueId: original.uniqueId, name: original.name, resourceType: 'model' as const, relation };
  // With persist_docs, its descriptions are an input too (docs-only.ts).
  const inputs = withDocsInput(original, inputVersionsOf(rc, versionInputs(rc.project.manifest, original)));
  const previous = rc.previous.get(original.uniqueId);
  const { fullRefresh, rebuild } = rc.options;
  const timing: TimingEntry[] = [];
  try {
    // Rendered again first when its template reads the database or the run's values: its compiled
    // SQL is not what it runs, the run-time rendering is, and that decides whether it is up to
    // date (runTimeFingerprint: one reading run_started_at or invocation_id never is).
    const rendered = runtimeSql(rc, original);
    const compiled = rc.fingerprints.get(original.uniqueId) ?? '';
    const fingerprint = rendered === original ? compiled : runTimeFingerprint(compiled, rendered);
    if (!rebuild && !fullRefresh && upToDate(previous, fingerprint, inputs) && rc.relations.exists(original.relation)) {
      rc.dataVersions.set(original.uniqueId, previous!.dataVersion);
      return { ...base, status: 'up_to_date', message: 'up to date', seconds: (performance.now() - started) / 1000 };
    }
    if (!rebuild && !fullRefresh && onlyDocsChanged(previous, fingerprint, inputs) && rc.relations.exists(original.relation)) {
      const executedSqlPath = await timed(timing, () => applyDocsOnly(rc, original, previous, inputs));
      rc.dataVersions.set(original.uniqueId, previous.dataVersion);
      return { ...base, status: 'success', message: 'persist_docs', seconds: (performance.now() - started) / 1000, executedSqlPath, timing };
    }
    const node = withRenderedHooks(rc, rendered);
    const dataVersion = newDataVersion(rc.runId, node.uniqueId);
    const builtAt = new Date();
    // The run's own values (a `run_started_at` stamp) are no change of the model's SQL.
    const codeHash = modelCodeHash(rendered === original ? node : {
      compiledCode: withoutPerRunValues(rc.project, node.compiledCode ?? ''),
      ...(node.compiledIncrementalCode !== undefined ? { compiledIncrementalCode: withoutPerRunValues(rc.project, node.compiledIncrementalCode) } : {}),
    });
    let increment: Increment | undefined;
    const stateRow = (plan: MaterializationPlan): string[] => {
      // An increment applies new rows to the table of the previous build (its data version).
      increment = plan.increment && previous ? { ...plan.increment, from: previous.dataVersion } : undefined;
      const row = saveNodeStateSql(rc.project.manifest.metadata.projectName, {
        uniqueId: node.uniqueId, relation, resourceType: 'model', fingerprint, dataVersion, inputVersions: inputs, builtAt, runId: rc.runId,
        ...(increment ? { increment } : {}), codeHash,
      });
      // The kept rows say which build wrote them: a test reads them only for that build (another
      // target on the same database, or a table re-created since, is told apart).
      if (increment) return [`COMMENT ON TABLE ${increment.rows} IS ${quoteLiteral(dataVersion)}`, row];
      // A model that is no longer incremental leaves no kept rows behind (an incremental one's
      // full build drops them itself).
      return previous?.increment && node.config.materialized !== 'incremental' ? [`DROP TABLE IF EXISTS ${previous.increment.rows}`, row] : [row];
    };
    const outcome = await rc.db.withClient(async (client) => {
      const known = rc.relations.state(node.relation, { columns: node.config.materialized === 'incremental' });
      if (known) {
        try {
          return await buildInTransaction(rc, client, node, known, stateRow, timing);
        } catch (e) {
          // Planned from a state that may be stale: build again from the database's own answer.
          if (!isStaleStateError(e)) throw e;
        }
      }
      return buildInTransaction(rc, client, node, undefined, stateRow, timing);
    });
    if (increment) increment = await recordIncrementCounts(rc, node, increment, outcome);
    rc.relations.built(node.relation, node.config.materialized === 'view' ? 'view' : 'table');
    rc.dataVersions.set(node.uniqueId, dataVersion);
    if (increment) rc.increments.set(node.uniqueId, increment);
    else rc.increments.delete(node.uniqueId);
    // An increment applies the model's SQL to the new rows only: when that SQL is not the one the
    // table's earlier rows were built with, they keep the old one (dbt's silent pitfall). Only a
    // state of this very relation tells: another target on the same database (its own schema)
    // shares the project's states, and its SQL names its own relations.
    const stale = outcome.plan.increment !== undefined && previous?.codeHash !== undefined && previous.relation === relation && previous.codeHash !== codeHash;
    return {
      ...base,
      status: stale ? 'warn' : 'success',
      ...(stale ? { warning: {
        message: 'its SQL changed since its last build: the rows built before keep the old SQL, this build applied the new one to its new rows only',
        hint: `rebuild every row with: strata run --full-refresh -s ${original.name}`,
      } } : {}),
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
