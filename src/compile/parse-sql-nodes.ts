/**
 * Parse pass for SQL files: models (`models/**.sql`) and singular tests (`tests/**.sql`).
 * Renders each file once with ref/source/this printing placeholders, records the edges, the
 * config() calls and what the template read, and builds the node.
 */
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import type { ModelNode, NodeConfig, RefCall, SourceCall, TestNode, Materialization } from '../manifest/types.js';
import type { FoundFile } from '../project/discover-files.js';
import { configFromTree, finalizeConfig, mergeConfig, type ConfigProblem } from '../project/node-config.js';
import type { ModelProperties } from '../project/property-files.js';
import { configKeyWarning } from '../project/unknown-config-keys.js';
import { lineColumnAt } from '../template/macro-source.js';
import type { RelationTarget, RenderState } from '../template/render-state.js';
import type { ConfigTree } from '../project/project-config.js';
import type { ParseContext } from './parse-context.js';
import { hashText, hexDigest, outcomeOf, type RenderOutcome } from './parse-cache.js';

export function sha256(text: string | Buffer): string {
  return hexDigest('sha256', text);
}

export function splitPath(file: FoundFile, ext: string): { name: string; folders: string[] } {
  const parts = file.pathInFolder.split('/');
  const base = parts.pop()!;
  return { name: base.slice(0, base.length - ext.length), folders: parts };
}

