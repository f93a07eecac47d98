/**
 * Named selectors (dbt's selectors.yml): their typed shape, validation of raw data into that
 * shape, and conversion into a SelectionSpec.
 *
 * Validation works on plain data and reports errors through a `fail(message, path)` callback,
 * so the YAML reader can attach file:line:column for the exact offending entry while callers
 * holding plain objects (e.g. a manifest's `selectors`) reuse the same checks.
 */
import type { SourceLocation } from '../errors/strata-error.js';
import { StrataError } from '../errors/strata-error.js';
import { parseCriterion, parseSelectionArgs } from './selector-parser.js';
import {
  INDIRECT_SELECTION_MODES,
  type IndirectSelection,
  type SelectionCriterion,
  type SelectionSpec,
} from './selection-spec.js';

/** A full method entry: `{ method: tag, value: nightly, parents: true, exclude: [...] }`. */
export interface SelectorMethodDefinition {
  /** A method name, with arguments for config: `config.materialized`; `selector` reuses one. */
  method: string;
  value: string;
  parents?: boolean;
  parents_depth?: number;
  children?: boolean;
  children_depth?: number;
  childrens_parents?: boolean;
  indirect_selection?: IndirectSelection;
  exclude?: SelectorExpression[];
}

export interface SelectorUnionDefinition {
  union: SelectorExpression[];
}
export interface SelectorIntersectionDefinition {
  intersection: SelectorExpression[];
}
/** Only valid as an entry of a union / intersection list. */
export interface SelectorExcludeDefinition {
  exclude: SelectorExpression[];
}

/**
 * A definition after validation. A string is CLI syntax; dbt's `{ tag: nightly }` shorthand is
 * normalised to `{ method: tag, value: nightly }`.
 */
export type SelectorExpression =
  | string
  | SelectorMethodDefinition
  | SelectorUnionDefinition
  | SelectorIntersectionDefinition
  | SelectorExcludeDefinition;

export interface SelectorDefinition {
  name: string;
  description?: string;
  default?: boolean;
  definition: SelectorExpression;
  /** Where the selector is defined, for messages. */
  location?: SourceLocation;
}

/**
 * Where in a definition a problem is: keys and list indexes from the file's root. A final
 * `{ key }` means the key itself (an unknown key) rather than its value.
 */
export type DefinitionPath = (string | number | { key: string })[];
export type Fail = (message: string, path: DefinitionPath, hint?: string, cause?: unknown) => never;

const GRAPH_KEYS = ['parents', 'children', 'childrens_parents'] as const;
const DEPTH_KEYS = ['parents_depth', 'children_depth'] as const;
const METHOD_KEYS = new Set<string>(['method', 'value', 'indirect_selection', 'exclude', ...GRAPH_KEYS, ...DEPTH_KEYS]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarText(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Re-raises a CLI-syntax error at the definition's location. */
function checkCli(text: string, path: DefinitionPath, fail: Fail): void {
  try {
    if (!parseSelectionArgs(text)) fail('empty selector definition', path);
  } catch (e) {
    if (e instanceof StrataError && e.code === 'SELECTOR') fail(e.message, path, e.hint, e);
    throw e;
  }
}

function normaliseList(raw: unknown, path: DefinitionPath, fail: Fail, key: string): SelectorExpression[] {
  if (!Array.isArray(raw) || raw.length === 0) fail(`"${key}" needs a non-empty list`, path);
  const list = raw.map((item, i) => normaliseExpression(item, [...path, i], fail, true));
  const excludes = list.filter((e) => isRecord(e) && 'exclude' in e && !('method' in e));
  if (excludes.length > 1) fail(`only one "exclude" entry is allowed in a "${key}" list`, path);
  if (excludes.length === list.length) fail(`"${key}" needs at least one entry that is not an exclude`, path);
  return list;
}

function normaliseMethod(raw: Record<string, unknown>, path: DefinitionPath, fail: Fail): SelectorMethodDefinition {
  for (const key of Object.keys(raw)) {
    if (!METHOD_KEYS.has(key)) fail(`unknown key "${key}" in a method entry`, [...path, { key }], `valid keys: ${[...METHOD_KEYS].join(', ')}`);
  }
  const method = scalarText(raw.method);
  const value = scalarText(raw.value);
  if (!method) fail('"method" must be a method name', [...path, 'method']);
  if (value === undefined || value === '') fail('"value" must be a non-empty string', [...path, 'value']);
  const def: SelectorMethodDefinition = { method, value };
  for (const key of GRAPH_KEYS) {
    if (raw[key] === undefined) continue;
    if (typeof raw[key] !== 'boolean') fail(`"${key}" must be true or false`, [...path, key]);
    def[key] = raw[key];
  }
  for (const key of DEPTH_KEYS) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`"${key}" must be a whole number`, [...path, key]);
    def[key] = v;
  }
  const mode = raw.indirect_selection;
  if (mode !== undefined) {
    if (!INDIRECT_SELECTION_MODES.includes(mode as IndirectSelection)) {
      fail(`"indirect_selection" must be one of ${INDIRECT_SELECTION_MODES.join(', ')}`, [...path, 'indirect_selection']);
    }
    def.indirect_selection = mode as IndirectSelection;
  }
  if (raw.exclude !== undefined) def.exclude = normaliseList(raw.exclude, [...path, 'exclude'], fail, 'exclude');
  checkCriterion(def, path, fail);
  return def;
}

