/**
 * project dir → Manifest. Loads the config, macros, property files and docs, parses every
 * resource, links refs, and (when the project is valid) compiles every node's SQL.
 * Every error of every file is collected; the caller decides whether to continue.
 */
import { readFileSync } from 'node:fs';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import type { Manifest, ModelNode, SeedNode, SourceNode, TestNode, UnitTestNode, DocBlock, MacroNode } from '../manifest/types.js';
import { discoverFiles, FolderListings, type FoundFile } from '../project/discover-files.js';
import { parseDocsFile, renderDescription } from '../project/docs-blocks.js';
import { configFromTree, finalizeConfig, mergeConfig } from '../project/node-config.js';
import { loadProjectConfig, type LoadOptions } from '../project/project-config.js';
import { configTreeWarnings } from '../project/unknown-config-keys.js';
import { parsePropertyFile, locateEntry, type DocumentCache, type ModelProperties, type PropertyFileContents, type SourceTableProperties } from '../project/property-files.js';
import type { PropertyDocument } from './property-documents.js';
import { ParseHelper } from './parse-helper.js';
import type { MacroFile } from '../template/template-engine.js';
import { WORKER_MIN_FILES } from './sync-worker.js';
import { compileNodes, renderInContext } from './compile-sql.js';
import { hashText, ParseCache } from './parse-cache.js';
import { inputFolders } from './fingerprint.js';
import { join, resolve } from 'node:path';
import { link } from './link.js';
import { ParseContext } from './parse-context.js';
import { parseGenericTest, type TestTarget } from './parse-generic-tests.js';
import { configuredByProperties, parseModel, parseSingularTest, renderModel, reportConfigProblems, sha256, splitPath } from './parse-sql-nodes.js';
import { EarlyRenders, readText as read } from './model-renders.js';
import { checkDatabases, checkIdentifiers } from './identifiers.js';
import { checkLoadBlocks } from './load-blocks.js';
import { checkProjectHookSyntax } from './project-hooks-syntax.js';
import { applyNamingMacros } from './naming-macros.js';
import { boxFloats } from '../template/python-float.js';

export const STRATA_VERSION = '0.1.0';

/**
 * The strata build, for caches of what it computed (the parse cache, the compile fingerprint): the
 * version, and the bundled CLI's build hash when strata runs as the `strata` executable
 * (scripts/cli-entry.mjs sets it), so that a rebuilt strata never reuses an older build's SQL.
 */
export function strataBuild(): string {
  const build = (globalThis as { __strataBuild?: unknown }).__strataBuild;
  return typeof build === 'string' ? `${STRATA_VERSION}+${build}` : STRATA_VERSION;
}

export interface ParseOptions extends LoadOptions {
  /** Skip the compile pass (strata parse). */
  parseOnly?: boolean;
  /** Use and update the per-file cache under target/.cache/ (default true). */
  cache?: boolean;
  /** The project config, when the caller loaded it already with these options (`strata run` does, to connect while compiling). */
  loaded?: ReturnType<typeof loadProjectConfig>;
}

export interface ParseResult {
  manifest?: Manifest;
  ctx?: ParseContext;
  errors: StrataError[];
  warnings: StrataError[];
}

interface PropertyIndex {
  models: Map<string, ModelProperties>;
  seeds: Map<string, ModelProperties>;
  sources: SourceTableProperties[];
  unitTests: PropertyFileContents['unitTests'];
}

