/**
 * Reads selectors.yml (dbt's format) into validated SelectorDefinitions:
 *
 *   selectors:
 *     - name: nightly
 *       description: optional
 *       default: true          # optional; at most one selector may be the default
 *       definition: ...        # CLI string, method entry, union / intersection
 *
 * Every problem is a StrataError pointing at file:line:column of the offending entry.
 */
import type { Document, LineCounter } from 'yaml';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
// The `yaml` package loads only when a selectors.yml exists (it costs ~35 ms at startup).
import { yamlLib as yaml } from '../project/yaml-file.js';
import { didYouMean } from './did-you-mean.js';
import {
  expressionToSpec,
  normaliseExpression,
  selectorReferences,
  type DefinitionPath,
  type Fail,
  type SelectorDefinition,
} from './selector-definition.js';

const ENTRY_KEYS = new Set(['name', 'description', 'default', 'definition']);

type Locate = (path: DefinitionPath) => SourceLocation;

/** The YAML node at `path`: a value, or for a final `{ key }` the key of that mapping entry. */
function nodeAt(doc: Document, path: DefinitionPath): unknown {
  const last = path[path.length - 1];
  if (typeof last === 'object') {
    const parentPath = path.slice(0, -1) as (string | number)[];
    const parent: unknown = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
    if (!yaml().isMap(parent)) return undefined;
    return parent.items.find((pair) => yaml().isScalar(pair.key) && (pair.key as { value?: unknown }).value === last.key)?.key;
  }
  return path.length === 0 ? doc.contents : doc.getIn(path as (string | number)[], true);
}

/** Location of the deepest existing YAML node on `path`. */
function locator(doc: Document, lines: LineCounter, file: string): Locate {
  return (path) => {
    for (let p = path; ; p = p.slice(0, -1)) {
      const node = nodeAt(doc, p);
      if (yaml().isNode(node) && node.range) {
        const { line, col } = lines.linePos(node.range[0]);
        return { file, line, column: col };
      }
      if (p.length === 0) return { file, line: 0, column: 0 };
    }
  };
}

