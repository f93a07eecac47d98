/**
 * Reads `project.yml` (or, for an existing dbt project, `dbt_project.yml`), renders
 * `{{ env_var(...) }}` in its values, validates it against schema/project.schema.json and resolves
 * the target. Hooks are kept as raw templates: they are rendered when they run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_DATABASE, namedConnection } from '../adapters/postgres/target.js';
import { StrataError } from '../errors/strata-error.js';
import { plainValue, unboxFloats } from '../template/python-float.js';
import { createRenderState, type TargetInfo } from '../template/render-state.js';
import { TemplateEngine } from '../template/template-engine.js';
import { validateAgainstSchema } from './schema-validation.js';
import { parseYaml, YamlLocator, type YamlPath } from './yaml-file.js';

export type ConfigTree = Record<string, unknown>;

export interface ResolvedTarget extends TargetInfo {
  url?: string;
  password?: string;
  dbname?: string;
  /**
   * `async_commit` (default true): a model's transaction commits with `synchronous_commit = off`
   * (README, "async_commit"). False leaves the server's setting alone.
   */
  asyncCommit?: boolean;
}

export interface ProjectConfig {
  projectDir: string;
  /** `project.yml` or `dbt_project.yml`, relative to projectDir. */
  file: string;
  name: string;
  version?: string;
  modelPaths: string[];
  seedPaths: string[];
  macroPaths: string[];
  testPaths: string[];
  docsPaths: string[];
  targetPath: string;
  vars: Record<string, unknown>;
  onRunStart: string[];
  onRunEnd: string[];
  trees: { models: ConfigTree; seeds: ConfigTree; data_tests: ConfigTree; sources: ConfigTree; unit_tests: ConfigTree };
  /** The key of project.yml each tree was read from (`data_tests:`, or dbt's older `tests:`), for warnings. */
  treeKeys: Record<keyof ProjectConfig['trees'], string>;
  target: ResolvedTarget;
  /** Environment variables read while rendering project.yml (part of every cache key). */
  envRead: Record<string, string | null>;
  locator: YamlLocator;
}

export interface LoadOptions {
  /** `--vars` (already parsed). */
  vars?: Record<string, unknown>;
  /** `--target`. */
  target?: string;
  env?: Record<string, string | undefined>;
}

const NOT_RENDERED = new Set(['on-run-start', 'on-run-end', 'pre-hook', 'post-hook', '+pre-hook', '+post-hook', 'pre_hook', 'post_hook', '+pre_hook', '+post_hook']);

export const DEFAULT_TARGET: ResolvedTarget = { name: 'default', type: 'embedded', schema: 'public', threads: 4, database: EMBEDDED_DATABASE };

export function findProjectFile(projectDir: string): string | undefined {
  for (const name of ['project.yml', 'dbt_project.yml']) if (existsSync(join(projectDir, name))) return name;
  return undefined;
}

function asList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * Whole floats stay floats under `vars:` only (templates print them into SQL, see parseYaml); every
 * other key reads numbers as plain numbers, which its schema and its users expect.
 */
function keepVarFloats(doc: unknown): unknown {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return plainValue(doc);
  // `vars: 1.0` is left to the schema's error (a PyFloat would pass as an object).
  const varsKept = (v: unknown) => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, k === 'vars' && varsKept(v) ? v : plainValue(v)]));
}

/** Renders `{{ ... }}` inside string values (env_var, var), except hooks. */
function renderValues(value: unknown, path: YamlPath, render: (text: string, path: YamlPath) => unknown): unknown {
  if (typeof value === 'string') return value.includes('{{') || value.includes('{%') ? render(value, path) : value;
  if (Array.isArray(value)) return value.map((v, i) => renderValues(v, [...path, i], render));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = NOT_RENDERED.has(k) ? v : renderValues(v, [...path, k], render);
    return out;
  }
  return value;
}

