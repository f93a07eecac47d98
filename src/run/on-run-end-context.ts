/**
 * dbt's on-run-end context: `results`, one Result object per node and per data test of the run,
 * and `schemas` / `database_schemas`, where it built. Hooks and the macros they call read them as
 * dbt packages do (`{% for r in results %}`, `r.status`, `r.node.unique_id`, `r.failures`...).
 */
import type { Manifest } from '../manifest/types.js';
import { relationToSql } from '../template/relation.js';
import type { RunContext } from './run-context.js';
import type { NodeResult, NodeStatus } from './run-results.js';
import type { WorkItem } from './work-items.js';

/** A dbt RunResult as templates see it (its fields in dbt's snake_case). */
export interface HookResult {
  /** Nodes: success, error, skipped, warn (a model built with a warning); tests: pass, fail, warn, error, skipped. */
  status: string;
  message: string;
  /** Seconds. */
  execution_time: number;
  /** `rows_affected` when the node's statements reported rows (dbt-postgres' keys); else empty. */
  adapter_response: Record<string, unknown>;
  /** Failing rows of a data test; none for other nodes. */
  failures: number | null;
  timing: Array<{ name: string; started_at: string; completed_at: string }>;
  node: Record<string, unknown>;
}

export interface OnRunEndContext {
  results: HookResult[];
  /** The schemas the run built into (or found up to date in), sorted. */
  schemas: string[];
  /** The same as `[database, schema]` pairs (`{% for database, schema in database_schemas %}`). */
  database_schemas: Array<[string, string]>;
}

/**
 * dbt has no "up to date": a node strata did not build because nothing changed is reported as
 * dbt reports a node it did not run, `skipped` (the CLI counts it under SKIP too), with the
 * message `up to date`, which tells it from a node skipped because an ancestor failed.
 */
const NODE_STATUS: Record<NodeStatus, string> = { success: 'success', warn: 'warn', error: 'error', skipped: 'skipped', up_to_date: 'skipped' };

/** The node as dbt's `result.node`: the manifest's fields a hook usually reads. */
function nodeView(manifest: Manifest, id: string, defaultDatabase: string | undefined): Record<string, unknown> {
  const n = manifest.nodes[id] ?? manifest.sources[id];
  // A project hook (`operation.<project>.<project>-on-run-start-0`, as dbt names it).
  if (!n) return { unique_id: id, name: id.split('.').pop(), resource_type: id.split('.')[0], relation_name: null };
  const view: Record<string, unknown> = {
    unique_id: n.uniqueId, name: n.name, resource_type: n.resourceType, package_name: n.packageName, path: n.path,
    original_file_path: n.originalFilePath, fqn: n.fqn, tags: n.tags, config: n.config, description: n.description,
    depends_on: n.dependsOn, relation_name: null,
  };
  if ('relation' in n && !(n.resourceType === 'model' && n.config.materialized === 'ephemeral')) {
    Object.assign(view, {
      database: n.relation.database ?? defaultDatabase ?? null, schema: n.relation.schema, alias: n.relation.identifier, relation_name: relationToSql(n.relation),
    });
  }
  if (n.resourceType === 'model' || n.resourceType === 'test') view['compiled_code'] = n.compiledCode ?? null;
  if (n.resourceType === 'test') {
    Object.assign(view, { column_name: n.columnName ?? null, attached_node: n.attachedNode ?? null });
    if (n.testMetadata) view['test_metadata'] = { name: n.testMetadata.name, namespace: n.testMetadata.namespace ?? null, kwargs: n.testMetadata.kwargs };
  }
  return view;
}

function timingOf(r: NodeResult): HookResult['timing'] {
  return (r.timing ?? []).map((t) => ({ name: t.name, started_at: t.startedAt, completed_at: t.completedAt }));
}

/**
 * One result per model, seed, load and unit test, and one per data test (a test group is one
 * executor node but several dbt results), in the run's order.
 */
function hookResults(rc: RunContext, items: WorkItem[], results: NodeResult[], database: string | undefined): HookResult[] {
  const { manifest } = rc.project;
  const itemOf = new Map(items.map((i) => [i.id, i]));
  const out: HookResult[] = [];
  for (const r of results) {
    if (r.tests && r.status !== 'skipped') {
      for (const t of r.tests) {
        out.push({
          status: t.status, message: t.message, execution_time: t.seconds, adapter_response: {}, failures: t.failures ?? null, timing: [],
          node: nodeView(manifest, t.uniqueId, database),
        });
      }
      continue;
    }
    // A test group skipped (or failed) as a whole: each of its tests has that outcome.
    const item = itemOf.get(r.uniqueId);
    const ids = item?.kind === 'tests' ? item.group.testIds : [r.uniqueId];
    for (const id of ids) {
      out.push({
        status: NODE_STATUS[r.status],
        message: r.status === 'up_to_date' ? 'up to date' : r.message,
        execution_time: r.seconds,
        adapter_response: r.rows !== undefined ? { rows_affected: r.rows, _message: r.message } : {},
        failures: null,
        timing: timingOf(r),
        node: nodeView(manifest, id, database),
      });
    }
  }
  return out;
}

/**
 * As dbt: the schemas of the models and seeds the run built; strata adds those it found up to
 * date (their relations are there, as built), so a hook granting usage on `schemas` covers them.
 */
function builtSchemas(rc: RunContext, results: NodeResult[], database: string | undefined): Array<[string, string]> {
  const { manifest } = rc.project;
  const pairs = new Map<string, [string, string]>();
  for (const r of results) {
    if (r.status !== 'success' && r.status !== 'warn' && r.status !== 'up_to_date') continue;
    const n = manifest.nodes[r.uniqueId];
    if (n?.resourceType !== 'model' && n?.resourceType !== 'seed') continue;
    const pair: [string, string] = [n.relation.database ?? database ?? '', n.relation.schema];
    pairs.set(JSON.stringify(pair), pair);
  }
  return [...pairs.values()].sort((a, b) => (a[0] + '\0' + a[1] < b[0] + '\0' + b[1] ? -1 : 1));
}

export function onRunEndContext(rc: RunContext, items: WorkItem[], results: NodeResult[]): OnRunEndContext {
  const database = rc.project.ctx.config.target.database ?? rc.capabilities.database;
  const databaseSchemas = builtSchemas(rc, results, database);
  return {
    results: hookResults(rc, items, results, database),
    schemas: [...new Set(databaseSchemas.map(([, s]) => s))].sort(),
    database_schemas: databaseSchemas,
  };
}
