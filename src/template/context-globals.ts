/**
 * The dbt template context: `ref`, `source`, `config`, `var`, `env_var`, `this`, `target`,
 * `execute`, `is_incremental`, `log`, `return`, `exceptions`, `run_query`, `adapter`, `model`,
 * Jinja's `namespace`...
 *
 * Installed once as nunjucks globals; each reads the current RenderState (see render-state.ts).
 * Values that must look like variables (`this`, `target`, `execute`, `model`) are getters.
 */
import { dbtBuiltins, pythonModules } from './dbt-builtins.js';
import { markTuple } from './python-repr.js';
import { boxFloats, plainValue } from './python-float.js';
import { PyDatetime } from './py-datetime.js';
import { pythonTruthy } from './python-semantics.js';
import { StrataError } from '../errors/strata-error.js';
import { namespace } from './namespace.js';
import { makeRelation, quoteIdent } from './relation.js';
import { currentState, type RenderState, type TargetInfo } from './render-state.js';
import { toQueryTable } from './query-table.js';

/** Thrown by `return()` and caught by the macro wrapper, as dbt's MacroReturn. */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

type Kwargs = Record<string, unknown> & { __keywords?: true };

/** Splits nunjucks call arguments into positional ones and the keyword object. */
export function splitArgs(args: unknown[]): { positional: unknown[]; kwargs: Kwargs } {
  const last = args[args.length - 1];
  if (last && typeof last === 'object' && (last as Kwargs).__keywords) {
    const { __keywords: _k, ...kwargs } = last as Kwargs;
    return { positional: args.slice(0, -1), kwargs };
  }
  return { positional: args, kwargs: {} };
}

/**
 * A Python call's arguments bound to the parameter names: positional ones in order, then keywords
 * (`f(1, b=2)` with names `a`, `b` is `{ a: 1, b: 2 }`). A parameter not given is absent.
 */
export function bindArgs(args: unknown[], names: readonly string[]): Record<string, unknown> {
  const { positional, kwargs } = splitArgs(args);
  const bound: Record<string, unknown> = { ...kwargs };
  positional.forEach((value, i) => {
    if (i < names.length) bound[names[i]!] = value;
  });
  return bound;
}

function argError(message: string, hint?: string): StrataError {
  return new StrataError('TEMPLATE', message, hint ? { hint } : {});
}

function ref(...args: unknown[]) {
  const { positional } = splitArgs(args);
  const strings = positional.filter((a): a is string => typeof a === 'string');
  if (strings.length === 0 || strings.length > 2 || strings.length !== positional.length) {
    throw argError(`ref() takes a model name and an optional project name: ref('model') or ref('project', 'model')`);
  }
  const [a, b] = strings as [string, string | undefined];
  const target = b === undefined ? { kind: 'ref' as const, name: a, line: 0, column: 0 } : { kind: 'ref' as const, package: a, name: b, line: 0, column: 0 };
  return makeRelation(target, target.name);
}

function source(...args: unknown[]) {
  const { positional } = splitArgs(args);
  if (positional.length !== 2 || positional.some((a) => typeof a !== 'string')) {
    throw argError(`source() takes a source name and a table name: source('raw', 'orders')`);
  }
  const [src, table] = positional as [string, string];
  return makeRelation({ kind: 'source', source: src, table, line: 0, column: 0 }, table);
}

/** `config(...)` records config; `config.get(k, d)` and `config.require(k)` read it. */
function makeConfig() {
  const config = (...args: unknown[]) => {
    const { positional, kwargs } = splitArgs(args);
    const state = currentState();
    const values: Record<string, unknown> = { ...kwargs };
    for (const p of positional) {
      if (p && typeof p === 'object') Object.assign(values, p);
      else throw argError('config() takes keyword arguments: config(materialized="table")');
    }
    // What leaves the templates holds plain numbers (python-float.ts: a float like 1.0 is an object in them).
    for (const [k, v] of Object.entries(values)) values[k] = plainValue(v);
    state.configCalls.push(values);
    Object.assign(state.config, values);
    return '';
  };
  config.get = (key: string, fallback?: unknown) => {
    const v = currentState().config[key];
    return v === undefined ? (fallback ?? null) : v;
  };
  config.require = (key: string) => {
    const v = currentState().config[key];
    if (v === undefined) throw argError(`config key '${key}' is required by this model but not set`);
    return v;
  };
  return config;
}

function varFn(name: unknown, ...rest: unknown[]) {
  if (typeof name !== 'string') throw argError('var() takes a variable name: var("start_date", "2020-01-01")');
  const state = currentState();
  const { positional } = splitArgs(rest);
  const found = state.vars(name);
  if (found.found) {
    state.varsRead[name] = boxFloats(found.value) ?? null; // boxed: varsRead crosses threads and the cache
    return found.value;
  }
  if (positional.length > 0) {
    // Recorded as unset-with-default: a later --vars giving it a value must invalidate caches.
    state.varsRead[name] = { unset: true, default: boxFloats(positional[0]) ?? null };
    return positional[0];
  }
  throw new StrataError('VAR', `var('${name}') has no value and no default in ${state.nodeName}`, {
    hint: `set it under vars: in project.yml, pass --vars '{${name}: ...}', or give a default: var('${name}', 'value')`,
    nodeId: state.uniqueId,
  });
}

