/**
 * The values templates read that are new on every run: dbt's `run_started_at` and
 * `invocation_id`. A model reading one renders different SQL each run (it is rendered again at run
 * time, and then never up to date: build-model.ts); comparing its SQL with an earlier build's
 * must look past them, or every increment of a model stamping its rows with `run_started_at`
 * would report that its SQL changed.
 */
import type { CompiledProject } from '../api/compile.js';

/**
 * `sql` with this run's values replaced by their names (`{{ run_started_at }}`): what it is apart
 * from the run. The values are every text the run's `invocation_id` and `run_started_at` gave the
 * templates so far (its ISO text, and what `strftime` / `isoformat` / `date()` returned: the engine
 * keeps them), longest first; texts under 6 characters (`strftime('%Y')`) are left, or any such
 * literal in the SQL would be taken for one.
 */
export function withoutPerRunValues(project: CompiledProject, sql: string): string {
  let out = sql;
  const texts = project.ctx.engine.perRunTexts().filter((t) => t.value.length >= 6).sort((a, b) => b.value.length - a.value.length);
  for (const { name, value } of texts) out = out.split(value).join(`{{ ${name} }}`);
  return out;
}