/** Where `config(` is first called in a file, for config value errors. */
function configCallLocation(file: string, text: string): SourceLocation {
  const at = /config\s*\(/.exec(text);
  return at ? { file, ...lineColumnAt(text, at.index) } : { file, line: 0, column: 0 };
}

/** Where `key=` is written in a file (else where config() is), for a warning about that key. */
function configKeyLocation(file: string, text: string, key: string): SourceLocation {
  const at = new RegExp(`(?<![A-Za-z0-9_])${key.replace(/[^A-Za-z0-9_]/g, '\\$&')}\\s*=(?!=)`).exec(text);
  return at ? { file, ...lineColumnAt(text, at.index) } : configCallLocation(file, text);
}

/** Where a render reports: its errors, and its warnings (misspelt config() keys). */
interface Report {
  errors: StrataError[];
  warnings: StrataError[];
}

export function reportConfigProblems(errors: StrataError[], problems: ConfigProblem[], location: SourceLocation, nodeId: string): void {
  for (const p of problems) errors.push(new StrataError('CONFIG', p.message, { location, nodeId }));
}

export function refsAndSources(relations: RelationTarget[]): { refs: RefCall[]; sources: SourceCall[] } {
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  for (const r of relations) {
    if (r.kind === 'ref') refs.push({ name: r.name, ...(r.package ? { package: r.package } : {}) });
    else if (r.kind === 'source') sources.push({ source: r.source, table: r.table });
  }
  return { refs, sources };
}

interface RenderedSql {
  state: RenderState;
  output: string;
  config: NodeConfig;
}

/**
 * Renders a SQL file in the parse pass and resolves its config. Undefined when it failed.
 * `rendered`: the outcome of this very render, done on another thread (model-renders.ts).
 */
function renderSqlFile(
  ctx: ParseContext,
  report: Report,
  file: FoundFile,
  text: string,
  uniqueId: string,
  name: string,
  levels: Record<string, unknown>[],
  defaults: { materialized: Materialization },
  rendered?: RenderOutcome,
): RenderedSql | undefined {
  const base: Record<string, unknown> = {};
  for (const level of levels) mergeConfig(base, level);
  const state = ctx.newState({ nodeName: name, uniqueId, file: file.path, config: { ...base } });
  const key = ctx.cache ? hashText(file.path, text, JSON.stringify(base), ctx.renderKeyBase) : '';
  const cached = rendered ?? ctx.cache?.render(file.path, key, (n) => { const v = ctx.vars(n); return v.found ? v.value ?? null : undefined; }, ctx.env);
  let output: string;
  if (cached) {
    output = cached.output;
    // As `Object.assign(state, { ...cached, macrosCalled, config })`, without a literal property
    // after a spread (on Node 20 a slow runtime call).
    Object.assign(state, cached);
    state.macrosCalled = new Set(cached.macrosCalled);
    state.config = { ...cached.config };
    if (rendered) ctx.cache?.storeRender(file.path, key, rendered);
  } else {
    try {
      output = ctx.engine.render(file.path, text, state);
    } catch (e) {
      const err = e as StrataError;
      report.errors.push(err instanceof StrataError ? err : new StrataError('TEMPLATE', String(e), { location: { file: file.path, line: 0, column: 0 } }));
      return undefined;
    }
    ctx.cache?.storeRender(file.path, key, outcomeOf(state, output));
  }
  for (const call of state.configCalls) {
    mergeConfig(base, call);
    for (const key in call) {
      const what = `config() of ${defaults.materialized === 'test' ? 'data test' : 'model'} '${name}'`;
      const warning = configKeyWarning(key, what, (k) => configKeyLocation(file.path, text, k), call[key]);
      if (warning) report.warnings.push(warning);
    }
  }
  const { config, problems } = finalizeConfig(base, defaults);
  reportConfigProblems(report.errors, problems, state.configCalls.length ? configCallLocation(file.path, text) : { file: file.path, line: 0, column: 0 }, uniqueId);
  return { state, output, config };
}

function record(ctx: ParseContext, uniqueId: string, file: FoundFile, text: string, r: RenderedSql): void {
  ctx.records.set(uniqueId, {
    file: file.path,
    text,
    output: r.output,
    relations: r.state.relations,
    needsRerender: r.state.readRelationAttributes,
    calledIsIncremental: r.state.calledIsIncremental,
    readExecute: r.state.readExecute,
    config: r.state.config,
  });
}

/** A model's parse-pass render, and the errors it raised (reported when the model is added). */
export interface ModelRender {
  rendered?: RenderedSql;
  errors: StrataError[];
  warnings: StrataError[];
}

/** Does the property file give the model a config? Its render sees it (`config.get`), so it must wait for it. */
export function configuredByProperties(props: ModelProperties | undefined): boolean {
  return props !== undefined && Object.keys(props.config).length > 0;
}

/**
 * Renders a model file; `props` (its property file entry) matters only if it has a config.
 * `rendered`: the outcome of this render (without props), done on another thread.
 */
export function renderModel(ctx: ParseContext, file: FoundFile, text: string, props: ModelProperties | undefined, rendered?: RenderOutcome): ModelRender {
  const { name, folders } = splitPath(file, '.sql');
  const levels = configFromTree(ctx.config.trees.models, [ctx.config.name, ...folders, name]);
  if (props) levels.push(props.config);
  const report: Report = { errors: [], warnings: [] };
  const result = renderSqlFile(ctx, report, file, text, `model.${ctx.config.name}.${name}`, name, levels, { materialized: 'view' }, rendered);
  return result ? { rendered: result, ...report } : report;
}

export function parseModel(ctx: ParseContext, file: FoundFile, text: string, props: ModelProperties | undefined, render = renderModel(ctx, file, text, props)): ModelNode | undefined {
  const { name, folders } = splitPath(file, '.sql');
  const project = ctx.config.name;
  const uniqueId = `model.${project}.${name}`;
  const fqn = [project, ...folders, name];
  ctx.errors.push(...render.errors);
  ctx.warnings.push(...render.warnings);
  const r = render.rendered;
  if (!r) return undefined;
  record(ctx, uniqueId, file, text, r);
  const { refs, sources } = refsAndSources(r.state.relations);
  return {
    uniqueId,
    resourceType: 'model',
    name,
    packageName: project,
    originalFilePath: file.path,
    path: file.pathInFolder,
    fqn,
    description: props?.description ?? '',
    config: r.config,
    tags: r.config.tags,
    dependsOn: { nodes: [], macros: [...r.state.macrosCalled].sort().map((m) => `macro.${project}.${m}`) },
    checksum: sha256(text),
    location: { file: file.path, line: 1, column: 1 },
    rawCode: text,
    refs,
    sources,
    columns: props?.columns ?? {},
    relation: {
      schema: r.config.schema ?? ctx.config.target.schema,
      identifier: r.config.alias ?? name,
      ...(r.config.database ? { database: r.config.database } : {}),
    },
    varsRead: r.state.varsRead,
    envRead: r.state.envRead,
    usesIsIncremental: r.state.calledIsIncremental,
    ...(r.state.readExecute ? { needsRuntimeRender: true } : {}),
    ...(props ? { patchPath: props.origin.file } : {}),
  };
}

export function parseSingularTest(ctx: ParseContext, file: FoundFile, text: string, tree: ConfigTree): TestNode | undefined {
  const { name, folders } = splitPath(file, '.sql');
  const project = ctx.config.name;
  const uniqueId = `test.${project}.${name}`;
  const fqn = [project, ...folders, name];
  const r = renderSqlFile(ctx, ctx, file, text, uniqueId, name, [{ severity: 'error' }, ...configFromTree(tree, fqn)], { materialized: 'test' });
  if (!r) return undefined;
  r.config.materialized = 'test';
  record(ctx, uniqueId, file, text, r);
  const { refs, sources } = refsAndSources(r.state.relations);
  return {
    uniqueId,
    resourceType: 'test',
    testType: 'singular',
    name,
    packageName: project,
    originalFilePath: file.path,
    path: file.pathInFolder,
    fqn,
    description: '',
    config: r.config,
    tags: r.config.tags,
    dependsOn: { nodes: [], macros: [...r.state.macrosCalled].sort().map((m) => `macro.${project}.${m}`) },
    checksum: sha256(text),
    location: { file: file.path, line: 1, column: 1 },
    rawCode: text,
    refs,
    sources,
    // As for models: a test reading `execute` or the invocation's values runs its run-time rendering.
    ...(r.state.readExecute ? { needsRuntimeRender: true } : {}),
    ...(Object.keys(r.state.envRead).length ? { envRead: r.state.envRead } : {}),
  };
}