function failer(locate: Locate): Fail {
  return (message, path, hint, cause) => {
    throw new StrataError('SELECTOR', message, { location: locate(path), hint, cause });
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `default:` as a boolean. dbt renders selectors.yml with Jinja first (`default: "{{ target.name
 * == 'prod' }}"`), which leaves the strings True / False; accept those too. Absent = false.
 */
function booleanOf(v: unknown): boolean | undefined {
  if (v === undefined || typeof v === 'boolean') return v === true;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return undefined;
}

function parseEntry(raw: unknown, index: number, fail: Fail, locate: Locate): SelectorDefinition {
  const path: DefinitionPath = ['selectors', index];
  if (!isRecord(raw)) return fail('each selector must be a mapping with "name" and "definition"', path);
  for (const key of Object.keys(raw)) {
    if (!ENTRY_KEYS.has(key)) fail(`unknown key "${key}" in a selector`, [...path, { key }], 'valid keys: name, description, default, definition');
  }
  const { name, description, definition } = raw;
  if (typeof name !== 'string' || name === '') return fail('a selector needs a "name"', [...path, 'name']);
  if (description !== undefined && typeof description !== 'string') fail(`selector "${name}": "description" must be a string`, [...path, 'description']);
  const isDefault = booleanOf(raw.default);
  if (isDefault === undefined) fail(`selector "${name}": "default" must be true or false`, [...path, 'default']);
  if (definition === undefined || definition === null) fail(`selector "${name}" has no "definition"`, path);
  const selector: SelectorDefinition = {
    name,
    definition: normaliseExpression(definition, [...path, 'definition'], fail),
    location: locate(path),
  };
  if (typeof description === 'string') selector.description = description;
  if (isDefault) selector.default = true;
  return selector;
}

/**
 * Checks that every `selector:` reference names a defined selector and that no selector
 * reaches itself through references (which would never finish evaluating).
 */
export function checkSelectorReferences(selectors: Record<string, SelectorDefinition>): void {
  const refs = new Map(Object.values(selectors).map((s) => [s.name, selectorReferences(expressionToSpec(s.definition))]));
  const done = new Set<string>();
  const visit = (name: string, chain: string[]): void => {
    if (chain.includes(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      const first = selectors[cycle[0] as string];
      throw new StrataError('SELECTOR', `selectors reference each other in a cycle: ${cycle.join(' -> ')}`, {
        ...(first?.location ? { location: first.location } : {}),
        hint: 'a selector cannot include itself, directly or through other selectors',
      });
    }
    if (done.has(name)) return;
    for (const ref of refs.get(name) ?? []) {
      if (!refs.has(ref)) {
        const suggestion = didYouMean(ref, refs.keys());
        throw new StrataError('SELECTOR', `selector "${name}" uses unknown selector "${ref}"`, {
          ...(selectors[name]?.location ? { location: selectors[name].location } : {}),
          hint: suggestion ? `did you mean "${suggestion}"?` : `defined selectors: ${[...refs.keys()].join(', ')}`,
        });
      }
      visit(ref, [...chain, name]);
    }
    done.add(name);
  };
  for (const name of refs.keys()) visit(name, []);
}

function checkUnique(list: SelectorDefinition[]): void {
  const seen = new Map<string, SelectorDefinition>();
  for (const s of list) {
    const before = seen.get(s.name);
    if (before) {
      const where = before.location ? ` (first defined at line ${before.location.line})` : '';
      throw new StrataError('SELECTOR', `selector "${s.name}" is defined twice${where}`, s.location ? { location: s.location } : {});
    }
    seen.set(s.name, s);
  }
  const defaults = list.filter((s) => s.default);
  if (defaults.length > 1) {
    throw new StrataError('SELECTOR', `more than one selector has "default: true": ${defaults.map((s) => s.name).join(', ')}`, {
      ...(defaults[1]?.location ? { location: defaults[1].location } : {}),
      hint: 'keep "default: true" on one selector only',
    });
  }
}

/** Parses and validates selectors.yml. `file` is used for error locations only. */
export function parseSelectorsFile(yamlText: string, file: string): Record<string, SelectorDefinition> {
  const lines = new (yaml().LineCounter)();
  // `merge`: dbt users share definition fragments with anchors and `<<:` merge keys.
  const doc = yaml().parseDocument(yamlText, { lineCounter: lines, merge: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const location = { file, line: pos?.line ?? 0, column: pos?.col ?? 0 };
    // The location travels separately, so drop yaml's own " at line L, column C:" suffix.
    const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new StrataError('YAML', `selectors file does not parse: ${message}`, { location, cause: error });
  }
  const locate = locator(doc, lines, file);
  const fail = failer(locate);
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (e) {
    // e.g. an alias to an undefined anchor, or alias expansion beyond yaml's safety limit.
    throw new StrataError('YAML', `selectors file cannot be read: ${(e as Error).message}`, { location: { file, line: 0, column: 0 }, cause: e });
  }
  if (root === null || root === undefined) return {};
  if (!isRecord(root)) return fail('selectors.yml must be a mapping with a "selectors" list', []);
  for (const key of Object.keys(root)) {
    if (key !== 'selectors' && key !== 'version') {
      fail(`unknown top-level key "${key}"`, [{ key }], 'selectors.yml holds a "selectors:" list (and optionally "version:")');
    }
  }
  if (root.selectors === null || root.selectors === undefined) return {};
  if (!Array.isArray(root.selectors)) return fail('"selectors" must be a list', ['selectors']);
  const list = root.selectors.map((entry, i) => parseEntry(entry, i, fail, locate));
  checkUnique(list);
  const selectors = Object.fromEntries(list.map((s) => [s.name, s]));
  checkSelectorReferences(selectors);
  return selectors;
}
