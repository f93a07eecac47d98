/**
 * Parses dbt's node selection syntax (`--select`, `--exclude`, CLI-style strings in
 * selectors.yml) into a SelectionSpec. Pure text processing: nothing here looks at a manifest.
 *
 *   args      := arg*                      separate CLI args are a union
 *   arg       := term (' ' term)*          spaces are a union
 *   term      := criterion (',' criterion)*  commas are an intersection
 *   criterion := ['@'] [N '+'] [method ':'] value ['+' [N]]
 */
import { StrataError } from '../errors/strata-error.js';
import { didYouMean } from './did-you-mean.js';
import {
  RESOURCE_TYPE_VALUES,
  SELECTOR_METHODS,
  STATE_VALUES,
  TEST_TYPE_VALUES,
  type SelectionCriterion,
  type SelectionSpec,
  type SelectorMethodName,
} from './selection-spec.js';

export const METHODS_HINT =
  'valid methods: fqn, tag, source, resource_type, path, file, package, config.<key>, test_type, test_name, state, selector';

/** dbt methods strata does not implement: named in the error so users know it is deliberate. */
const UNSUPPORTED_DBT_METHODS = new Set([
  'exposure',
  'metric',
  'semantic_model',
  'saved_query',
  'group',
  'access',
  'version',
  'result',
  'source_status',
  'unit_test',
  'wildcard',
]);

export function selectorError(message: string, hint?: string): StrataError {
  return new StrataError('SELECTOR', message, hint ? { hint } : {});
}

// Same shape as dbt's RAW_SELECTOR_PATTERN: optional `@`, optional `N+`, optional `method:`,
// the value (lazy, so a trailing `+N` is left for the children group), optional `+N`.
const CRITERION = /^(@)?(?:(\d*)(\+))?(?:([\w.]+):)?(.*?)(?:(\+)(\d*))?$/s;

function parseMethod(text: string, raw: string): [SelectorMethodName, string[]] {
  const [name = '', ...args] = text.split('.');
  if ((SELECTOR_METHODS as readonly string[]).includes(name)) {
    const method = name as SelectorMethodName;
    if (method === 'config') {
      if (args.length === 0 || args.some((a) => a === '')) {
        throw selectorError(`"${raw}": the config method needs a key, as in config.materialized:table`, METHODS_HINT);
      }
      return [method, args];
    }
    if (args.length === 0) return [method, []];
  }
  if (UNSUPPORTED_DBT_METHODS.has(name)) {
    throw selectorError(`"${raw}": the dbt selection method "${name}" is not supported by strata`, METHODS_HINT);
  }
  const suggestion = didYouMean(name, [...SELECTOR_METHODS]);
  const prefix = suggestion ? `did you mean "${suggestion}"? ` : '';
  throw selectorError(`"${raw}": unknown selection method "${text}"`, prefix + METHODS_HINT);
}

/** dbt's default method: things that look like paths are paths, file names are files, else fqn. */
function defaultMethod(value: string): SelectorMethodName {
  if (value.includes('/') || value.includes('\\')) return 'path';
  if (/\.(sql|py|csv)$/i.test(value)) return 'file';
  return 'fqn';
}

function oneOf(raw: string, what: string, value: string, allowed: readonly string[]): void {
  if (allowed.includes(value)) return;
  const suggestion = didYouMean(value, allowed);
  const prefix = suggestion ? `did you mean "${suggestion}"? ` : '';
  throw selectorError(`"${raw}": unknown ${what} "${value}"`, `${prefix}valid values: ${allowed.join(', ')}`);
}

/** Rejects values a method can never match, so typos fail loudly instead of selecting nothing. */
function checkValue(c: SelectionCriterion): void {
  if (c.method === 'resource_type') oneOf(c.raw, 'resource type', c.value, RESOURCE_TYPE_VALUES);
  if (c.method === 'test_type') oneOf(c.raw, 'test type', c.value, TEST_TYPE_VALUES);
  if (c.method === 'state') oneOf(c.raw, 'state', c.value, STATE_VALUES);
  if (c.method === 'source' && c.value.split('.').length > 3) {
    throw selectorError(`"${c.raw}": a source selector is source, source.table or package.source.table`);
  }
}

function depth(text: string | undefined): number | undefined {
  return text ? Number.parseInt(text, 10) : undefined;
}

/** Parses one criterion, e.g. `2+tag:nightly+1` or `@source:raw`. */
export function parseCriterion(raw: string): SelectionCriterion {
  const m = CRITERION.exec(raw);
  if (!m || raw === '') throw selectorError('empty selection criterion', METHODS_HINT);
  const [, at, parentsDepth, plus, methodText, value = '', childPlus, childrenDepth] = m;
  if (at && plus) {
    throw selectorError(`"${raw}": "@" cannot be combined with a leading "+" (use "@x" or "+x")`);
  }
  if (value.includes('+') || value.startsWith('@')) {
    throw selectorError(
      `"${raw}": misplaced graph operator`,
      'write "+x" / "N+x" for ancestors, "x+" / "x+N" for descendants, "@x" for descendants and their ancestors',
    );
  }
  if (value === '') {
    const what = methodText ? `nothing after "${methodText}:"` : 'no node name or method';
    throw selectorError(`"${raw}": empty selector value (${what})`, METHODS_HINT);
  }
  const [method, methodArgs] = methodText ? parseMethod(methodText, raw) : [defaultMethod(value), []];
  const criterion: SelectionCriterion = {
    kind: 'criterion',
    raw,
    method,
    methodArgs,
    value,
    parents: Boolean(plus),
    children: Boolean(childPlus),
    childrensParents: Boolean(at),
  };
  const pd = depth(parentsDepth);
  const cd = depth(childrenDepth);
  if (pd !== undefined) criterion.parentsDepth = pd;
  if (cd !== undefined) criterion.childrenDepth = cd;
  checkValue(criterion);
  return criterion;
}

/** One space-free term: criteria joined by commas are intersected. */
function parseTerm(term: string): SelectionSpec {
  const parts = term.split(',');
  if (parts.some((p) => p === '')) {
    throw selectorError(`"${term}": empty criterion around ","`, 'intersect criteria as "a,b" with no spaces or empty parts');
  }
  if (parts.length === 1) return parseCriterion(parts[0] as string);
  return { kind: 'intersection', items: parts.map(parseCriterion), raw: term };
}

/**
 * Parses CLI selection arguments (each may hold several space-separated terms) into their
 * union. Returns undefined when there is no term at all, which callers read as "no filter".
 */
export function parseSelectionArgs(args: readonly string[] | string | undefined): SelectionSpec | undefined {
  const list = typeof args === 'string' ? [args] : (args ?? []);
  const terms = list.flatMap((arg) => arg.split(/\s+/)).filter((t) => t !== '');
  if (terms.length === 0) return undefined;
  const items = terms.map(parseTerm);
  return items.length === 1 ? (items[0] as SelectionSpec) : { kind: 'union', items, raw: terms.join(' ') };
}

/** `--select` minus `--exclude`, as dbt combines them; an empty select means every node. */
export function parseSelectExclude(
  select: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): SelectionSpec {
  const include = parseSelectionArgs(select) ?? { kind: 'all' };
  const excluded = parseSelectionArgs(exclude);
  return excluded ? { kind: 'difference', include, exclude: excluded } : include;
}
