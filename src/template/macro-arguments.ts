/**
 * Jinja2's check of a macro call's arguments, which nunjucks does not make (it drops extra
 * positional arguments and unknown keywords silently, so a wrong call rendered wrong SQL):
 *
 * - more positional arguments than parameters: "macro 'm' takes not more than N argument(s)",
 *   unless the body uses `varargs`;
 * - a keyword that names no parameter (or one already given by position): an error, unless the
 *   body uses `kwargs`;
 * - a `{% call %}` block (the `caller` keyword) to a macro whose body never uses `caller`.
 *
 * Fewer arguments than parameters is fine, as in Jinja2 (the others are undefined). A call costs a
 * length comparison, and a look at each keyword given.
 */
import { didYouMean, levenshtein } from '../graph/did-you-mean.js';
import type { MacroSignature } from './macro-source.js';

/** What is wrong with calling `macro` with nunjucks' call arguments `args`, if anything. */
/** nunjucks' call arguments are the positional ones, then an object of keywords marked `__keywords`. */
function keywordsOf(args: unknown[]): Record<string, unknown> | undefined {
  const last = args[args.length - 1] as Record<string, unknown> | undefined;
  return last !== null && typeof last === 'object' && Object.prototype.hasOwnProperty.call(last, '__keywords') ? last : undefined;
}

export function macroArgumentProblem(macro: MacroSignature, args: unknown[]): { message: string; hint?: string } | undefined {
  const keywords = keywordsOf(args);
  const positional = keywords ? args.length - 1 : args.length;
  const params = macro.argNames;
  if (positional > params.length && !macro.uses.varargs) {
    return { message: `macro '${macro.name}' takes not more than ${params.length} argument(s), got ${positional}` };
  }
  if (!keywords) return undefined;
  for (const key of Object.keys(keywords)) {
    if (key === '__keywords') continue;
    const at = params.indexOf(key);
    // A parameter not given by position; or anything, to a macro that reads `kwargs`.
    if (at >= positional || macro.uses.kwargs) continue;
    if (key === 'caller' && at === -1) {
      if (macro.uses.caller) continue;
      return { message: `macro '${macro.name}' is called with {% call %} but never calls caller()` };
    }
    if (at !== -1) return { message: `macro '${macro.name}' got argument '${key}' twice: by position and by keyword` };
    // Not a parameter that shares nothing with it (`x` for `a`): that is no suggestion.
    const meant = didYouMean(key, params);
    const close = meant !== undefined && levenshtein(key, meant) < key.length;
    return { message: `macro '${macro.name}' takes no keyword argument '${key}'`, ...(close ? { hint: `did you mean '${meant}'?` } : {}) };
  }
  return undefined;
}

/**
 * Jinja2's `varargs` (positional arguments past the parameters) and `kwargs` (keywords naming no
 * parameter) of a call, for a macro whose body reads them.
 */
export function extraArguments(macro: MacroSignature, args: unknown[]): { varargs: unknown[]; kwargs: Record<string, unknown> } {
  const keywords = keywordsOf(args);
  const positional = keywords ? args.slice(0, -1) : args;
  const kwargs: Record<string, unknown> = {};
  if (keywords) {
    for (const [key, value] of Object.entries(keywords)) {
      if (key !== '__keywords' && key !== 'caller' && !macro.argNames.includes(key)) kwargs[key] = value;
    }
  }
  return { varargs: positional.slice(macro.argNames.length), kwargs };
}
