/**
 * Node configuration as dbt resolves it: project.yml tree < property file < config() in the file.
 *
 * - Keys are accepted with or without `+` and with `-` or `_` (`+pre-hook`, `pre_hook`).
 * - Additive keys combine across levels instead of replacing: `tags` (union), `pre_hook` and
 *   `post_hook` (appended), `meta` (merged). Everything else: the most specific level wins.
 * - Values are validated here so a bad value gets the same message wherever it was written.
 */
import { validFailCalc } from '../data-tests/test-sql.js';
import { parseCondition } from '../data-tests/verdict.js';
import type { StrataError } from '../errors/strata-error.js';
import type { NodeConfig, Materialization } from '../manifest/types.js';
import type { ConfigTree } from './project-config.js';

/**
 * Config keys strata knows (any other key is kept as custom config, as in dbt). In a project.yml
 * tree, a key without `+` that is not one of these is a folder when its value is a mapping.
 */
export const KNOWN_CONFIG_KEYS = new Set([
  'enabled', 'materialized', 'schema', 'database', 'alias', 'tags', 'unique_key', 'incremental_strategy',
  'on_schema_change', 'pre_hook', 'post_hook', 'indexes', 'grants', 'full_refresh', 'meta', 'docs',
  'persist_docs', 'column_types', 'delimiter', 'quote_columns', 'severity', 'warn_if', 'error_if', 'where',
  'limit', 'store_failures', 'store_failures_as', 'fail_calc', 'contract', 'access', 'group', 'quoting',
  'sql_header', 'static', 'event_time', 'batch_size', 'lookback', 'begin', 'concurrent_batches', 'on_configuration_change',
  'scan_work_mem', 'all_rows',
]);

const MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral'];
const STRATEGIES = ['append', 'delete+insert', 'merge'];
const SCHEMA_CHANGES = ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'];

export function normalizeKey(key: string): string {
  return key.replace(/^\+/, '').replace(/-/g, '_');
}

/**
 * Is this key of a project.yml config tree config (else a folder, or a model's name)? dbt's rule:
 * `+key`, or a key whose value is not a mapping (`owner: data-team` is custom config; a folder
 * holds a mapping, or nothing when left empty). strata also takes a known key with a mapping as
 * config without its `+` (`meta`, `docs` or `grants` as folder names are unlikely).
 */
export function isConfigKey(rawKey: string, value: unknown): boolean {
  if (rawKey.startsWith('+') || KNOWN_CONFIG_KEYS.has(normalizeKey(rawKey))) return true;
  return value !== null && (typeof value !== 'object' || Array.isArray(value));
}

/** Config set by the tree for a node whose fqn is [project, ...folders, name]. */
export function configFromTree(tree: ConfigTree, fqn: string[]): Record<string, unknown>[] {
  const levels: Record<string, unknown>[] = [];
  const take = (level: Record<string, unknown>) => {
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(level)) if (isConfigKey(k, v)) own[normalizeKey(k)] = v;
    if (Object.keys(own).length) levels.push(own);
  };
  take(tree);
  let node: unknown = tree;
  for (const part of fqn) {
    if (!node || typeof node !== 'object') break;
    const next = (node as Record<string, unknown>)[part];
    if (!next || typeof next !== 'object' || Array.isArray(next)) break;
    take(next as Record<string, unknown>);
    node = next;
  }
  return levels;
}

/**
 * Calls `visit` for every level of a config tree (the tree itself, then each folder below it, depth
 * first) with its path below the tree, its config keys and the level itself.
 */
export function forEachTreeLevel(tree: ConfigTree, visit: (path: string[], configKeys: string[], level: ConfigTree) => void, path: string[] = []): void {
  const configKeys: string[] = [];
  const folders: string[] = [];
  for (const [k, v] of Object.entries(tree)) {
    if (isConfigKey(k, v)) configKeys.push(k);
    else if (v !== null) folders.push(k);
  }
  visit(path, configKeys, tree);
  for (const folder of folders) forEachTreeLevel(tree[folder] as ConfigTree, visit, [...path, folder]);
}

function toList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(toList);
  return [String(v)];
}

function toHooks(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(toHooks);
  if (typeof v === 'object' && 'sql' in (v as object)) return [String((v as { sql: unknown }).sql)];
  return [String(v)];
}

/** Merges one level of raw config into `into` with dbt's additive rules. */
export function mergeConfig(into: Record<string, unknown>, level: Record<string, unknown>): void {
  for (const [rawKey, value] of Object.entries(level)) {
    const key = normalizeKey(rawKey);
    if (key === 'tags') into['tags'] = Array.from(new Set([...toList(into['tags']), ...toList(value)]));
    else if (key === 'pre_hook' || key === 'post_hook') into[key] = [...toHooks(into[key]), ...toHooks(value)];
    else if (key === 'meta' && value && typeof value === 'object') into['meta'] = { ...(into['meta'] as object), ...(value as object) };
    else into[key] = value;
  }
}

