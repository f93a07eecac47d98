/**
 * Everything one run shares: the compiled project, the database, the run's id and options, the
 * catalog of its relations (read once, kept current), the previous build state of every
 * node, and the fingerprints and data versions that decide what is up to date.
 */
import type { CompiledProject } from '../api/compile.js';
import type { Capabilities, Database, SyncQueryChannel } from '../adapters/postgres/index.js';
import type { Increment, NodeState } from '../state/node-state.js';
import type { TestState } from '../state/test-state.js';
import type { Manifest } from '../manifest/types.js';
import type { RunCatalog } from './run-catalog.js';

export type RunCommand = 'run' | 'seed' | 'test' | 'build' | 'retry';

export interface RunOptions {
  command: RunCommand;
  threads: number;
  fullRefresh: boolean;
  failFast: boolean;
  /** Build every selected node even when it is up to date. */
  rebuild: boolean;
  /** Data tests read every row, also where the new rows of an incremental build would do (`--all-rows`). */
  allRows?: boolean;
  lockTimeoutMs: number;
}

export interface RunContext {
  project: CompiledProject;
  db: Database;
  capabilities: Capabilities;
  runId: string;
  options: RunOptions;
  /** The relations of the run's schemas: read once when it started, kept current as it builds. */
  relations: RunCatalog;
  previous: Map<string, NodeState>;
  /** Fingerprint of every model, seed and source (computed once, before anything runs). */
  fingerprints: Map<string, string>;
  /** Data version of every node as of now: updated as nodes build. */
  dataVersions: Map<string, string>;
  /** Incremental models whose latest build (as of now) was an increment: updated as nodes build. */
  increments: Map<string, Increment>;
  /**
   * The relations (`schema.name`) of the view models this run builds. As a parent's dependent
   * views they are recreated only if their old definition still holds (recreateDependentViews):
   * a view model always builds after its parents, so the run creates it from its new SQL.
   */
  viewModelsInRun: ReadonlySet<string>;
  /** The recorded passes of the project's data tests, read once, on the first test group's demand. */
  testStates(): Promise<Map<string, TestState>>;
  /** A synchronous connection for run_query() in templates, opened on first use. */
  syncQuery(): SyncQueryChannel;
  closeSyncQuery(): Promise<void>;
}

/**
 * The parents a node really reads: ephemeral models are inlined as CTEs, so their own parents take
 * their place, transitively. Used for execution order and for what "new input data" means.
 */
export function effectiveParents(manifest: Manifest, node: { dependsOn: { nodes: string[] } }): string[] {
  const out = new Set<string>();
  const visit = (ids: string[], seen: Set<string>) => {
    for (const id of ids) {
      const parent = manifest.nodes[id];
      if (parent?.resourceType === 'model' && parent.config.materialized === 'ephemeral') {
        if (!seen.has(id)) visit(parent.dependsOn.nodes, new Set(seen).add(id));
      } else out.add(id);
    }
  };
  visit(node.dependsOn.nodes, new Set());
  return [...out].sort();
}

/**
 * The nodes whose data versions together say what a node reads: its parents (through ephemeral
 * models), and through a view what the view reads, transitively. A view's own version changes
 * only when strata replaces it, not when the rows under it do: a table over a view over a seed
 * must see the seed change even in a run that does not select the view.
 */
export function versionInputs(manifest: Manifest, node: { dependsOn: { nodes: string[] } }): string[] {
  const out = new Set<string>();
  const visit = (ids: string[], seen: Set<string>) => {
    for (const id of ids) {
      out.add(id);
      const parent = manifest.nodes[id];
      if (parent?.resourceType === 'model' && parent.config.materialized === 'view' && !seen.has(id)) visit(effectiveParents(manifest, parent), new Set(seen).add(id));
    }
  };
  visit(effectiveParents(manifest, node), new Set());
  return [...out].sort();
}

/** The data versions of a node's parents: what it was (or will be) built from. */
export function inputVersionsOf(rc: RunContext, parents: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parents) out[p] = rc.dataVersions.get(p) ?? 'unknown';
  return out;
}
