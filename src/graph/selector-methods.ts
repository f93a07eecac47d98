/**
 * What each selection method matches, before graph operators are applied. Each method is a
 * predicate over one node (dbt's semantics, cited per method); `matchCriterion` runs it over
 * the precomputed index in a single pass.
 */
import type { GraphNode, Manifest } from '../manifest/types.js';
import { fnmatch, fnmatchRegExp, hasWildcard, pathGlobMatch } from './glob.js';
import type { NodeIndex } from './node-index.js';
import { selectorError } from './selector-parser.js';
import type { SelectionBundle, SelectionCriterion } from './selection-spec.js';
import { stateMatcher } from './state-method.js';

export interface MethodContext {
  previousManifest?: Manifest;
  /** Evaluates a named selector (the `selector:` method). */
  resolveSelector?: (name: string, raw: string) => SelectionBundle;
}

type Predicate = (id: string, node: GraphNode) => boolean;

/** A default-method value, split and compiled once per criterion. */
interface FqnPattern {
  parts: string[];
  /** Index of the first part with a wildcard, -1 if none. */
  wildcardAt: number;
  /** fnmatch RegExp for the parts from `wildcardAt` on, joined with dots. */
  tail?: RegExp;
}

/**
 * dbt's `is_selected_node` on `flat` (the fqn with dotted segments split) from position
 * `from` on: the value's dot-separated parts are a prefix of it, i.e. a project or folder, or
 * the full name; from the first part holding a wildcard on, the rest of the value is
 * fnmatched against the rest of the fqn. Allocation-free unless a wildcard is involved,
 * because it runs for every node of the project.
 */
function fqnPrefixMatch(flat: string[], from: number, p: FqnPattern): boolean {
  if (flat.length - from < p.parts.length) return false;
  const exact = p.tail ? p.wildcardAt : p.parts.length;
  for (let i = 0; i < exact; i++) {
    if (flat[from + i] !== p.parts[i]) return false;
  }
  return p.tail ? p.tail.test(flat.slice(from + exact).join('.')) : true;
}

/** Dotted fqn segments (versioned models, `a.b` names) count as several parts, as in dbt. */
function flatten(fqn: string[]): string[] {
  for (const segment of fqn) {
    if (segment.includes('.')) return fqn.flatMap((s) => s.split('.'));
  }
  return fqn;
}

/**
 * The default method. Tried with and without the leading project name (dbt matches across
 * packages that way). Sources are never matched: as in dbt, they are selected with `source:`
 * (so `--select orders` does not pick up the `raw.orders` source table too).
 * One addition to dbt: a dot-free wildcard value is also matched against the node name
 * alone, so `stg_*` finds `models/staging/stg_orders.sql` (in dbt it only matches models at
 * the top of the models folder, a frequent surprise).
 */
function fqnPredicate(value: string): Predicate {
  const parts = value.split('.');
  const wildcardAt = parts.findIndex(hasWildcard);
  const pattern: FqnPattern = { parts, wildcardAt };
  if (wildcardAt >= 0) pattern.tail = fnmatchRegExp(parts.slice(wildcardAt).join('.'));
  const nameGlob = wildcardAt === 0 && parts.length === 1 ? pattern.tail : undefined;
  return (_id, node) => {
    if (node.resourceType === 'source') return false;
    const fqn = node.fqn;
    if (fqn[fqn.length - 1] === value || (nameGlob && nameGlob.test(node.name))) return true;
    const flat = flatten(fqn);
    const project = fqn[0] ?? '';
    // With the project name, then without it (dbt matches across packages that way).
    const projectParts = project.includes('.') ? project.split('.').length : 1;
    return fqnPrefixMatch(flat, 0, pattern) || fqnPrefixMatch(flat, projectParts, pattern);
  };
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}

/** A file path and every folder above it: `a/b/c.sql` -> [a/b/c.sql, a/b, a]. */
function withFolders(file: string): string[] {
  const out = [file];
  for (let i = file.lastIndexOf('/'); i > 0; i = file.lastIndexOf('/', i - 1)) out.push(file.slice(0, i));
  return out;
}

