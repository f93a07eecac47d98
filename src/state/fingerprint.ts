/**
 * Is a node up to date? Pure functions over the manifest and the stored NodeState; no I/O.
 *
 * Two independent questions decide it:
 *  - fingerprint: would building it now run the same thing? sha256 over its compiled SQL, the
 *    config that changes how it is materialized, its relation, and its parents' fingerprints
 *    (so a change anywhere upstream reaches every descendant, even through ephemeral models);
 *  - input versions: has the data it reads changed? The data versions of its parents when it
 *    was last built, compared with their current ones.
 * See src/state/README.md for the rules the runner follows around these.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ModelNode, NodeConfig, SeedNode, SourceNode } from '../manifest/types.js';
import type { NodeState } from './node-state.js';

/** Bump when the fingerprint's content changes, so old states stop matching deliberately. */
const FINGERPRINT_FORMAT = 'strata-fingerprint/1';

/** Config keys that change the relation a build produces (or how it is built). */
export const FINGERPRINT_CONFIG_KEYS = [
  'materialized',
  'unique_key',
  'incremental_strategy',
  'on_schema_change',
  'pre_hook',
  'post_hook',
  'indexes',
  'grants',
  'schema',
  'alias',
  'column_types',
  'delimiter',
  'quote_columns',
] as const satisfies ReadonlyArray<keyof NodeConfig>;

export type FingerprintedNode = ModelNode | SeedNode | SourceNode;

/**
 * JSON with object keys sorted at every level, so `{a, b}` and `{b, a}` hash the same. Array
 * order is kept (hook order matters). Undefined object values are dropped like JSON.stringify
 * does, so an unset key and a missing key are the same thing.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function fingerprintConfig(config: NodeConfig): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of FINGERPRINT_CONFIG_KEYS) picked[key] = config[key];
  return picked;
}

/** What a build of this node does, apart from its parents. */
function ownContent(node: FingerprintedNode): Record<string, unknown> {
  const common = { resourceType: node.resourceType, relation: node.relation, config: fingerprintConfig(node.config) };
  switch (node.resourceType) {
    case 'model':
      return {
        ...common,
        compiledCode: node.compiledCode,
        compiledIncrementalCode: node.compiledIncrementalCode,
        // Not compiled: fall back to the raw file, so an edit still counts. A model rendered again at
        // run time is compared by that rendering (runTimeFingerprint).
        rawChecksum: node.compiledCode === undefined ? node.checksum : undefined,
      };
    case 'seed':
      return { ...common, checksum: node.checksum };
    case 'source':
      // Not the definition checksum: editing a description must not rebuild every consumer.
      // The data side of a source is its data version (sourceDataVersion).
      return { ...common, load: node.load };
  }
}

/**
 * sha256 (hex) of the node's compiled SQL, materialization config, relation and its parents'
 * fingerprints (keyed by parent unique id, in sorted order).
 */
export function nodeFingerprint(node: FingerprintedNode, parentFingerprints: Record<string, string>): string {
  const parents = Object.keys(parentFingerprints)
    .sort()
    .map((id) => [id, parentFingerprints[id]]);
  const content = canonicalJson({ format: FINGERPRINT_FORMAT, node: ownContent(node), parents });
  return createHash('sha256').update(content).digest('hex');
}

/**
 * The fingerprint of a model rendered again at run time (it reads `execute`, `run_query`, the
 * run's values): its compile-time fingerprint with the SQL that rendering produced, the SQL it
 * would run. One reading `run_started_at` or `invocation_id` renders different SQL on every run,
 * so it is never up to date (its rows differ on every run); one whose run-time rendering does
 * not change stays up to date.
 */
export function runTimeFingerprint(fingerprint: string, rendered: { compiledCode?: string; compiledIncrementalCode?: string }): string {
  return createHash('sha256').update(fingerprint).update('\0').update(modelCodeHash(rendered)).digest('hex');
}

/** Same keys with the same values, whatever the key order. */
function sameVersions(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/**
 * True when the last build used the same fingerprint and read the same input versions. The
 * runner must also check that the relation still exists (someone may have dropped it).
 */
export function upToDate(previous: NodeState | undefined, fingerprint: string, inputVersions: Record<string, string>): boolean {
  if (!previous) return false;
  return previous.fingerprint === fingerprint && sameVersions(previous.inputVersions, inputVersions);
}

/**
 * sha256 (hex) of a model's compiled SQL, both variants (full and incremental): what its rows
 * were computed with. Unlike the fingerprint it ignores the parents, so it changes only when
 * the model's own query does (its text, a var it reads, a macro it calls, a renamed parent).
 */
export function modelCodeHash(node: { compiledCode?: string; compiledIncrementalCode?: string }): string {
  return createHash('sha256').update(node.compiledCode ?? '').update('\0').update(node.compiledIncrementalCode ?? '').digest('hex');
}

/**
 * A fresh data version for a node built by a run: `<runId>:<8 random hex>`. The run id says which
 * run produced the data; the random part keeps two builds of the same node within one run (a
 * retry) distinct, and does not rely on run ids never repeating.
 */
// uniqueId is accepted but not embedded: versions are stored per node, so it would only repeat
// itself in every child's input_versions.
export function newDataVersion(runId: string, _uniqueId: string): string {
  return `${runId}:${randomUUID().slice(0, 8)}`;
}

/** A seed's data is its file: same checksum, same data. */
export function seedDataVersion(seed: Pick<SeedNode, 'checksum'>): string {
  return `seed:${seed.checksum}`;
}

/**
 * A source's data version: the batch strata loaded last (`load:<batch>`), a constant for
 * `static: true` sources, and otherwise `run:<runId>`, i.e. "changed on every run", because
 * strata cannot know whether something else wrote to a table it does not load.
 */
export function sourceDataVersion(source: Pick<SourceNode, 'static'>, runId: string, loadBatch?: string): string {
  if (loadBatch !== undefined) return `load:${loadBatch}`;
  if (source.static) return 'static';
  return `run:${runId}`;
}
