/**
 * dbt's context functions beyond the core ones (context-globals.ts), as dbt defines them:
 * `fromjson` / `tojson`, `fromyaml` / `toyaml` (a value that cannot be read or written gives the
 * default, None unless given), `local_md5`, `set` / `set_strict`, `zip_strict`,
 * `try_or_compiler_error`, and `modules.re` (py-re.ts) with `modules.datetime`.
 */
import { createHash } from 'node:crypto';
import { dump as dumpYaml, load as loadYaml } from 'js-yaml';
import { StrataError } from '../errors/strata-error.js';
import { splitArgs } from './context-globals.js';
import { PyDatetime } from './py-datetime.js';
import { pyRe } from './py-re.js';
import { pythonJsonDumps } from './python-json.js';
import { pythonEquals } from './python-operators.js';
import { markTuple } from './python-repr.js';
import { pythonSequence } from './python-semantics.js';
import { currentState } from './render-state.js';

/** Positional argument `i` or keyword `name`, else the default. */
function argument(args: unknown[], i: number, name: string, fallback: unknown): unknown {
  const { positional, kwargs } = splitArgs(args);
  return positional.length > i ? positional[i] : name in kwargs ? kwargs[name] : fallback;
}

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
      return argument(args, 0, 'default', null);
    }
  },
  tojson: (value: unknown, ...args: unknown[]) => {
    try {
      return pythonJsonDumps(value, { sortKeys: Boolean(argument(args, 1, 'sort_keys', false)) });
    } catch {
      return argument(args, 0, 'default', null);
    }
  },
  fromyaml: (text: unknown, ...args: unknown[]) => {
    try {
      return loadYaml(String(text)) ?? null;
    } catch {
      return argument(args, 0, 'default', null);
    }
  },
  toyaml: (value: unknown, ...args: unknown[]) => {
    try {
      return dumpYaml(value, { sortKeys: Boolean(argument(args, 1, 'sort_keys', false)) });
    } catch {
      return argument(args, 0, 'default', null);
    }
  },
  local_md5: (text: unknown) => createHash('md5').update(String(text)).digest('hex'),
  set: (value: unknown, ...args: unknown[]) => {
    try {
      return distinct(value);
    } catch {
      return argument(args, 0, 'default', null);
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
  const now = () => new PyDatetime(clock());
  return {
    re: pyRe,
    datetime: {
      date: { today: () => clock().toISOString().slice(0, 10) },
      datetime: { now, utcnow: now },
    },
  };
}