function envVar(name: unknown, fallback?: unknown) {
  if (typeof name !== 'string') throw argError('env_var() takes a variable name: env_var("DATABASE_URL", "default")');
  const state = currentState();
  const value = state.env[name];
  state.envRead[name] = value ?? null;
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  throw new StrataError('VAR', `environment variable ${name} is not set and env_var('${name}') has no default`, {
    hint: `export ${name}=... or give a default: env_var('${name}', 'value')`,
  });
}

/** Where `log(msg, info=True)` prints, per engine; set by a run (setLogSink). */
const logSinks = new WeakMap<Record<string, unknown>, (message: string) => void>();

/**
 * dbt's `log(msg, info=True)` prints the message while a run renders the template (its run-time
 * renders and hooks; printLogs, when the render ends); without `info`, nothing (dbt writes those to
 * its debug log only). A template calling log() with info is rendered again at run time, like one
 * reading `execute`, so its messages come every run, as in dbt; its SQL is still compared for
 * being up to date.
 */
export function setLogSink(globals: Record<string, unknown>, sink: ((message: string) => void) | undefined): void {
  if (sink) logSinks.set(globals, sink);
  else logSinks.delete(globals);
}

/** `log(msg, info=False)`; `always` for print() and exceptions.warn(), which dbt prints regardless. */
function logFor(globals: Record<string, unknown>, always = false) {
  return function log(...args: unknown[]): string {
    const { msg, info: given } = bindArgs(args, ['msg', 'info']);
    const message = String(msg ?? '');
    const info = always || pythonTruthy(given);
    const state = currentState();
    // A message that prints makes the template render at run time, where a run shows it; one that
    // does not (dbt's debug-level log) changes nothing.
    if (info) state.readExecute = true;
    state.logs.push({ message, info });
    return '';
  };
}

/**
 * Prints the messages a render logged with info (from index `from` of its logs), once it ended:
 * a render tried again another way (interpreted, then compiled) keeps only its last attempt's.
 */
export function printLogs(globals: Record<string, unknown>, logs: ReadonlyArray<{ message: string; info: boolean }>, from: number): void {
  const sink = logSinks.get(globals);
  if (!sink) return;
  for (let i = from; i < logs.length; i++) if (logs[i]!.info) sink(logs[i]!.message);
}

function runQuery(sql: unknown) {
  const state = currentState();
  // What the template renders depends on the database even when it never reads `execute` (a
  // query run for its side effect, or one whose None at parse time the template tolerates): it is
  // rendered again at run time, as dbt renders it, so the query runs and its rows are used.
  state.readExecute = true;
  if (!state.runQuery) {
    if (!state.execute) return null; // dbt: run_query returns None while parsing
    throw argError('run_query() needs a database connection; it runs during `strata run` / `build`');
  }
  return toQueryTable(state.runQuery(String(sql)));
}

function adapterFor(lookupMacro: (name: string) => unknown) {
  return {
    quote: (ident: string) => quoteIdent(String(ident)),
    dispatch: (macroName: string) => {
      for (const candidate of [`postgres__${macroName}`, `default__${macroName}`, macroName]) {
        const m = lookupMacro(candidate);
        if (m) return m;
      }
      throw argError(`adapter.dispatch('${macroName}') found no macro named postgres__${macroName} or default__${macroName}`);
    },
    type: () => 'postgres',
  };
}

/**
 * dbt's `target` in templates: name (also `target_name`), type (`postgres`, the embedded server's
 * too), schema, threads, database (also `dbname`), user, host, port. Never the password, nor the
 * URL that may carry one: a template's output is written to target/ and shown in errors.
 */
const targetViews = new WeakMap<TargetInfo, Record<string, unknown>>();
function targetView(t: TargetInfo): Record<string, unknown> {
  let view = targetViews.get(t);
  if (!view) {
    // The embedded server is PostgreSQL: dbt packages test `target.type == 'postgres'`.
    view = { name: t.name, target_name: t.name, type: t.type === 'embedded' ? 'postgres' : t.type, schema: t.schema, threads: t.threads };
    if (t.database !== undefined) view['database'] = view['dbname'] = t.database;
    if (t.user !== undefined) view['user'] = t.user;
    if (t.host !== undefined) view['host'] = t.host;
    if (t.port !== undefined) view['port'] = t.port;
    targetViews.set(t, view);
  }
  return view;
}

/** Each engine's invocation values (`run_started_at`, `invocation_id`), which a run sets to its own. */
const invocations = new WeakMap<Record<string, unknown>, Record<string, unknown>>();

/**
 * A run's id and start become the templates' `invocation_id` and `run_started_at` (as in dbt,
 * where they are the run's `invocation_id` in run_results.json), so rows stamped with them join to
 * the run that wrote them (`strata_meta.runs`). Until a run sets them (compile, parse), they are
 * the command's own.
 */