export function loadProjectConfig(projectDir: string, options: LoadOptions = {}): { config?: ProjectConfig; engine?: TemplateEngine; errors: StrataError[]; text?: string } {
  const file = findProjectFile(projectDir);
  if (!file) {
    return {
      errors: [new StrataError('CONFIG', `no project.yml (or dbt_project.yml) in ${projectDir}`, {
        hint: 'run strata from a project folder or pass --project-dir DIR',
      })],
    };
  }
  const text = readFileSync(join(projectDir, file), 'utf8');
  const locator = new YamlLocator(file, text);
  let raw: unknown;
  try {
    raw = keepVarFloats(parseYaml(file, text, { asPyYaml: true }) ?? {});
  } catch (e) {
    return { errors: [e as StrataError] };
  }
  const errors = validateAgainstSchema('project', raw, locator);
  if (errors.length) return { errors };
  const doc = raw as Record<string, unknown>;
  const name = String(doc['name']);
  const engine = new TemplateEngine(name);
  const env = options.env ?? process.env;
  const cliVars = unboxFloats(options.vars ?? {}) as Record<string, unknown>;
  const state = createRenderState({
    nodeName: file,
    uniqueId: `project.${name}`,
    file,
    vars: (n) => (n in cliVars ? { found: true, value: cliVars[n] } : { found: false }),
    env,
    target: DEFAULT_TARGET,
  });
  const rendered = renderValues(doc, [], (t, path) => {
    try {
      return engine.render(file, t, state);
    } catch (e) {
      const err = e as StrataError;
      errors.push(new StrataError(err.code ?? 'TEMPLATE', err.message, { location: locator.locate(path), ...(err.hint ? { hint: err.hint } : {}) }));
      return t;
    }
  }) as Record<string, unknown>;
  const target = resolveTarget(rendered, options, env, locator, errors);
  if (errors.length) return { errors };
  const trees = {
    models: (rendered['models'] ?? {}) as ConfigTree,
    seeds: (rendered['seeds'] ?? {}) as ConfigTree,
    // dbt 1.8 renamed `tests:` to `data_tests:`; both are accepted.
    data_tests: (rendered['data_tests'] ?? rendered['tests'] ?? {}) as ConfigTree,
    sources: (rendered['sources'] ?? {}) as ConfigTree,
    unit_tests: (rendered['unit_tests'] ?? {}) as ConfigTree,
  };
  const config: ProjectConfig = {
    projectDir,
    file,
    name,
    ...(rendered['version'] !== undefined ? { version: String(rendered['version']) } : {}),
    modelPaths: asList(rendered['model-paths'] ?? ['models']),
    seedPaths: asList(rendered['seed-paths'] ?? ['seeds']),
    macroPaths: asList(rendered['macro-paths'] ?? ['macros']),
    testPaths: asList(rendered['test-paths'] ?? ['tests']),
    docsPaths: asList(rendered['docs-paths'] ?? rendered['model-paths'] ?? ['models']),
    targetPath: String(rendered['target-path'] ?? 'target'),
    vars: (rendered['vars'] ?? {}) as Record<string, unknown>,
    onRunStart: asList(doc['on-run-start']),
    onRunEnd: asList(doc['on-run-end']),
    trees,
    treeKeys: { models: 'models', seeds: 'seeds', data_tests: rendered['data_tests'] === undefined || rendered['data_tests'] === null ? 'tests' : 'data_tests', sources: 'sources', unit_tests: 'unit_tests' },
    target,
    envRead: state.envRead,
    locator,
  };
  return { config, engine, errors: [], text };
}

function resolveTarget(
  doc: Record<string, unknown>,
  options: LoadOptions,
  env: Record<string, string | undefined>,
  locator: YamlLocator,
  errors: StrataError[],
): ResolvedTarget {
  const targets = (doc['targets'] ?? {}) as Record<string, Record<string, unknown>>;
  const chosen = options.target ?? env['STRATA_TARGET'] ?? (doc['target'] as string | undefined);
  if (chosen === undefined) {
    const names = Object.keys(targets);
    // A project with exactly one target uses it; otherwise the embedded default.
    if (names.length !== 1) return DEFAULT_TARGET;
    return toTarget(names[0]!, targets[names[0]!]!, locator, errors);
  }
  const t = targets[chosen];
  if (!t) {
    if (chosen === DEFAULT_TARGET.name) return DEFAULT_TARGET;
    const known = Object.keys(targets);
    errors.push(new StrataError('CONFIG', `target '${chosen}' is not defined under targets: in ${locator.file}`, {
      location: locator.locate(options.target || env['STRATA_TARGET'] ? ['targets'] : ['target']),
      hint: known.length ? `defined targets: ${known.join(', ')}` : 'add a targets: section, or omit --target to use the embedded database',
    }));
    return DEFAULT_TARGET;
  }
  return toTarget(chosen, t, locator, errors);
}

function toTarget(name: string, t: Record<string, unknown>, locator: YamlLocator, errors: StrataError[]): ResolvedTarget {
  const threads = Number(t['threads'] ?? DEFAULT_TARGET.threads);
  const port = t['port'] === undefined || t['port'] === '' ? undefined : Number(t['port']);
  if (!Number.isInteger(threads) || threads < 1) {
    errors.push(new StrataError('CONFIG', `targets.${name}.threads must be a positive whole number`, { location: locator.locate(['targets', name, 'threads']) }));
  }
  if (port !== undefined && !Number.isInteger(port)) {
    errors.push(new StrataError('CONFIG', `targets.${name}.port must be a number`, { location: locator.locate(['targets', name, 'port']) }));
  }
  // A boolean, or its text when it comes from env_var().
  const asyncCommit = t['async_commit'] === undefined ? undefined : ({ true: true, false: false } as Record<string, boolean>)[String(t['async_commit']).toLowerCase()];
  if (t['async_commit'] !== undefined && asyncCommit === undefined) {
    errors.push(new StrataError('CONFIG', `targets.${name}.async_commit must be true or false`, { location: locator.locate(['targets', name, 'async_commit']) }));
  }
  const type = (t['type'] as 'postgres' | 'embedded' | undefined) ?? (t['url'] || t['host'] ? 'postgres' : 'embedded');
  const str = (k: string) => (t[k] === undefined || t[k] === null || t[k] === '' ? undefined : String(t[k]));
  const out: ResolvedTarget = { name, type, schema: str('schema') ?? 'public', threads: Number.isInteger(threads) && threads > 0 ? threads : 1 };
  const optional: Array<[keyof ResolvedTarget, string | number | boolean | undefined]> = [
    ['url', str('url')], ['host', str('host')], ['port', port], ['user', str('user')],
    ['password', str('password')], ['dbname', str('dbname') ?? str('database')], ['asyncCommit', asyncCommit],
  ];
  for (const [k, v] of optional) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  // What templates see as target.database / target.dbname / target.user / ...: the URL's parts too
  // (dbt projects name dev schemas after target.user, and compare target.database).
  const named = namedConnection(out);
  if (named.database) out.database = named.database;
  for (const k of ['user', 'host', 'port'] as const) if (out[k] === undefined && named[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = named[k];
  return out;
}
