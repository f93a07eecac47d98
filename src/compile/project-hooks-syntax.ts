/**
 * on-run-start / on-run-end hooks are rendered only when a run starts or ends (src/run/
 * project-hooks.ts): a syntax error in one used to surface after a whole build had run. Their
 * templates are compiled (not rendered: they may read `results` or run queries) with the rest of
 * the project, so `strata parse` and `compile` report it at the hook's line in project.yml.
 */
import { StrataError } from '../errors/strata-error.js';
import type { ParseContext } from './parse-context.js';

export function checkProjectHookSyntax(ctx: ParseContext): StrataError[] {
  const errors: StrataError[] = [];
  const hooks: Array<[string, string[]]> = [['on-run-start', ctx.config.onRunStart], ['on-run-end', ctx.config.onRunEnd]];
  for (const [key, list] of hooks) {
    list.forEach((hook, i) => {
      const error = ctx.engine.syntaxError(`${key}[${i}]`, hook);
      if (!error) return;
      // The hook's entry in the project file, and the error's line within the hook: a block scalar
      // (`- |`) starts on the line after its indicator.
      const entry = ctx.config.locator.locate([key, i]);
      const entryLine = ctx.config.locator.text.split('\n')[entry.line - 1] ?? '';
      const block = /[|>][-+0-9]*\s*(#.*)?$/.test(entryLine.slice(entry.column - 1)) ? 1 : 0;
      const within = Math.max(0, (error.location?.line ?? 1) - 1) + block;
      errors.push(new StrataError('TEMPLATE', `${key}[${i}]: ${error.message}`, {
        location: { file: entry.file, line: entry.line + within, column: within ? error.location?.column ?? 0 : entry.column },
        ...(error.hint ? { hint: error.hint } : {}),
      }));
    });
  }
  return errors;
}