/** The texts the engine's invocation values printed so far (per-run-values.ts masks them in SQL). */
export function perRunTexts(globals: Record<string, unknown>): Array<{ name: string; value: string }> {
  const invocation = invocations.get(globals);
  if (!invocation) return [];
  const started = invocation['run_started_at'];
  const texts = [{ name: 'invocation_id', value: String(invocation['invocation_id']) }, { name: 'run_started_at', value: String(started) }];
  if (started instanceof PyDatetime) for (const value of started.printed) texts.push({ name: 'run_started_at', value });
  return texts;
}

export function setInvocation(globals: Record<string, unknown>, run: { invocationId: string; runStartedAt: Date }): void {
  const invocation = invocations.get(globals);
  if (!invocation) return;
  invocation['invocation_id'] = run.invocationId;
  invocation['run_started_at'] = new PyDatetime(run.runStartedAt);
}

/** Defines every context name on `globals` (nunjucks' env.globals object). */
export function installContextGlobals(globals: Record<string, unknown>, lookupMacro: (name: string) => unknown, projectName: string): void {
  const values: Record<string, unknown> = {
    ref,
    source,
    config: makeConfig(),
    var: varFn,
    env_var: envVar,
    log: logFor(globals),
    print: logFor(globals, true),
    run_query: runQuery,
    is_incremental: () => {
      const state = currentState();
      state.calledIsIncremental = true;
      const override = state.macroOverrides?.['is_incremental'];
      return override !== undefined ? Boolean(override) : state.isIncremental;
    },
    return: (value: unknown) => {
      throw new MacroReturn(value);
    },
    exceptions: {
      raise_compiler_error: (message: unknown) => {
        throw new StrataError('TEMPLATE', String(message), { nodeId: currentState().uniqueId });
      },
      warn: (message: unknown) => logFor(globals, true)(`warning: ${String(message)}`),
    },
    adapter: adapterFor(lookupMacro),
    project_name: projectName,
    namespace,
    zip: (...lists: unknown[][]) => {
      const n = Math.min(...lists.map((l) => l.length));
      return Array.from({ length: n }, (_, i) => markTuple(lists.map((l) => l[i])));
    },
    ...NAMING_BUILTINS,
    ...dbtBuiltins,
    modules: pythonModules(),
  };
  const invocation: Record<string, unknown> = {
    run_started_at: new PyDatetime(new Date()),
    invocation_id: globalThis.crypto.randomUUID(),
  };
  Object.assign(globals, values);
  const getters: Record<string, (s: RenderState) => unknown> = {
    this: () => makeRelationForThis(),
    target: (s) => targetView(s.target),
    execute: (s) => {
      s.readExecute = true;
      return s.execute;
    },
    model: (s) => ({ name: s.nodeName, unique_id: s.uniqueId, original_file_path: s.file, config: s.config }),
  };
  // Values of the invocation: a model reading one is rendered again when it runs (as one reading
  // `execute`), so that neither the parse cache nor a run that reads its manifest back (the
  // compile fingerprint) reuses an earlier invocation's.
  for (const name of Object.keys(invocation)) {
    getters[name] = (s) => {
      s.readExecute = true;
      return invocation[name];
    };
  }
  invocations.set(globals, invocation);
  for (const [name, get] of Object.entries(getters)) {
    Object.defineProperty(globals, name, { get: () => get(currentState()), enumerable: true, configurable: true });
  }
}

/**
 * dbt's built-in naming macros, which project naming macros often delegate to (README "dbt's naming
 * macros"): the custom schema prefixed with the target's (dbt's default), the custom schema alone
 * on a target named `prod` (generate_schema_name_for_env), the alias or else the node's name.
 * A project macro of the same name replaces them.
 */
function namingArgs(args: unknown[], names: [string, string]): [unknown, { name?: unknown } | undefined] {
  const bound = bindArgs(args, names);
  return [bound[names[0]], bound[names[1]] as { name?: unknown } | undefined];
}

const blank = (v: unknown): boolean => v === undefined || v === null || String(v).trim() === '';

export const NAMING_BUILTINS: Record<string, (...args: unknown[]) => string> = {
  default__generate_schema_name: (...args) => {
    const [custom] = namingArgs(args, ['custom_schema_name', 'node']);
    const schema = currentState().target.schema;
    return blank(custom) ? schema : `${schema}_${String(custom).trim()}`;
  },
  generate_schema_name_for_env: (...args) => {
    const [custom] = namingArgs(args, ['custom_schema_name', 'node']);
    const { target } = currentState();
    return target.name === 'prod' && !blank(custom) ? String(custom).trim() : target.schema;
  },
  default__generate_alias_name: (...args) => {
    const [custom, node] = namingArgs(args, ['custom_alias_name', 'node']);
    return blank(custom) ? String(node?.name ?? '') : String(custom).trim();
  },
};

function makeRelationForThis() {
  return makeRelation({ kind: 'this' }, currentState().nodeName);
}