/** `prefetched`: files a worker thread already read, parsed and validated (property-documents.ts). */
function indexProperties(ctx: ParseContext, files: FoundFile[], prefetched?: Map<string, PropertyDocument>): PropertyIndex {
  const index: PropertyIndex = { models: new Map(), seeds: new Map(), sources: [], unitTests: [] };
  for (const f of files) {
    const cache = ctx.cache;
    const ready = prefetched?.get(f.path);
    const text = ready?.text ?? read(f);
    const docs: DocumentCache = {
      get: (t) => {
        if (!ready?.valid || t !== text) return cache?.yaml(hashText(f.path, t));
        cache?.storeYaml(hashText(f.path, t), ready.doc);
        return ready.doc;
      },
      set: (t, doc) => cache?.storeYaml(hashText(f.path, t), doc),
    };
    const { contents, errors, warnings } = parsePropertyFile(f.path, text, docs);
    ctx.errors.push(...errors);
    ctx.warnings.push(...warnings);
    if (!contents) continue;
    for (const kind of ['models', 'seeds'] as const) {
      for (const entry of contents[kind]) {
        const existing = index[kind].get(entry.name);
        if (existing) {
          ctx.errors.push(new StrataError('DUPLICATE', `${kind.slice(0, -1)} '${entry.name}' is described in two property files`, {
            location: locateEntry(entry.origin),
            details: [`first: ${existing.origin.file}:${locateEntry(existing.origin)?.line ?? 0}`],
            hint: 'keep one entry per resource',
          }));
        } else index[kind].set(entry.name, entry);
      }
    }
    index.sources.push(...contents.sources);
    index.unitTests.push(...contents.unitTests);
  }
  return index;
}

function newManifest(ctx: ParseContext): Manifest {
  return {
    metadata: { strataVersion: STRATA_VERSION, projectName: ctx.config.name, generatedAt: new Date().toISOString(), inputsHash: '', targetName: ctx.config.target.name },
    nodes: {},
    sources: {},
    macros: {},
    docs: {},
    parentMap: {},
    childMap: {},
    disabled: {},
    selectors: {},
  };
}

/** Adds a model/seed, reporting a name used twice (dbt requires unique names across both). */
function addNamed(ctx: ParseContext, manifest: Manifest, byName: Map<string, ModelNode | SeedNode>, node: ModelNode | SeedNode): void {
  if (!node.config.enabled) {
    manifest.disabled[node.uniqueId] = { uniqueId: node.uniqueId, resourceType: node.resourceType, originalFilePath: node.originalFilePath };
    ctx.noteDisabled(node as { envRead?: Record<string, string | null> });
    return;
  }
  const existing = byName.get(node.name);
  if (existing) {
    ctx.errors.push(new StrataError('DUPLICATE', `two resources are named '${node.name}'`, {
      location: { file: node.originalFilePath, line: 0, column: 0 },
      details: [`${existing.resourceType}: ${existing.originalFilePath}`, `${node.resourceType}: ${node.originalFilePath}`],
      hint: 'model and seed names must be unique across the project: rename one file',
    }));
    return;
  }
  byName.set(node.name, node);
  manifest.nodes[node.uniqueId] = node;
}

function parseSeed(ctx: ParseContext, file: FoundFile, props: ModelProperties | undefined): SeedNode {
  const { name, folders } = splitPath(file, '.csv');
  const project = ctx.config.name;
  const fqn = [project, ...folders, name];
  const raw: Record<string, unknown> = {};
  for (const level of [...configFromTree(ctx.config.trees.seeds, fqn), ...(props ? [props.config] : [])]) mergeConfig(raw, level);
  const { config, problems } = finalizeConfig(raw, { materialized: 'seed' });
  config.materialized = 'seed';
  const uniqueId = `seed.${project}.${name}`;
  reportConfigProblems(ctx.errors, problems, props ? locateEntry(props.origin, 'config')! : { file: ctx.config.file, line: 0, column: 0 }, uniqueId);
  return {
    uniqueId,
    resourceType: 'seed',
    name,
    packageName: project,
    originalFilePath: file.path,
    path: file.pathInFolder,
    fqn,
    description: props?.description ?? '',
    config,
    tags: config.tags,
    dependsOn: { nodes: [], macros: [] },
    // A seed can be tens of MB: its hash is cached by size, mtime and ctime (parse-cache.ts).
    checksum: ctx.cache ? ctx.cache.checksum(file.absPath, () => sha256(readFileSync(file.absPath))) : sha256(readFileSync(file.absPath)),
    location: { file: file.path, line: 1, column: 1 },
    relation: { schema: config.schema ?? ctx.config.target.schema, identifier: config.alias ?? name, ...(config.database ? { database: config.database } : {}) },
    columns: props?.columns ?? {},
    ...(props ? { patchPath: props.origin.file } : {}),
  };
}

/**
 * Strings in a `load:` block may be templates (`files: "{{ var('raw_path', 'data/raw') }}/*.txt"`):
 * render them now, so the loader gets final values and the source's checksum changes with them.
 */
