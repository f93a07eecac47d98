/**
 * The values templates read that are new on every run: dbt's `run_started_at` and
 * `invocation_id`. A model reading one renders different SQL each run (it is rendered again at run
 * time, and then never up to date: build-model.ts); comparing its SQL with an earlier build's
 * must look past them, or every increment of a model stamping its rows with `run_started_at`
 * would report that its SQL changed.
 */
import { renderInContext } from '../compile/compile-sql.js';
import type { CompiledProject } from '../api/compile.js';

const PER_RUN_NAMES = ['run_started_at', 'invocation_id'] as const;

/** Per template engine (one per command): the values as its templates print them. */
const printed = new WeakMap<object, Array<{ name: string; value: string }>>();

function perRunValues(project: CompiledProject): Array<{ name: string; value: string }> {
  const { ctx, manifest } = project;
  let values = printed.get(ctx.engine);
  if (!values) {
    // Rendered, not read from the engine: the template context owns them (src/template).
    values = PER_RUN_NAMES.map((name) => ({ name, value: renderInContext(ctx, manifest, undefined, `<${name}>`, `{{ ${name} }}`) }));
    printed.set(ctx.engine, values);
  }
  return values;
}

/** `sql` with this run's values replaced by their names (`{{ run_started_at }}`): what it is apart from the run. */
export function withoutPerRunValues(project: CompiledProject, sql: string): string {
  let out = sql;
  for (const { name, value } of perRunValues(project)) if (value) out = out.split(value).join(`{{ ${name} }}`);
  return out;
}