/** The strings a `path:` value is compared with (dbt also matches the property file). */
function pathCandidates(index: NodeIndex, id: string, node: GraphNode): string[] {
  let list = index.pathCandidates.get(id);
  if (!list) {
    const patch = 'patchPath' in node && node.patchPath ? node.patchPath.replace(/^[^/]*:\/\//, '') : undefined;
    const files = [node.originalFilePath, node.path, patch].filter((f): f is string => Boolean(f)).map(normalisePath);
    list = [...new Set(files.flatMap(withFolders))];
    index.pathCandidates.set(id, list);
  }
  return list;
}

/** `path:` a file or folder, relative to the project root or to the resource folder; globs allowed. */
function pathPredicate(index: NodeIndex, value: string): Predicate {
  const pattern = normalisePath(value);
  return (id, node) => pathCandidates(index, id, node).some((c) => pathGlobMatch(c, pattern));
}

function fileName(path: string): string {
  return path.slice(path.replace(/\\/g, '/').lastIndexOf('/') + 1);
}

/** `file:` the file name, with or without its extension (dbt's FileSelectorMethod). */
function filePredicate(value: string): Predicate {
  return (_id, node) => {
    const name = fileName(node.originalFilePath);
    const dot = name.lastIndexOf('.');
    return fnmatch(name, value) || (dot > 0 && fnmatch(name.slice(0, dot), value));
  };
}

/** `source:` source, source.table or package.source.table, each part fnmatched. */
function sourcePredicate(value: string): Predicate {
  const parts = value.split('.');
  return (_id, node) => {
    if (node.resourceType !== 'source') return false;
    // Align the value's parts with the end of [package, source, table].
    const target = [node.packageName, node.sourceName, node.name];
    if (parts.length === 1) return fnmatch(node.sourceName, value);
    const offset = target.length - parts.length;
    return parts.every((p, i) => fnmatch(target[offset + i] as string, p));
  };
}

/**
 * `config.<key>:value`. dbt compares for equality (no wildcards); a list matches when any
 * element does; `true`/`false` match booleans case-insensitively. Nested keys descend objects.
 */
function configPredicate(keys: string[], value: string): Predicate {
  const asBool = value.toLowerCase() === 'true' ? true : value.toLowerCase() === 'false' ? false : undefined;
  const equal = (v: unknown): boolean =>
    (typeof v === 'boolean' && v === asBool) ||
    ((typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') && String(v) === value);
  return (_id, node) => {
    let current: unknown = node.config;
    for (const key of keys) {
      if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
      current = (current as Record<string, unknown>)[key];
    }
    return Array.isArray(current) ? current.some(equal) : equal(current);
  };
}

/** `test_type:` generic, singular, unit, or data (= generic + singular, dbt's data tests). */
function testTypePredicate(value: string): Predicate {
  return (_id, node) => {
    if (value === 'unit') return node.resourceType === 'unit_test';
    if (node.resourceType !== 'test') return false;
    return value === 'data' || node.testType === value;
  };
}

/** `test_name:` a generic test's macro name (`unique`), or a unit test's name; fnmatched. */
function testNamePredicate(value: string): Predicate {
  return (_id, node) => {
    if (node.resourceType === 'unit_test') return fnmatch(node.name, value);
    return node.resourceType === 'test' && node.testMetadata !== undefined && fnmatch(node.testMetadata.name, value);
  };
}

function tagPredicate(value: string): Predicate {
  return (_id, node) => node.tags.some((t) => fnmatch(t, value)) || node.config.tags.some((t) => fnmatch(t, value));
}

function statePredicate(index: NodeIndex, c: SelectionCriterion, ctx: MethodContext): Predicate {
  if (!ctx.previousManifest) {
    throw selectorError(
      `"${c.raw}": state selection needs a previous manifest to compare with, and there is none`,
      'run a successful command first, or pass --state DIR',
    );
  }
  return stateMatcher(c.value, index.manifest, ctx.previousManifest);
}

function predicateFor(index: NodeIndex, c: SelectionCriterion, ctx: MethodContext): Predicate {
  const v = c.value;
  switch (c.method) {
    case 'fqn':
      return fqnPredicate(v);
    case 'path':
      return pathPredicate(index, v);
    case 'file':
      return filePredicate(v);
    case 'tag':
      return tagPredicate(v);
    case 'source':
      return sourcePredicate(v);
    case 'resource_type':
      return (_id, node) => node.resourceType === v;
    case 'package': {
      // dbt: `package:this` is the root project.
      const pkg = v === 'this' ? index.manifest.metadata.projectName : v;
      return (_id, node) => fnmatch(node.packageName, pkg);
    }
    case 'config':
      return configPredicate(c.methodArgs, v);
    case 'test_type':
      return testTypePredicate(v);
    case 'test_name':
      return testNamePredicate(v);
    case 'state':
      return statePredicate(index, c, ctx);
    case 'selector':
      throw new Error('selector criteria are resolved by matchCriterion'); // unreachable
  }
}

/** Ids matched by the criterion's method and value (graph operators not applied yet). */
export function matchCriterion(index: NodeIndex, c: SelectionCriterion, ctx: MethodContext): Set<string> {
  if (c.method === 'selector') {
    if (!ctx.resolveSelector) throw selectorError(`"${c.raw}": no selectors are defined`, 'define it in selectors.yml');
    return ctx.resolveSelector(c.value, c.raw).direct;
  }
  const matches = predicateFor(index, c, ctx);
  const out = new Set<string>();
  const { ids, list } = index;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    if (matches(id, list[i] as GraphNode)) out.add(id);
  }
  return out;
}