function renderLoadBlock(ctx: ParseContext, s: SourceTableProperties, uniqueId: string): { load?: Record<string, unknown>; envRead: Record<string, string | null> } {
  if (!s.load) return { envRead: {} };
  const state = ctx.newState({ nodeName: `${s.sourceName}.${s.name}`, uniqueId, file: s.origin.file });
  const render = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'string' && (v.includes('{{') || v.includes('{%'))) {
      try {
        return ctx.engine.render(s.origin.file, v, state);
      } catch (e) {
        const err = e as StrataError;
        ctx.errors.push(new StrataError(err.code ?? 'TEMPLATE', `in the load: block of source ${s.sourceName}.${s.name}: ${err.message}`, {
          location: locateEntry(s.origin, 'load', ...path), ...(err.hint ? { hint: err.hint } : {}),
        }));
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => render(x, [...path, i]));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x, [...path, k])]));
    return v;
  };
  return { load: render(s.load, []) as Record<string, unknown>, envRead: state.envRead };
}

function parseSource(ctx: ParseContext, s: SourceTableProperties): SourceNode {
  const project = ctx.config.name;
  const { load, envRead } = renderLoadBlock(ctx, s, `source.${project}.${s.sourceName}.${s.name}`);
  const raw: Record<string, unknown> = {};
  for (const level of [...configFromTree(ctx.config.trees.sources, [project, s.sourceName, s.name]), s.config, { tags: s.tags }]) mergeConfig(raw, level);
  const { config } = finalizeConfig(raw, { materialized: 'view' });
  return {
    uniqueId: `source.${project}.${s.sourceName}.${s.name}`,
    resourceType: 'source',
    name: s.name,
    sourceName: s.sourceName,
    packageName: project,
    originalFilePath: s.origin.file,
    path: s.origin.file,
    fqn: [project, s.sourceName, s.name],
    description: s.description,
    config,
    tags: config.tags,
    dependsOn: { nodes: [], macros: [] },
    checksum: sha256(JSON.stringify([s.schema, s.identifier, load ?? null, s.static])),
    location: locateEntry(s.origin) ?? { file: s.origin.file, line: 0, column: 0 },
    relation: { schema: s.schema, identifier: s.identifier, ...(s.database ? { database: s.database } : {}) },
    columns: s.columns,
    ...(s.loadedAtField ? { loadedAtField: s.loadedAtField } : {}),
    ...(s.freshness !== undefined ? { freshness: s.freshness } : {}),
    ...(load ? { load } : {}),
    ...(Object.keys(envRead).length ? { envRead } : {}),
    static: s.static,
    identifier: s.identifier,
  };
}

function addGenericTests(ctx: ParseContext, manifest: Manifest, target: TestTarget, columns: Record<string, { tests: import('../manifest/types.js').ColumnTestDef[] }>, modelTests: import('../manifest/types.js').ColumnTestDef[]): void {
  const add = (node: TestNode | undefined) => {
    if (!node) return;
    const existing = manifest.nodes[node.uniqueId];
    if (existing) {
      ctx.errors.push(new StrataError('DUPLICATE', `two data tests would both be named '${node.name}'`, {
        location: node.location,
        details: [`first: ${existing.location.file}`],
        hint: 'give one of them a distinct name with `name:` in its arguments',
      }));
      return;
    }
    ctx.configPaths.note('data_tests', node.fqn);
    if (!node.config.enabled) {
      manifest.disabled[node.uniqueId] = { uniqueId: node.uniqueId, resourceType: 'test', originalFilePath: node.originalFilePath };
      ctx.noteDisabled(node);
      return;
    }
    manifest.nodes[node.uniqueId] = node;
  };
  for (const [column, info] of Object.entries(columns)) for (const def of info.tests) add(parseGenericTest(ctx, target, column, def));
  for (const def of modelTests) add(parseGenericTest(ctx, target, undefined, def));
}

/**
 * dbt's fqn of a unit test: the project, the property file's folders below its model path, the
 * model, the test (what project.yml's `unit_tests:` tree is keyed by).
 */
