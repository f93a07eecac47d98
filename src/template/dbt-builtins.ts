/**
 * dbt's context functions beyond the core ones (context-globals.ts), as dbt defines them:
 * `fromjson` / `tojson`, `fromyaml` / `toyaml` (a value that cannot be read or written gives the
 * default, None unless given), `local_md5`, `set` / `set_strict`, `zip_strict`,
 * `try_or_compiler_error`, and `modules.re` (py-re.ts) with `modules.datetime`.
 */
import { createHash } from 'node:crypto';
import type { ScalarTag, Tags } from 'yaml';
import { StrataError } from '../errors/strata-error.js';
import { bindArgs } from './context-globals.js';
import { datetimeModule } from './py-dates.js';
import { pyRe } from './py-re.js';
import { pythonJsonDumps, pythonJsonLoads } from './python-json.js';
import { floatRepr, PyFloat } from './python-float.js';
import { pythonEquals } from './python-operators.js';
import { isMapping, isTuple, markTuple, pythonTypeName } from './python-repr.js';
import { isIterable, pythonSequence } from './python-semantics.js';
import { parseYaml, yamlLib } from '../project/yaml-file.js';
import { currentState } from './render-state.js';

/**
 * `fn()`, or when it throws an error `caught` accepts, the `default` argument (None unless given):
 * dbt's functions that return their default where Python raised.
 */
function orDefault(fallback: unknown, fn: () => unknown, caught: (e: unknown) => boolean = () => true): unknown {
  try {
    return fn();
  } catch (e) {
    if (!caught(e)) throw e;
    return fallback ?? null;
  }
}

/**
 * The items of a value Python's set() iterates: a string's characters, a list's or a tuple's items,
 * a mapping's keys (Jinja's Undefined iterates as empty). Anything else (a number, None, a boolean)
 * is Python's TypeError, as an item a set cannot hold (a list, a dict) is.
 */
function setItems(value: unknown): unknown[] {
  if (value !== undefined && !isIterable(value)) throw new TypeError(`'${pythonTypeName(value)}' object is not iterable`);
  const items = pythonSequence(value);
  for (const item of items) {
    const unhashable = unhashableIn(item);
    if (unhashable) throw new TypeError(`unhashable type: '${unhashable}'`);
  }
  return items;
}

/** The type name of what makes `value` unhashable (a list or a dict, also inside a tuple), or undefined. */
function unhashableIn(value: unknown): string | undefined {
  if (isTuple(value)) {
    for (const item of value as unknown[]) {
      const inner = unhashableIn(item);
      if (inner) return inner;
    }
    return undefined;
  }
  return Array.isArray(value) || isMapping(value) ? pythonTypeName(value) : undefined;
}

/** Python's set(): the distinct items, in their first order (a Python set has none of its own to keep). */
function distinct(value: unknown): unknown[] {
  const out: unknown[] = [];
  for (const item of setItems(value)) if (!out.some((x) => pythonEquals(x, item))) out.push(item);
  return out;
}

/** PyYAML's text of a float: its repr (`2.0`, `1.0e+16`), `.inf`, `-.inf`, `.nan`. */
function yamlFloat(n: number): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  const repr = floatRepr(n);
  return repr.includes('.') || !repr.includes('e') ? repr : repr.replace('e', '.0e');
}

/** A whole float (a PyFloat) written as PyYAML writes a float, not as the int of its value. */
const pyFloatTag: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (value) => value instanceof PyFloat,
  resolve: (text) => Number(text),
  stringify: (node) => yamlFloat(Number((node as { value: unknown }).value)),
};

export const dbtBuiltins: Record<string, unknown> = {
  // Numbers as Python reads them (1.0 a float); text that is not JSON gives the default, an
  // integer past 2^53 stays an error (as in fromyaml).
  fromjson: (text: unknown, ...args: unknown[]) =>
    orDefault(bindArgs(args, ['default'])['default'], () => pythonJsonLoads(String(text)), (e) => e instanceof SyntaxError),
  tojson: (value: unknown, ...args: unknown[]) => {
    const { default: fallback, sort_keys: sortKeys } = bindArgs(args, ['default', 'sort_keys']);
    return orDefault(fallback, () => pythonJsonDumps(value, { sortKeys: Boolean(sortKeys) }));
  },
  fromyaml: (text: unknown, ...args: unknown[]) =>
    orDefault(
      bindArgs(args, ['default'])['default'],
      // As PyYAML's safe_load reads it, as project.yml is read (yes / on are true, 017 is octal,
      // 2.0 a float); the last of two equal keys wins.
      () => parseYaml('fromyaml', String(text), { asPyYaml: true }) ?? null,
      // Text that is not YAML gives the default; an integer past 2^53 stays an error.
      (e) => (e as StrataError).code === 'YAML',
    ),
  toyaml: (value: unknown, ...args: unknown[]) => {
    const { default: fallback, sort_keys: sortKeys } = bindArgs(args, ['default', 'sort_keys']);
    const yaml = yamlLib();
    // A whole float goes in as a node of its own (pyFloatTag prints it `2.0`): as a value, two of
    // the same PyFloat would be written as an anchor and an alias.
    const floatsAsNodes = (_key: unknown, v: unknown) => (v instanceof PyFloat ? new yaml.Scalar(v) : v);
    // PyYAML's safe_dump layout: block style, a list in a mapping not indented.
    const options = { version: '1.1', indentSeq: false, sortMapEntries: Boolean(sortKeys), customTags: (tags: Tags) => [pyFloatTag, ...tags] } as const;
    return orDefault(fallback, () => yaml.stringify(value, floatsAsNodes, options));
  },
  local_md5: (text: unknown) => createHash('md5').update(String(text)).digest('hex'),
  // dbt's set() returns its default where Python's raises TypeError; set_strict() raises it.
  set: (value: unknown, ...args: unknown[]) => orDefault(bindArgs(args, ['default'])['default'], () => distinct(value), (e) => e instanceof TypeError),
  set_strict: (value: unknown) => distinct(value),
  zip_strict: (...lists: unknown[]) => {
    const seqs = lists.map(pythonSequence);
    const shorter = seqs.findIndex((l) => l.length !== seqs[0]!.length);
    if (shorter > 0) throw new Error(`zip() argument ${shorter + 1} is ${seqs[shorter]!.length < seqs[0]!.length ? 'shorter' : 'longer'} than argument 1`);
    return (seqs[0] ?? []).map((_, i) => markTuple(seqs.map((l) => l[i])));
  },
  try_or_compiler_error: (message: unknown, fn: unknown, ...args: unknown[]) => {
    try {
      return (fn as (...a: unknown[]) => unknown)(...args);
    } catch {
      throw new StrataError('TEMPLATE', String(message), { nodeId: currentState().uniqueId });
    }
  },
};

/**
 * `modules`: Python's `re`, and `datetime` for the current time (UTC) and date. A template that
 * asks for the time is rendered again at run time, as one reading `execute` (context-globals.ts).
 */
export function pythonModules(): Record<string, unknown> {
  const clock = () => {
    currentState().readExecute = true;
    return new Date();
  };
  return { re: pyRe, datetime: datetimeModule(clock) };
}