/** Validates a method entry by converting it (unknown method, bad value, `@` with parents). */
function checkCriterion(def: SelectorMethodDefinition, path: DefinitionPath, fail: Fail): void {
  try {
    methodCriterion(def);
  } catch (e) {
    if (e instanceof StrataError && e.code === 'SELECTOR') fail(e.message, path, e.hint, e);
    throw e;
  }
}

/**
 * Validates one definition (or list entry) and normalises dbt's shorthands. `inList` allows
 * the `{ exclude: [...] }` form, which dbt only accepts inside union / intersection lists.
 */
export function normaliseExpression(raw: unknown, path: DefinitionPath, fail: Fail, inList = false): SelectorExpression {
  if (typeof raw === 'string') {
    checkCli(raw, path, fail);
    return raw;
  }
  if (!isRecord(raw)) fail('a selector definition must be a string or a mapping', path);
  const keys = Object.keys(raw);
  for (const op of ['union', 'intersection'] as const) {
    if (!(op in raw)) continue;
    if (keys.length > 1) fail(`"${op}" must be the only key of its mapping (found ${keys.join(', ')})`, path);
    const items = normaliseList(raw[op], [...path, op], fail, op);
    return op === 'union' ? { union: items } : { intersection: items };
  }
  if (keys.length === 1 && keys[0] === 'exclude') {
    if (!inList) fail('"exclude" is only allowed inside a union or intersection list, or next to method/value', path);
    return { exclude: normaliseList(raw.exclude, [...path, 'exclude'], fail, 'exclude') };
  }
  if ('method' in raw || 'value' in raw) return normaliseMethod(raw, path, fail);
  if (keys.length === 1) {
    // dbt's key-value shorthand: `tag: nightly`.
    const method = keys[0] as string;
    const value = scalarText(raw[method]);
    if (value === undefined) fail(`"${method}:" must be followed by a single value`, [...path, method]);
    return normaliseMethod({ method, value }, path, fail);
  }
  return fail(
    `expected one "method: value" pair, "method" and "value" keys, or "union" / "intersection" (found ${keys.join(', ') || 'an empty mapping'})`,
    path,
  );
}

/** A method entry as a criterion: the same parser as the CLI, then the YAML graph keys. */
export function methodCriterion(def: SelectorMethodDefinition): SelectionCriterion {
  const c = parseCriterion(`${def.method}:${def.value}`);
  // A depth on its own implies the operator (dbt would silently ignore it).
  c.parents = Boolean(def.parents) || def.parents_depth !== undefined;
  c.children = Boolean(def.children) || def.children_depth !== undefined;
  c.childrensParents = Boolean(def.childrens_parents);
  if (c.parents && c.childrensParents) {
    throw new StrataError('SELECTOR', `"${c.raw}": "childrens_parents" cannot be combined with "parents"`);
  }
  if (def.parents_depth !== undefined) c.parentsDepth = def.parents_depth;
  if (def.children_depth !== undefined) c.childrenDepth = def.children_depth;
  if (def.indirect_selection) c.indirectSelection = def.indirect_selection;
  return c;
}

function listSpec(op: 'union' | 'intersection', list: SelectorExpression[]): SelectionSpec {
  const items: SelectionSpec[] = [];
  let exclude: SelectionSpec | undefined;
  for (const entry of list) {
    if (typeof entry !== 'string' && 'exclude' in entry && !('method' in entry)) exclude = excludeSpec(entry.exclude);
    else items.push(expressionToSpec(entry));
  }
  const base: SelectionSpec = items.length === 1 ? (items[0] as SelectionSpec) : { kind: op, items };
  return exclude ? { kind: 'difference', include: base, exclude } : base;
}

function excludeSpec(list: SelectorExpression[]): SelectionSpec {
  const items = list.map(expressionToSpec);
  return items.length === 1 ? (items[0] as SelectionSpec) : { kind: 'union', items };
}

/** Converts a validated definition into a SelectionSpec. */
export function expressionToSpec(expr: SelectorExpression): SelectionSpec {
  if (typeof expr === 'string') {
    const spec = parseSelectionArgs(expr);
    if (!spec) throw new StrataError('SELECTOR', 'empty selector definition');
    return spec;
  }
  if ('union' in expr) return listSpec('union', expr.union);
  if ('intersection' in expr) return listSpec('intersection', expr.intersection);
  if ('method' in expr) {
    const base = methodCriterion(expr);
    return expr.exclude ? { kind: 'difference', include: base, exclude: excludeSpec(expr.exclude) } : base;
  }
  throw new StrataError('SELECTOR', '"exclude" is only allowed inside a union or intersection list');
}

/** Names of the selectors a definition reuses (`selector:` method), for cycle checks. */
export function selectorReferences(spec: SelectionSpec, out: string[] = []): string[] {
  if (spec.kind === 'criterion') {
    if (spec.method === 'selector') out.push(spec.value);
  } else if (spec.kind === 'difference') {
    selectorReferences(spec.include, out);
    selectorReferences(spec.exclude, out);
  } else if (spec.kind !== 'all') {
    for (const item of spec.items) selectorReferences(item, out);
  }
  return out;
}