function unitTestFqn(ctx: ParseContext, u: PropertyFileContents['unitTests'][number]): string[] {
  const file = u.origin.file;
  const root = ctx.config.modelPaths.find((p) => file.startsWith(`${p.replace(/\/+$/, '')}/`));
  const below = root === undefined ? file : file.slice(root.replace(/\/+$/, '').length + 1);
  return [ctx.config.name, ...below.split('/').slice(0, -1), u.model, u.name];
}

function parseUnitTest(ctx: ParseContext, u: PropertyFileContents['unitTests'][number]): UnitTestNode {
  const project = ctx.config.name;
  const fqn = unitTestFqn(ctx, u);
  ctx.configPaths.note('unit_tests', fqn);
  const raw: Record<string, unknown> = {};
  for (const level of [...configFromTree(ctx.config.trees.unit_tests, fqn), u.config]) mergeConfig(raw, level);
  const { config } = finalizeConfig(raw, { materialized: 'test' });
  return {
    uniqueId: `unit_test.${project}.${u.model}.${u.name}`,
    resourceType: 'unit_test',
    name: u.name,
    packageName: project,
    originalFilePath: u.origin.file,
    path: u.origin.file,
    fqn,
    description: u.description,
    config,
    tags: config.tags,
    dependsOn: { nodes: [], macros: [] },
    checksum: sha256(JSON.stringify([u.model, u.given, u.expect, u.overrides ?? null])),
    location: locateEntry(u.origin) ?? { file: u.origin.file, line: 0, column: 0 },
    model: u.model,
    given: u.given,
    expect: u.expect,
    ...(u.overrides ? { overrides: u.overrides } : {}),
  };
}

/**
 * With many property files or models and nothing cached, a worker thread reads the property files
 * and renders models alongside this thread (parse-helper.ts); renders are shared only with many models.
 */
function parseHelper(ctx: ParseContext, projectDir: string, options: ParseOptions, propertyFiles: FoundFile[], modelFiles: FoundFile[], macros: MacroFile[]): ParseHelper | undefined {
  if (ctx.cache && !ctx.cache.empty) return undefined;
  const renders = modelFiles.length >= WORKER_MIN_FILES;
  if (propertyFiles.length < WORKER_MIN_FILES && !renders) return undefined;
  const loadOptions = { vars: boxFloats(ctx.cliVars) as Record<string, unknown>, ...(options.target ? { target: options.target } : {}), env: { ...ctx.env } };
  return new ParseHelper(
    { files: propertyFiles, digest: { projectDir, folders: inputFolders(ctx.config) } },
    renders ? { projectDir, options: loadOptions, macros, files: modelFiles } : undefined,
  );
}

/** The project's macro files (macro paths and the test paths' generic/ folders), read. */
export function readMacroFiles(projectDir: string, config: ParseContext['config'], listings = new FolderListings()): MacroFile[] {
  const genericTestDirs = config.testPaths.map((p) => `${p}/generic`);
  return discoverFiles(projectDir, [...config.macroPaths, ...genericTestDirs], ['.sql'], [], listings).map((f) => ({ file: f.path, text: read(f) }));
}

