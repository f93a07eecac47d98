/**
 * Misspelt config keys (`+materialised`, `config(materialised='table')`, `materialised:` under a
 * property file's `config:`), and dbt keys strata does not act on (`contract`, `sql_header`).
 *
 * dbt keeps any key as config (custom config, read back with `config.get`), so an unknown key is
 * not an error here either. But one a few edits away from a key strata knows is nearly always a
 * typo that silently changes nothing: that one is a warning naming the key meant. Only unknown
 * keys are compared (a set lookup for the others), so the check costs nothing on a correct project.
 */
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import { didYouMean, levenshtein } from '../graph/did-you-mean.js';
import { forEachTreeLevel, KNOWN_CONFIG_KEYS, normalizeKey } from './node-config.js';
import type { ProjectConfig } from './project-config.js';

/**
 * Config that dbt itself or one of its adapters defines and strata does not use: kept like any
 * custom key, and never taken for a misspelling of a key strata knows (`auto_refresh` is not
 * `full_refresh`).
 */
const OTHER_DBT_CONFIG_KEYS = new Set([
  'auto_refresh', 'unlogged', 'incremental_predicates', 'predicates', 'merge_update_columns', 'merge_exclude_columns',
  'strategy', 'updated_at', 'check_cols', 'target_schema', 'target_database', 'invalidate_hard_deletes', 'hard_deletes',
  'snapshot_meta_column_names', 'dbt_valid_to_current', 'freshness', 'loaded_at_field', 'copy_grants', 'transient',
  'partition_by', 'cluster_by', 'labels', 'file_format', 'location_root', 'query_tag', 'snowflake_warehouse', 'secure',
]);

/**
 * Custom keys are short words too, and two edits make `stage` or `dag` into `tags`: beyond one
 * edit, a typo keeps its first letter (`alais`, `enabeld`, `materialised`), and a key that is a
 * known one plus a suffix (`grants_to`, `full_refresh_ok`) is named on purpose.
 */
function looksMisspelt(key: string, known: string): boolean {
  if (levenshtein(key, known, 1) <= 1) return true;
  return key[0] === known[0] && !key.startsWith(`${known}_`);
}

/**
 * The known key `rawKey` is probably a misspelling of, in the user's own spelling (their `+`, and
 * `-` if they wrote one: `+pre-hok` → `+pre-hook`); undefined for a known key or a custom one.
 */
export function misspeltConfigKey(rawKey: string): string | undefined {
  const key = normalizeKey(rawKey);
  if (KNOWN_CONFIG_KEYS.has(key) || OTHER_DBT_CONFIG_KEYS.has(key)) return undefined;
  const known = didYouMean(key, KNOWN_CONFIG_KEYS);
  if (!known || !looksMisspelt(key, known)) return undefined;
  return (rawKey.startsWith('+') ? '+' : '') + (rawKey.includes('-') ? known.replace(/_/g, '-') : known);
}

/** A warning for each misspelt or unsupported key in the config trees of project.yml (`models:`, `seeds:`, ...). */
export function configTreeWarnings(config: ProjectConfig): StrataError[] {
  const warnings: StrataError[] = [];
  for (const [name, tree] of Object.entries(config.trees)) {
    const treeKey = config.treeKeys[name as keyof ProjectConfig['trees']];
    forEachTreeLevel(tree, (path, configKeys, level) => {
      if (!configKeys.length) return;
      const at = [treeKey, ...path];
      const values = Object.fromEntries(configKeys.map((k) => [k, (level as Record<string, unknown>)[k]]));
      warnings.push(...configKeyWarnings(values, at.join('.'), (key) => config.locator.locate([...at, key], true)));
    });
  }
  return warnings;
}

/**
 * dbt config keys strata accepts but does not act on: the user expects an effect, so each is a
 * warning (the key is kept, as custom config), with what to do instead.
 */
const MICROBATCH = 'microbatch incremental models are not supported: use incremental_strategy delete+insert with an is_incremental() filter';
const UNSUPPORTED_CONFIG_KEYS = new Map<string, string>([
  ['contract', 'model contracts are not enforced: column names, data_type and constraints are not checked at build time; test them with data tests (not_null, unique, accepted_values, expression_is_true)'],
  ['sql_header', 'run the statement in a pre_hook: it runs in the model\'s transaction, right before the build'],
  ['store_failures_as', 'store_failures: true stores failing rows as a table (<schema>_test_failures.<test>); other forms are not supported'],
  ['event_time', MICROBATCH], ['batch_size', MICROBATCH], ['lookback', MICROBATCH], ['begin', MICROBATCH], ['concurrent_batches', MICROBATCH],
  ['on_configuration_change', 'materialized views are not supported; a table model is rebuilt by swapping, keeping dependent views'],
]);

/**
 * The warning for a config key, if it needs one: a key strata does not act on, or a misspelt one;
 * `locate` is called only for a key being reported.
 */
export function configKeyWarning(rawKey: string, where: string, locate: (rawKey: string) => SourceLocation, value?: unknown): StrataError | undefined {
  const key = normalizeKey(rawKey);
  const instead = UNSUPPORTED_CONFIG_KEYS.get(key);
  // A setting that asks for nothing strata lacks (a contract not enforced) is no surprise.
  const asksNothing = key === 'contract' && value !== null && typeof value === 'object' && (value as Record<string, unknown>)['enforced'] === false;
  if (instead !== undefined && !asksNothing) {
    return new StrataError('CONFIG', `config '${rawKey}' in ${where} is not supported by strata: it has no effect`, { location: locate(rawKey), hint: instead });
  }
  const meant = misspeltConfigKey(rawKey);
  return meant === undefined ? undefined : misspeltConfigKeyWarning(rawKey, meant, where, locate(rawKey));
}

/** The warning for `rawKey`, misspelt for `meant`, in the config of `where` (as the user names it). */
export function misspeltConfigKeyWarning(rawKey: string, meant: string, where: string, location: SourceLocation): StrataError {
  return new StrataError('CONFIG', `unknown config key '${rawKey}' in ${where}: kept as custom config, it changes nothing`, {
    location,
    hint: `did you mean '${meant}'?`,
  });
}

/** A warning for each misspelt or unsupported key of a config (configKeyWarning). */
export function configKeyWarnings(config: Record<string, unknown>, where: string, locate: (rawKey: string) => SourceLocation): StrataError[] {
  const warnings: StrataError[] = [];
  for (const rawKey of Object.keys(config)) {
    const warning = configKeyWarning(rawKey, where, locate, config[rawKey]);
    if (warning) warnings.push(warning);
  }
  return warnings;
}