export interface ConfigProblem {
  key: string;
  message: string;
}

/** Fills defaults, normalises shapes and reports invalid values. */
export function finalizeConfig(raw: Record<string, unknown>, defaults: { materialized: Materialization }): { config: NodeConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const c = copyOwn(raw);
  const oneOf = (key: string, allowed: string[]) => {
    if (c[key] !== undefined && !allowed.includes(String(c[key]))) {
      problems.push({ key, message: `${key} must be one of ${allowed.join(', ')} (got '${String(c[key])}')` });
    }
  };
  if (defaults.materialized !== 'seed' && defaults.materialized !== 'test') oneOf('materialized', MATERIALIZATIONS);
  oneOf('incremental_strategy', STRATEGIES);
  oneOf('on_schema_change', SCHEMA_CHANGES);
  if (c['severity'] !== undefined) {
    c['severity'] = String(c['severity']).toLowerCase();
    oneOf('severity', ['error', 'warn']);
  }
  // A data test's thresholds and failure count, judged by the same rules as when it runs.
  for (const key of ['warn_if', 'error_if'] as const) {
    if (c[key] === undefined) continue;
    try {
      parseCondition(c[key], key);
    } catch (e) {
      problems.push({ key, message: `${(e as Error).message}${(e as StrataError).hint ? ` (${(e as StrataError).hint})` : ''}` });
    }
  }
  if (!validFailCalc(c['fail_calc'])) {
    problems.push({ key: 'fail_calc', message: "fail_calc must be an SQL aggregate over the test's rows, as a string (e.g. 'sum(n_records)')" });
  }
  if (c['enabled'] !== undefined && typeof c['enabled'] !== 'boolean') problems.push({ key: 'enabled', message: 'enabled must be true or false' });
  for (const key of ['schema', 'alias', 'database']) {
    if (c[key] !== undefined && c[key] !== null && typeof c[key] !== 'string') problems.push({ key, message: `${key} must be a string` });
  }
  const persist = c['persist_docs'];
  if (persist !== undefined && persist !== null) {
    const flags = typeof persist === 'object' && !Array.isArray(persist) ? Object.entries(persist as object) : undefined;
    if (!flags || flags.some(([k, v]) => (k !== 'relation' && k !== 'columns') || typeof v !== 'boolean')) {
      problems.push({ key: 'persist_docs', message: 'persist_docs must be a mapping like {relation: true, columns: true}' });
    }
  }
  const grants: Record<string, string[]> = {};
  if (c['grants'] !== undefined) {
    if (!c['grants'] || typeof c['grants'] !== 'object' || Array.isArray(c['grants'])) problems.push({ key: 'grants', message: 'grants must be a mapping like {select: [reader_role]}' });
    else for (const [priv, roles] of Object.entries(c['grants'] as object)) grants[priv] = toList(roles);
  }
  const indexes = Array.isArray(c['indexes']) ? (c['indexes'] as unknown[]) : c['indexes'] === undefined ? [] : null;
  if (indexes === null) problems.push({ key: 'indexes', message: 'indexes must be a list like [{columns: [id], unique: true}]' });
  // `{ ...c, enabled: ..., ... }` with the same keys in the same order (c's first, then the new
  // ones), built by assignment: on Node 20 a literal property after a spread is defined through a
  // slow runtime call (~5 µs for this object, paid by every model and test).
  const config = copyOwn(c) as NodeConfig;
  config.enabled = c['enabled'] === undefined ? true : Boolean(c['enabled']);
  config.materialized = (c['materialized'] as Materialization | undefined) ?? defaults.materialized;
  config.tags = toList(c['tags']);
  config.pre_hook = toHooks(c['pre_hook']);
  config.post_hook = toHooks(c['post_hook']);
  config.indexes = (indexes ?? []).map((i) => {
    const idx = i as { columns?: unknown; unique?: unknown; type?: unknown };
    return { columns: toList(idx.columns), ...(idx.unique !== undefined ? { unique: Boolean(idx.unique) } : {}), ...(idx.type ? { type: String(idx.type) } : {}) };
  });
  config.grants = grants;
  config.meta = (c['meta'] as Record<string, unknown>) ?? {};
  if (c['unique_key'] !== undefined && c['unique_key'] !== null) {
    config.unique_key = Array.isArray(c['unique_key']) ? (c['unique_key'] as unknown[]).map(String) : String(c['unique_key']);
  }
  return { config, problems };
}

/**
 * `{ ...o }` (own enumerable string keys, in order) as an object that later assignments extend
 * quickly; a `__proto__` key stays an own property, as the spread makes it.
 */
export function copyOwn(o: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(o)) {
    if (key === '__proto__') Object.defineProperty(copy, key, { value: o[key], writable: true, enumerable: true, configurable: true });
    else copy[key] = o[key];
  }
  return copy;
}