export function parseProject(projectDir: string, options: ParseOptions = {}): ParseResult {
  const loaded = options.loaded ?? loadProjectConfig(projectDir, options);
  if (!loaded.config || !loaded.engine) return { errors: loaded.errors, warnings: [] };
  const config = loaded.config;
  const ctx = new ParseContext(config, loaded.engine, options.vars ?? {}, options.env ?? process.env);
  const manifest = newManifest(ctx);
  ctx.warnings.push(...configTreeWarnings(config));
  const genericTestDirs = config.testPaths.map((p) => `${p}/generic`);
  const listings = new FolderListings();
  const propertyFiles = discoverFiles(projectDir, [...config.modelPaths, ...config.seedPaths, ...config.testPaths], ['.yml', '.yaml'], [], listings);
  const modelFiles = discoverFiles(projectDir, config.modelPaths, ['.sql'], [], listings);
  const testFiles = discoverFiles(projectDir, config.testPaths, ['.sql'], genericTestDirs, listings);
  if (options.cache !== false) ctx.cache = ParseCache.load(resolve(projectDir, config.targetPath), strataBuild());
  const macroSources = readMacroFiles(projectDir, config, listings);
  const helper = parseHelper(ctx, projectDir, options, propertyFiles, modelFiles, macroSources);
  ctx.errors.push(...ctx.engine.loadMacros(macroSources));
  for (const m of ctx.engine.macros.values()) {
    const node: MacroNode = {
      uniqueId: `macro.${config.name}.${m.name}`, resourceType: 'macro', name: m.name, packageName: config.name,
      originalFilePath: m.file, location: { file: m.file, line: m.line, column: m.column }, isTest: m.isTest,
      argNames: m.argNames, description: '', checksum: '',
    };
    manifest.macros[node.uniqueId] = node;
  }
  const macroText = new Map(macroSources.map((m) => [m.file, m.text]));
  for (const m of Object.values(manifest.macros)) m.checksum = sha256(macroText.get(m.originalFilePath) ?? '');
  ctx.renderKeyBase = hashText(JSON.stringify(config.target), ...[...macroText].flat());

  // While the helper reads the property files (and renders models too), render the models as if
  // they had none; a model whose property file turns out to give it a config is rendered again below.
  const early = helper ? new EarlyRenders(ctx, modelFiles) : undefined;
  early?.renderHere(helper!.rendersModels ? () => helper!.claimModel() : undefined);
  const props = indexProperties(ctx, propertyFiles, helper?.documents());
  if (helper?.inputs) ctx.inputsDigest = helper.inputs;
  early?.add(helper!.renders());
  const modelTexts = early?.texts ?? modelFiles.map(read);
  const docs: Record<string, DocBlock> = {};
  for (const f of discoverFiles(projectDir, config.docsPaths, ['.md'], [], listings)) parseDocsFile(f.path, read(f), docs, ctx.errors);
  manifest.docs = docs;

  const byName = new Map<string, ModelNode | SeedNode>();
  const texts = new Map<string, string>();
  modelFiles.forEach((f, i) => {
    const text = modelTexts[i]!;
    const { name, folders } = splitPath(f, '.sql');
    // Noted whether or not it renders (a failed render is an error, not an unused path).
    ctx.configPaths.note('models', [config.name, ...folders, name]);
    const p = props.models.get(name);
    const node = parseModel(ctx, f, text, p, early && !configuredByProperties(p) ? early.renders[i]! : renderModel(ctx, f, text, p));
    if (!node) return;
    texts.set(node.uniqueId, text);
    addNamed(ctx, manifest, byName, node);
  });
  for (const f of discoverFiles(projectDir, config.seedPaths, ['.csv'], [], listings)) {
    const node = parseSeed(ctx, f, props.seeds.get(splitPath(f, '.csv').name));
    ctx.configPaths.note('seeds', node.fqn);
    addNamed(ctx, manifest, byName, node);
  }
  for (const s of props.sources) {
    const node = parseSource(ctx, s);
    ctx.configPaths.note('sources', node.fqn);
    if (manifest.sources[node.uniqueId]) {
      ctx.errors.push(new StrataError('DUPLICATE', `source table ${s.sourceName}.${s.name} is declared twice`, { location: node.location }));
    } else if (node.config.enabled) manifest.sources[node.uniqueId] = node;
    else ctx.noteDisabled(node);
  }
  describeAndWarn(ctx, manifest, props, byName);

  for (const node of [...byName.values()]) {
    if (!manifest.nodes[node.uniqueId]) continue;
    const target: TestTarget = { uniqueId: node.uniqueId, name: node.name, folders: node.fqn.slice(1, -1), call: { fn: 'ref', args: [node.name] }, file: node.originalFilePath };
    const p = (node.resourceType === 'model' ? props.models : props.seeds).get(node.name);
    addGenericTests(ctx, manifest, target, node.columns, p?.tests ?? []);
  }
  for (const s of props.sources) {
    const node = manifest.sources[`source.${config.name}.${s.sourceName}.${s.name}`];
    if (!node) continue;
    const target: TestTarget = { uniqueId: node.uniqueId, name: s.name, sourceName: s.sourceName, folders: [s.sourceName], call: { fn: 'source', args: [s.sourceName, s.name] }, file: s.origin.file };
    addGenericTests(ctx, manifest, target, s.columns, s.tests);
  }
  for (const f of testFiles) {
    const text = read(f);
    const { name, folders } = splitPath(f, '.sql');
    ctx.configPaths.note('data_tests', [config.name, ...folders, name]);
    const node = parseSingularTest(ctx, f, text, config.trees.data_tests);
    if (!node) continue;
    if (manifest.nodes[node.uniqueId]) {
      ctx.errors.push(new StrataError('DUPLICATE', `two data tests are named '${node.name}'`, { location: node.location, details: [`first: ${manifest.nodes[node.uniqueId]!.originalFilePath}`] }));
      continue;
    }
    texts.set(node.uniqueId, text);
    if (node.config.enabled) manifest.nodes[node.uniqueId] = node;
    else ctx.noteDisabled(node);
  }
  for (const u of props.unitTests) {
    const node = parseUnitTest(ctx, u);
    if (node.config.enabled) manifest.nodes[node.uniqueId] = node;
  }

  ctx.warnings.push(...ctx.configPaths.warnings());
  ctx.errors.push(...applyNamingMacros(ctx, manifest));
  ctx.errors.push(...checkIdentifiers(manifest));
  ctx.errors.push(...checkLoadBlocks(manifest));
  ctx.errors.push(...checkProjectHookSyntax(ctx));
  // Known without connecting when the target names its database; else the run checks it (runner.ts).
  if (ctx.config.target.database) ctx.errors.push(...checkDatabases(manifest, ctx.config.target.database, ctx.config.target.name));
  ctx.errors.push(...link(manifest, texts));
  if (!ctx.errors.length && !options.parseOnly) ctx.errors.push(...compileNodes(ctx, manifest));
  if (!ctx.errors.length) ctx.cache?.save();
  return { manifest, ctx, errors: ctx.errors, warnings: ctx.warnings };
}

