/**
 * Generic data tests declared in property files (`tests:` / `data_tests:` on columns or on the
 * resource) become test nodes. Built-ins get their SQL from generic-tests.ts; custom ones call the
 * project's `{% test name(model, column_name, ...) %}` macro. Either way the SQL carries relation
 * placeholders and is finished by the compile pass like any model.
 */
import { StrataError } from '../errors/strata-error.js';
import { didYouMean } from '../graph/did-you-mean.js';
import type { ColumnTestDef, TestNode } from '../manifest/types.js';
import { configFromTree, finalizeConfig, mergeConfig } from '../project/node-config.js';
import { preciseLocation } from '../project/property-files.js';
import { parseStaticCall } from '../template/static-render.js';
import { BUILTIN_TEST_NAMES, COLUMN_TESTS, applyWhere, buildGenericTestSql, genericTestName, isBuiltinTest, stripNamespace } from './generic-tests.js';
import type { ParseContext } from './parse-context.js';
import { refsAndSources, reportConfigProblems, sha256 } from './parse-sql-nodes.js';
import type { RenderState } from '../template/render-state.js';

export interface TestTarget {
  uniqueId: string;
  name: string;
  sourceName?: string;
  /** Folders of the tested resource (for the test's fqn and the data_tests config tree). */
  folders: string[];
  /** The expression that references the tested resource: ref('x') or source('a', 'b'). */
  call: { fn: 'ref' | 'source'; args: string[] };
  file: string;
}

/** Renders argument values the way dbt does: `ref('x')`/`source()` strings and `{{ }}` templates. */
function renderArg(ctx: ParseContext, state: RenderState, file: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => renderArg(ctx, state, file, v));
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^(ref|source)\s*\(/.test(trimmed)) {
    const call = parseStaticCall(trimmed);
    if (call && (call.fn === 'ref' || call.fn === 'source')) return ctx.engine.callGlobal(call.fn, call.args, state);
    return ctx.engine.evaluate(file, trimmed, state);
  }
  if (value.includes('{{') || value.includes('{%')) return ctx.engine.render(file, value, state);
  return value;
}

function unknownTest(ctx: ParseContext, def: ColumnTestDef): StrataError {
  const custom = [...ctx.engine.macros.values()].filter((m) => m.isTest).map((m) => m.name.slice('test_'.length));
  const suggestion = didYouMean(stripNamespace(def.name), [...BUILTIN_TEST_NAMES, ...custom]);
  return new StrataError('TEST', `unknown data test '${def.name}'`, {
    location: preciseLocation(def),
    hint: suggestion
      ? `did you mean '${suggestion}'?`
      : `built-in tests: ${BUILTIN_TEST_NAMES.join(', ')}; define others with {% test ${def.name}(model, column_name) %} under macros/`,
  });
}

/** What a generic test's SQL is made of. */
export interface GenericTestSpec {
  /** The test as named in the property file (`unique`, `dbt_utils.accepted_range`, a custom one). */
  name: string;
  /** The expression that references the tested resource. */
  call: TestTarget['call'];
  column: string | undefined;
  /** Its arguments as the property file wrote them (at run time: `rawKwargs`), rendered here. */
  args: Record<string, unknown>;
  /** Its `where` config. */
  where: unknown;
  /** The property file (template errors point there). */
  file: string;
}

/**
 * A generic test's SQL rendered in `state`, and its arguments as the test saw them (`ref()`
 * strings as relations, `{{ }}` rendered): the built-in's builder, or the project's
 * `{% test %}` macro. The parse pass calls it (relations print as placeholders, `execute` is
 * false); so does the runner for a test that read `execute`, in a state that resolves relations,
 * with `execute` true and `run_query()` (compile-sql.ts, renderTestInContext).
 */
export function genericTestSql(ctx: ParseContext, state: RenderState, spec: GenericTestSpec): { sql: string; kwargs: Record<string, unknown> } {
  const model = ctx.engine.callGlobal(spec.call.fn, spec.call.args, state);
  const kwargs = Object.fromEntries(Object.entries(spec.args).map(([k, v]) => [k, renderArg(ctx, state, spec.file, v)]));
  const modelSql = applyWhere(String(model), spec.where);
  const column = spec.column;
  if (isBuiltinTest(spec.name)) {
    return { sql: buildGenericTestSql(spec.name, column ? { model: modelSql, column, args: kwargs } : { model: modelSql, args: kwargs }), kwargs };
  }
  const macroArgs = { ...kwargs, model: spec.where ? modelSql : model, ...(column ? { column_name: column } : {}) };
  return { sql: String(ctx.engine.callMacro(`test_${stripNamespace(spec.name)}`, macroArgs, state, spec.file)), kwargs };
}

