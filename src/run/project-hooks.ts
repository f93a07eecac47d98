/**
 * `on-run-start` and `on-run-end` (project.yml): rendered in the project's context when they run,
 * each hook's SQL executed on its own. on-run-end also sees dbt's on-run-end variables
 * (`results`, `schemas`, `database_schemas`: on-run-end-context.ts).
 *
 * A hook's SQL is written to `target/run/project_hooks/<kind>-<i>.sql` as it runs (a node's is to
 * target/run/<path>.sql), so a database error points at its line and column there.
 *
 * A hook that fails (its SQL, or its template: a user's mistake either way) is a result, as a
 * node's failure is, and as in dbt (1.9+): reported as an error naming the hook, the hooks after
 * it skipped; a failed on-run-start skips every node too (the runner), on-run-end still runs.
 * Hooks that succeed are no results: the output and run_results.json list them only when
 * something went wrong with them.
 */
import { renderInContext } from '../compile/compile-sql.js';
import type { TemplateEngine } from '../template/template-engine.js';
import { failureResult } from './build-model.js';
import { executeStatements, runFileFor } from './executed-sql.js';
import type { RunContext } from './run-context.js';
import type { NodeResult } from './run-results.js';

export type ProjectHookKind = 'on-run-start' | 'on-run-end';

/**
 * Names the templates of `fn` read as context variables, removed afterwards: dbt's on-run-end
 * variables are in no other context (elsewhere they are undefined, dbt's none). Set on the
 * engine's globals, where a template and every macro it calls look names up, since a render
 * takes no variables of its own.
 */
function withContextNames<T>(engine: TemplateEngine, names: Record<string, unknown>, fn: () => T): T {
  const globals = (engine.env as unknown as { globals: Record<string, unknown> }).globals;
  const saved = Object.keys(names).map((name) => [name, Object.getOwnPropertyDescriptor(globals, name)] as const);
  Object.assign(globals, names);
  try {
    return fn();
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globals, name, descriptor);
      else delete globals[name];
    }
  }
}

/** dbt's id for a project hook (`operation.<project>.<project>-on-run-start-0`), shown as `hook on-run-start[0]`. */
function hookBase(rc: RunContext, kind: ProjectHookKind, index: number): Pick<NodeResult, 'uniqueId' | 'name' | 'resourceType' | 'label'> {
  const project = rc.project.manifest.metadata.projectName;
  return { uniqueId: `operation.${project}.${project}-${kind}-${index}`, name: `${kind}[${index}]`, resourceType: 'operation', label: `hook ${kind}[${index}]` };
}

export interface ProjectHooksOptions {
  /** Context variables of these hooks' renders (on-run-end's). */
  context?: Record<string, unknown>;
  /** Called with each hook result (the failed hook, then the skipped ones): `index` of `total` hooks. */
  onResult?: (result: NodeResult, index: number, total: number) => void;
}

/**
 * Runs the hooks of `kind` in order, until one fails. Returns the results of the failed hook and
 * of the hooks it skipped; none when every hook ran.
 */
export async function runProjectHooks(rc: RunContext, kind: ProjectHookKind, options: ProjectHooksOptions = {}): Promise<NodeResult[]> {
  const { ctx, manifest, projectDir, targetDir } = rc.project;
  const hooks = kind === 'on-run-start' ? ctx.config.onRunStart : ctx.config.onRunEnd;
  for (let i = 0; i < hooks.length; i++) {
    const started = performance.now();
    const file = `${ctx.config.file}#${kind}[${i}]`;
    let runFile: string | undefined;
    try {
      const sql = withContextNames(ctx.engine, options.context ?? {}, () => renderInContext(ctx, manifest, undefined, file, hooks[i]!));
      if (!sql.trim()) continue;
      const run = runFileFor(projectDir, targetDir, `project_hooks/${kind}-${i}.sql`, [{ sql, label: `hook ${kind}[${i}] of ${ctx.config.file}` }]);
      runFile = run.path;
      await executeStatements(rc.db, run, hookBase(rc, kind, i).uniqueId);
    } catch (e) {
      const failed = { ...failureResult(hookBase(rc, kind, i), e, started), ...(runFile ? { executedSqlPath: runFile } : {}) };
      const skipped = hooks.slice(i + 1).map((_, k): NodeResult => ({
        ...hookBase(rc, kind, i + 1 + k), status: 'skipped', message: `skipped: hook ${failed.name} failed`, seconds: 0, skippedBecause: failed.uniqueId,
      }));
      const results = [failed, ...skipped];
      results.forEach((r, k) => options.onResult?.(r, i + 1 + k, hooks.length));
      return results;
    }
  }
  return [];
}
