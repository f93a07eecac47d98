/**
 * `on-run-start` and `on-run-end` (project.yml): rendered in the project's context when they run,
 * each hook's SQL executed on its own. on-run-end also sees dbt's on-run-end variables
 * (`results`, `schemas`, `database_schemas`: on-run-end-context.ts).
 */
import { renderInContext } from '../compile/compile-sql.js';
import type { TemplateEngine } from '../template/template-engine.js';
import type { RunContext } from './run-context.js';

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

export async function runProjectHooks(rc: RunContext, kind: ProjectHookKind, context: Record<string, unknown> = {}): Promise<void> {
  const { ctx, manifest } = rc.project;
  const hooks = kind === 'on-run-start' ? ctx.config.onRunStart : ctx.config.onRunEnd;
  for (let i = 0; i < hooks.length; i++) {
    const file = `${ctx.config.file}#${kind}[${i}]`;
    const sql = withContextNames(ctx.engine, context, () => renderInContext(ctx, manifest, undefined, file, hooks[i]!));
    if (sql.trim()) await rc.db.query(sql, undefined, { sqlFile: file });
  }
}