export function parseGenericTest(ctx: ParseContext, target: TestTarget, column: string | undefined, def: ColumnTestDef): TestNode | undefined {
  const project = ctx.config.name;
  const builtin = isBuiltinTest(def.name);
  const macroName = `test_${stripNamespace(def.name)}`;
  if (!builtin && !ctx.engine.macros.has(macroName)) {
    ctx.errors.push(unknownTest(ctx, def));
    return undefined;
  }
  if (builtin && !column && COLUMN_TESTS.has(stripNamespace(def.name))) {
    ctx.errors.push(new StrataError('TEST', `'${def.name}' tests a column: declare it under columns: → tests:`, { location: preciseLocation(def) }));
    return undefined;
  }
  const customName = def.config['__name'];
  const name = typeof customName === 'string' ? customName : genericTestName(def.name, target, column, def.args);
  const uniqueId = `test.${project}.${name}`;
  const fqn = [project, ...target.folders, name];
  const raw: Record<string, unknown> = {};
  for (const level of [{ severity: 'error' }, ...configFromTree(ctx.config.trees.data_tests, fqn), def.config]) mergeConfig(raw, level);
  delete raw['__name'];
  delete raw['__description'];
  const { config, problems } = finalizeConfig(raw, { materialized: 'test' });
  config.materialized = 'test';
  if (problems.length) reportConfigProblems(ctx.errors, problems, preciseLocation(def), uniqueId);

  const state = ctx.newState({ nodeName: name, uniqueId, file: def.location.file, config });
  let sql: string;
  let kwargs: Record<string, unknown>;
  try {
    ({ sql, kwargs } = genericTestSql(ctx, state, { name: def.name, call: target.call, column, args: def.args, where: config.where, file: def.location.file }));
  } catch (e) {
    const err = e instanceof StrataError ? e : undefined;
    ctx.errors.push(new StrataError(err?.code ?? 'TEST', `data test '${def.name}'${column ? ` on column '${column}'` : ''} of ${target.name}: ${err?.message ?? (e as Error).message}`, {
      location: preciseLocation(def),
      ...(err?.hint ? { hint: err.hint } : {}),
    }));
    return undefined;
  }
  ctx.records.set(uniqueId, {
    file: def.location.file,
    text: sql,
    output: sql,
    relations: state.relations,
    needsRerender: state.readRelationAttributes,
    calledIsIncremental: false,
    readExecute: state.readExecute,
    config,
  });
  const { refs, sources } = refsAndSources(state.relations);
  // Optional keys are assigned in place rather than spread into the literal: on Node 20 a literal
  // property after a spread is defined through a slow runtime call, and there are ~3 tests a model.
  const testMetadata = { name: stripNamespace(def.name) } as NonNullable<TestNode['testMetadata']>;
  if (def.name.includes('.')) testMetadata.namespace = def.name.slice(0, def.name.lastIndexOf('.'));
  testMetadata.kwargs = jsonSafe(kwargs, column);
  // Rendered again when it runs (as a model reading `execute`), its arguments with it: they are
  // kept as written, since their compile-time rendering may be what differs (`{{ ... execute ... }}`).
  if (state.readExecute) testMetadata.rawKwargs = def.args;
  type Tail = 'columnName' | 'rawCode' | 'refs' | 'sources';
  const node: Omit<TestNode, Tail> & Partial<Pick<TestNode, Tail>> = {
    uniqueId,
    resourceType: 'test',
    testType: 'generic',
    name,
    packageName: project,
    originalFilePath: def.location.file,
    path: def.location.file,
    fqn,
    description: typeof def.config['__description'] === 'string' ? def.config['__description'] : '',
    config,
    tags: config.tags,
    dependsOn: { nodes: [], macros: state.macrosCalled.size ? [...state.macrosCalled].sort().map((m) => `macro.${project}.${m}`) : [] },
    checksum: sha256(JSON.stringify([def.name, column, def.args, def.config, target.uniqueId])),
    location: def.location,
    testMetadata,
    attachedNode: target.uniqueId,
  };
  if (column) node.columnName = column;
  // As dbt: the raw code of a generic test is the macro call, not a copy of its SQL.
  node.rawCode = `{{ ${builtin ? stripNamespace(def.name) : macroName}(**_strata_generic_test_kwargs) }}`;
  node.refs = refs;
  node.sources = sources;
  if (state.readExecute) node.needsRuntimeRender = true;
  if (Object.keys(state.envRead).length) node.envRead = state.envRead;
  return node as TestNode;
}

/** Test kwargs as they go into the manifest: relations as their printed form. */
function jsonSafe(kwargs: Record<string, unknown>, column: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(kwargs)) out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && v.constructor?.name === 'TemplateRelation' ? String(v) : v;
  if (column) out['column_name'] = column;
  return out;
}