/**
 * A description with doc() replaced, then, when Jinja is left (`{{ var('x') }}`, `{{ target.name }}`),
 * rendered in the project's context as dbt renders descriptions. Only those few pay for a render.
 */
function describe(ctx: ParseContext, manifest: Manifest, text: string, locate: () => SourceLocation): string {
  if (!text.includes('{')) return text;
  const where = locate();
  const described = renderDescription(text, manifest.docs, where, ctx.errors);
  if (!described.includes('{{') && !described.includes('{%')) return described;
  try {
    return renderInContext(ctx, manifest, undefined, where.file, described, { execute: false });
  } catch (e) {
    const error = e instanceof StrataError ? e : new StrataError('TEMPLATE', String((e as Error)?.message ?? e));
    ctx.errors.push(new StrataError(error.code, `description: ${error.message}`, { location: where, ...(error.hint ? { hint: error.hint } : {}) }));
    return described;
  }
}

/** Descriptions rendered (describe); property entries that match no file are warnings. */
function describeAndWarn(ctx: ParseContext, manifest: Manifest, props: PropertyIndex, byName: Map<string, ModelNode | SeedNode>): void {
  for (const node of [...byName.values(), ...Object.values(manifest.sources)]) {
    // A model's or seed's descriptions are in its property file entry, not at its own location.
    const entry = node.resourceType === 'model' ? props.models.get(node.name) : node.resourceType === 'seed' ? props.seeds.get(node.name) : undefined;
    const at = (...path: Array<string | number>): SourceLocation => (entry ? locateEntry(entry.origin, ...path) ?? node.location : node.location);
    if (node.description) node.description = describe(ctx, manifest, node.description, () => at('description'));
    for (const [i, c] of Object.values(node.columns).entries()) {
      if (c.description) c.description = describe(ctx, manifest, c.description, () => at('columns', i, 'description'));
    }
  }
  for (const [kind, map] of [['model', props.models], ['seed', props.seeds]] as const) {
    for (const [name, entry] of map) {
      const node = byName.get(name);
      const disabled = manifest.disabled[`${kind}.${ctx.config.name}.${name}`];
      if ((!node || node.resourceType !== kind) && !disabled) {
        ctx.warnings.push(new StrataError('CONFIG', `${entry.origin.file} describes ${kind} '${name}', but there is no ${kind} file with that name`, {
          location: locateEntry(entry.origin, 'name'),
          hint: `create ${kind === 'model' ? `models/${name}.sql` : `seeds/${name}.csv`}, or fix the name`,
        }));
      }
    }
  }
}
