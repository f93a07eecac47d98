/**
 * dbt's context functions beyond the core ones (context-globals.ts), as dbt defines them:
 * `fromjson` / `tojson`, `fromyaml` / `toyaml` (a value that cannot be read or written gives the
 * default, None unless given), `local_md5`, `set` / `set_strict`, `zip_strict`,
 * `try_or_compiler_error`, and `modules.re` (py-re.ts) with `modules.datetime`.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { StrataError } from '../errors/strata-error.js';
import { bindArgs } from './context-globals.js';
import { datetimeModule } from './py-dates.js';
import { pyRe } from './py-re.js';
import { pythonJsonDumps } from './python-json.js';
import { plainValue } from './python-float.js';
import { pythonEquals } from './python-operators.js';
import { markTuple } from './python-repr.js';
import { pythonSequence } from './python-semantics.js';
import { parseYaml } from '../project/yaml-file.js';
import { currentState } from './render-state.js';

/** The `yaml` package, loaded when first used (as selectors-file.ts does: it costs ~35 ms at startup). */
let yamlModule: typeof import('yaml') | undefined;
const yaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

/** The distinct items, in their first order (a Python set has none of its own to keep). */
function distinct(value: unknown): unknown[] {
  const out: unknown[] = [];
  for (const item of pythonSequence(value)) if (!out.some((x) => pythonEquals(x, item))) out.push(item);
  return out;
}

export const dbtBuiltins: Record<string, unknown> = {
  fromjson: (text: unknown, ...args: unknown[]) => {
    try {
      return JSON.parse(String(text));
    } catch {
      return (bindArgs(args, ['default'])['default'] ?? null);
    }
  },
  tojson: (value: unknown, ...args: unknown[]) => {
    try {
      return pythonJsonDumps(value, { sortKeys: Boolean(bindArgs(args, ['default', 'sort_keys'])['sort_keys']) });
    } catch {
      return (bindArgs(args, ['default'])['default'] ?? null);
    }
  },
  fromyaml: (text: unknown, ...args: unknown[]) => {
    try {
      // As PyYAML's safe_load reads it, as project.yml is read (yes / on are true, 017 is octal,
      // 2.0 a float); the last of two equal keys wins.
      return parseYaml('fromyaml', String(text), { asPyYaml: true }) ?? null;
    } catch (e) {
      // Text that is not YAML gives the default; an integer past 2^53 stays an error.
      if ((e as StrataError).code !== 'YAML') throw e;
      return (bindArgs(args, ['default'])['default'] ?? null);
    }
  },
  toyaml: (value: unknown, ...args: unknown[]) => {
    try {
      // PyYAML's safe_dump layout: block style, a list in a mapping not indented.
      return yaml().stringify(plainValue(value), { version: '1.1', indentSeq: false, sortMapEntries: Boolean(bindArgs(args, ['default', 'sort_keys'])['sort_keys']) });
    } catch {
      return (bindArgs(args, ['default'])['default'] ?? null);
    }
  },
  local_md5: (text: unknown) => createHash('md5').update(String(text)).digest('hex'),
  set: (value: unknown, ...args: unknown[]) => {
    try {
      return distinct(value);
    } catch {
      return (bindArgs(args, ['default'])['default'] ?? null);
    }
  },
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
