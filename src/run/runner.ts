/**
 * One run: open the target, take the project's run lock, prepare schemas and state (one catalog
 * snapshot, node states, run history, side by side), then build the selected nodes in DAG order
 * on a bounded pool. A failing node is a result (its descendants
 * are skipped, the rest go on); only infrastructure failures (cannot connect, lock held) throw.
 */
import { cpSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LAST_SUCCESS_DIR, type CompiledProject } from '../api/compile.js';
import { readCatalogSnapshot, SyncQueryChannel, type OpenedTarget, type TargetConfig } from '../adapters/postgres/index.js';
import { checkDatabases } from '../compile/identifiers.js';
import { StrataErrors } from '../errors/strata-error.js';
import { STRATA_VERSION } from '../compile/parse-project.js';
import type { ModelNode, SeedNode, SourceNode } from '../manifest/types.js';
import type { ProjectConfig } from '../project/project-config.js';
import { nodeFingerprint } from '../state/fingerprint.js';
import { loadNodeStates, type Increment, type NodeState } from '../state/node-state.js';
import { loadTestStates, type TestState } from '../state/test-state.js';
import { finishRun, markInterrupted, startRun } from '../state/run-history.js';
import { buildModel } from './build-model.js';
import { dataVersionOfSource } from '../load/ledger.js';
import { planWorkItems, type BuildableKind, type WorkItem } from './work-items.js';
import { executeDag } from './executor.js';
import { expectedDurations } from './expected-durations.js';
import { dropOrphanKeptRows } from './orphan-kept-rows.js';
import { onRunEndContext } from './on-run-end-context.js';
import { runProjectHooks } from './project-hooks.js';
import { RunCatalog } from './run-catalog.js';
import type { RunContext, RunOptions } from './run-context.js';
import { writeRunResults, type NodeResult, type RunResults } from './run-results.js';
import { startRunSession, type RunSession, type StartedRunSession } from './run-session.js';
import { drain, inIdleSlices } from './idle-slices.js';

export type { BuildableKind } from './work-items.js';

export interface RunEvents {
  onRunStart?(info: { target: string; serverVersion: string; runId: string; nodes: number }): void;
  onNodeStart?(node: { uniqueId: string; name: string; label: string }, index: number, total: number): void;
  onNodeFinish?(result: NodeResult, index: number, total: number): void;
  onWaitForLock?(holder: string): void;
  /** A template's `log(msg, info=True)`, print() or exceptions.warn() while the run renders it. */
  onLog?(message: string): void;
}

export interface RunRequest {
  project: CompiledProject;
  options: RunOptions;
  kinds: ReadonlySet<BuildableKind>;
  /** build: a model's descendants wait for its tests, and a model for its unit tests. */
  gateOnTests?: boolean;
  /** Fuse column tests into one scan per model (default true). */
  fuseTests?: boolean;
  /** Restrict to these ids (strata retry); otherwise the project's selection. */
  only?: ReadonlySet<string>;
  args: Record<string, unknown>;
  events?: RunEvents;
  /** The database side, when the caller started it before compiling (runSessionFor); else started here. */
  session?: StartedRunSession;
  /**
   * Work the caller needs done before any node runs (writing manifest.json and target/compiled/):
   * called once the start-up reads are on their way to the server, so that it overlaps them.
   */
  beforeNodes?: () => void;
  /**
   * Work the caller needs done by the end of the run that no node waits for (writing
   * manifest.json), a step per `next()`: done in short slices while the start-up reads and the
   * nodes are in flight (idle-slices.ts). The run ends once it is done, and fails if it fails.
   */
  alongNodes?: Iterator<unknown>;
}

/** The run's database session, for a command about to run a project of this config. */
export function runSessionFor(projectDir: string, config: ProjectConfig, options: RunOptions, events?: RunEvents): StartedRunSession {
  return startRunSession({
    projectDir, target: toTargetConfig(config), project: config.name, targetName: config.target.name,
    command: options.command, threads: options.threads, lockTimeoutMs: options.lockTimeoutMs,
    ...(events?.onWaitForLock ? { onWaitForLock: events.onWaitForLock } : {}),
  });
}

export function toTargetConfig(config: ProjectConfig): TargetConfig {
  const t = config.target;
  return {
    name: t.name, type: t.type === 'embedded' ? 'embedded' : 'postgres', schema: t.schema, threads: t.threads,
    ...(t.url ? { url: t.url } : {}), ...(t.host ? { host: t.host } : {}), ...(t.port ? { port: t.port } : {}),
    ...(t.user ? { user: t.user } : {}), ...(t.password ? { password: t.password } : {}), ...(t.dbname ? { dbname: t.dbname } : {}),
  } as TargetConfig;
}

/** Fingerprints of every model, seed and source, parents before children. */
function fingerprintAll(project: CompiledProject): Map<string, string> {
  const { manifest } = project;
  const out = new Map<string, string>();
  const all = [...Object.values(manifest.nodes), ...Object.values(manifest.sources)].filter(
    (n): n is ModelNode | SeedNode | SourceNode => n.resourceType !== 'test' && n.resourceType !== 'unit_test',
  );
  const pending = new Map(all.map((n) => [n.uniqueId, n.dependsOn.nodes.filter((p) => manifest.nodes[p] || manifest.sources[p]).length]));
  const queue = all.filter((n) => pending.get(n.uniqueId) === 0);
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i]!;
    const parents: Record<string, string> = {};
    for (const p of n.dependsOn.nodes) parents[p] = out.get(p) ?? '';
    out.set(n.uniqueId, nodeFingerprint(n, parents));
    for (const child of manifest.childMap[n.uniqueId] ?? []) {
      if (!pending.has(child)) continue;
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) queue.push((manifest.nodes[child] ?? manifest.sources[child]) as ModelNode | SeedNode | SourceNode);
    }
  }
  return out;
}

/**
 * Waits for every promise (none is left running in the background, where a failure would be an
 * unhandled rejection once the pool is closed), then throws the first failure.
 */
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Source data versions: a source strata loads changes when a load commits (its ledger says what is loaded). */
async function sourceVersions(db: OpenedTarget['db'], project: CompiledProject, runId: string): Promise<Map<string, string>> {
  const sources = Object.values(project.manifest.sources);
  // The loaded sources' versions side by side (one query each, on the pool's connections).
  const loaded = await Promise.all(sources.map((s) => (s.load ? dataVersionOfSource(db, s.uniqueId) : undefined)));
  const out = new Map<string, string>();
  sources.forEach((s, i) => {
    // One it does not load may change at any time: it counts as new data every run, unless static.
    const version = loaded[i];
    out.set(s.uniqueId, version !== undefined ? `load:${version}` : s.static ? 'static' : s.load ? 'load:none' : `external:${runId}`);
  });
  return out;
}

/** The catalog snapshot of the run's schemas (created in the same message when missing). */
async function readRunCatalog(db: OpenedTarget['db'], items: WorkItem[]): Promise<RunCatalog> {
  const schemas = [...new Set(items.flatMap((i) => (i.kind === 'model' || i.kind === 'seed' ? [i.node.relation.schema] : [])))].sort();
  // Incremental models compare their table's columns with their query's: read those with the rest.
  const columnsOf = items.flatMap((i) => (i.kind === 'model' && i.node.config.materialized === 'incremental' ? [{ schema: i.node.relation.schema, name: i.node.relation.identifier }] : []));
  return new RunCatalog(await readCatalogSnapshot(db, schemas, columnsOf, { createSchemas: true }));
}

/**
 * Reads what the run starts from, side by side on the session's connections. The catalog snapshot
 * (the longest read: the definitions of every dependent view) needs only the lock and goes first;
 * the caller's `beforeNodes` work and the nodes' fingerprints are this thread's work while the
 * server answers; node states and run history wait for strata_meta.
 */
async function prepare(session: RunSession, req: RunRequest, items: WorkItem[], startedAt: Date): Promise<RunContext> {
  const { project } = req;
  const { opened, runId } = session;
  const db = opened.db;
  const catalog = readRunCatalog(db, items);
  const afterMeta = <T>(read: () => Promise<T>): Promise<T> => session.meta.then(read);
  const history = afterMeta(async () => {
    await markInterrupted(db, project.manifest.metadata.projectName, project.ctx.config.target.name);
    await startRun(db, { runId, project: project.manifest.metadata.projectName, target: project.ctx.config.target.name, command: req.options.command, args: req.args, startedAt });
  });
  const reads = allSettled<[void, void, RunCatalog, Map<string, NodeState>, Map<string, string>]>([
    session.meta,
    history,
    catalog,
    afterMeta(() => loadNodeStates(db, project.manifest.metadata.projectName)),
    afterMeta(() => sourceVersions(db, project, runId)),
  ]);
  // The reads go out from promise continuations (the pool lending a connection): they reach the
  // server only once this thread yields, so it yields once before its own work.
  await new Promise((resolve) => setImmediate(resolve));
  let fingerprints: Map<string, string>;
  try {
    req.beforeNodes?.();
    fingerprints = fingerprintAll(project);
  } catch (e) {
    await reads.catch(() => undefined);
    throw e;
  }
  const [, , relations, previous, sources] = await reads;
  const dataVersions = new Map<string, string>();
  const increments = new Map<string, Increment>();
  for (const [id, state] of previous) {
    dataVersions.set(id, state.dataVersion);
    if (state.increment) increments.set(id, state.increment);
  }
  let testStates: Promise<Map<string, TestState>> | undefined;
  for (const [id, version] of sources) dataVersions.set(id, version);
  let channel: SyncQueryChannel | undefined;
  const viewModelsInRun = new Set<string>();
  for (const item of items) {
    if (item.kind === 'model' && item.node.config.materialized === 'view') viewModelsInRun.add(`${item.node.relation.schema}.${item.node.relation.identifier}`);
  }
  return {
    project, db, capabilities: opened.capabilities, runId, options: req.options, relations, previous, fingerprints, dataVersions, increments, viewModelsInRun,
    testStates: () => (testStates ??= loadTestStates(db, project.manifest.metadata.projectName)),
    syncQuery: () => (channel ??= new SyncQueryChannel(opened.target)),
    closeSyncQuery: async () => channel?.close(),
  };
}

export async function executeRun(req: RunRequest): Promise<RunResults> {
  const startedAt = new Date();
  const { project, options, events } = req;
  const targetName = project.ctx.config.target.name;
  const started = req.session ?? runSessionFor(project.projectDir, project.ctx.config, options, events);
  let session: RunSession;
  let items: WorkItem[];
  try {
    const ids = [...(req.only ?? project.selected)];
    // The loader (file discovery, archives) is imported only by a run that loads sources.
    const loadable = req.kinds.has('load') ? (await import('../load/source-loading.js')).loadableSources(project.manifest, ids) : [];
    items = planWorkItems(project.manifest, ids, req.kinds, Boolean(req.gateOnTests), loadable);
  } catch (e) {
    await started.abandon();
    throw e;
  }
  try {
    session = await started.ready;
  } catch (e) {
    // What the caller writes before the nodes (manifest.json, target/compiled/) is written even
    // when the database cannot be reached, as a compile would; its own failure comes first.
    req.beforeNodes?.();
    if (req.alongNodes) drain(req.alongNodes);
    throw e;
  }
  const { opened, lock, runId } = session;
  // Templates rendered from here on (run-time renders, hooks) print this run's id and start.
  project.ctx.engine.setInvocation({ invocationId: runId, runStartedAt: startedAt });
  project.ctx.engine.setLogSink(events?.onLog);
  let results: NodeResult[] = [];
  // The sink is this run's: a later render of the same project (another run, a compile) prints elsewhere.
  const cleanups: Array<() => Promise<void>> = [async () => project.ctx.engine.setLogSink(undefined)];
  const along = req.alongNodes ? inIdleSlices(req.alongNodes) : Promise.resolve();
  along.catch(() => undefined); // awaited below, on every path; never an unhandled rejection meanwhile
  try {
    try {
      // A target that does not name its database (node-postgres' defaults: PGDATABASE, the user)
      // is checked here, against the one it connected to; the compile checked the others.
      const database = opened.capabilities.database;
      const wrongDatabase = !project.ctx.config.target.database && database ? checkDatabases(project.manifest, database, targetName) : [];
      if (wrongDatabase.length) throw new StrataErrors(wrongDatabase);
      const rc = await prepare(session, req, items, startedAt);
      cleanups.push(() => rc.closeSyncQuery());
      events?.onRunStart?.({ target: targetName, serverVersion: String(opened.capabilities.versionString ?? opened.capabilities.version), runId, nodes: items.length });
      const onResult = (r: NodeResult, index: number, total: number) => events?.onNodeFinish?.(r, index, total);
      const startHooks = await runProjectHooks(rc, 'on-run-start', { onResult });
      // As dbt (1.9+): a failed on-run-start hook (a preflight check) skips every node; on-run-end runs.
      const nodes = startHooks.length ? skipAll(rc, items, startHooks[0]!, events) : await buildAll(rc, items, events, req.fuseTests ?? true);
      await dropOrphanKeptRows(rc);
      await along;
      const ran = [...startHooks, ...nodes];
      results = [...ran, ...await runProjectHooks(rc, 'on-run-end', { context: { ...onRunEndContext(rc, items, ran) }, onResult })];
      await finishRun(opened.db, runId, results.some((r) => r.status === 'error') ? 'error' : 'success');
    } catch (e) {
      await along.catch(() => undefined);
      await finishRun(opened.db, runId, 'error').catch(() => undefined);
      throw e;
    } finally {
      await lock.release();
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    await opened.close();
  }
  const finishedAt = new Date();
  const runResults: RunResults = {
    metadata: { strataVersion: STRATA_VERSION, invocationId: runId, command: options.command, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), target: targetName },
    args: req.args,
    results,
    elapsedSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
  };
  writeRunResults(project.targetDir, runResults);
  if (!results.some((r) => r.status === 'error' || r.status === 'skipped')) rememberSuccess(project);
  return runResults;
}

/** How an item reads in the output: `view model qa.orders`, `seed raw.x`, `3 tests on orders`. */
function labelOf(item: WorkItem): string {
  if (item.kind === 'model' || item.kind === 'seed') {
    const what = item.kind === 'seed' ? 'seed' : `${item.node.config.materialized} model`;
    return `${what} ${item.node.relation.schema}.${item.node.relation.identifier}`;
  }
  if (item.kind === 'unit') return `unit test ${item.node.model}::${item.node.name}`;
  if (item.kind === 'load') return `load ${item.source.sourceName}.${item.source.name}`;
  const count = item.group.testIds.length;
  const on = item.group.attachedNode ? item.group.attachedNode.split('.').slice(2).join('.') : undefined;
  return on ? `${count} test${count === 1 ? '' : 's'} on ${on}` : `test ${item.group.testIds[0]?.split('.').pop()}`;
}

function nameOf(item: WorkItem): string {
  return item.kind === 'tests' ? item.id : item.kind === 'load' ? `${item.source.sourceName}.${item.source.name}` : item.node.name;
}

/**
 * Seeds, tests and loads pull in csv-parse, the data-test planner and the loader: loaded on their
 * first node, so a run of models alone does not pay for importing them (tens of ms per command).
 */
async function runItem(rc: RunContext, item: WorkItem, fuse: boolean): Promise<NodeResult> {
  switch (item.kind) {
    case 'model': return buildModel(rc, item.node);
    case 'seed': return (await import('./build-seed.js')).buildSeed(rc, item.node);
    case 'tests': return (await import('./build-tests.js')).buildTestGroup(rc, item.group, { fuse });
    case 'unit': return (await import('./build-tests.js')).buildUnitTest(rc, item.node);
    case 'load': return (await import('./load-sources.js')).loadSourceItem(rc, item.source, item.spec);
  }
}

/** The result of an item that never ran because `failed` (a node, or a hook) failed. */
function skippedResult(rc: RunContext, item: WorkItem, failed: { uniqueId: string; name: string }): NodeResult {
  const resourceType = item.kind === 'tests' ? 'test' : item.kind === 'unit' ? 'unit_test' : item.kind === 'load' ? 'source' : item.node.resourceType;
  return {
    uniqueId: item.id, name: nameOf(item), label: labelOf(item), resourceType, status: 'skipped', message: `skipped: ${failed.name} failed`, seconds: 0, skippedBecause: failed.uniqueId,
    ...(item.kind === 'tests' ? { skippedTests: item.group.testIds.length } : {}),
  };
}

/** Every item skipped, because of a failed on-run-start hook. */
function skipAll(rc: RunContext, items: WorkItem[], hook: NodeResult, events: RunEvents | undefined): NodeResult[] {
  const failed = { uniqueId: hook.uniqueId, name: `hook ${hook.name}` };
  return items.map((item, i) => {
    const result = skippedResult(rc, item, failed);
    events?.onNodeFinish?.(result, i + 1, items.length);
    return result;
  });
}

async function buildAll(rc: RunContext, items: WorkItem[], events: RunEvents | undefined, fuse: boolean): Promise<NodeResult[]> {
  const byId = new Map(items.map((i) => [i.id, i]));
  let started = 0;
  const total = items.length;
  const indexOf = new Map<string, number>();
  const weight = expectedDurations(rc.project.targetDir, rc.options.threads);
  const results = await executeDag<NodeResult>({
    nodes: items.map((i) => i.id),
    dependsOn: (id) => byId.get(id)!.deps,
    threads: rc.options.threads,
    ...(weight ? { weight } : {}),
    failFast: rc.options.failFast,
    run: async (id) => {
      const item = byId.get(id)!;
      const index = ++started;
      indexOf.set(id, index);
      events?.onNodeStart?.({ uniqueId: id, name: nameOf(item), label: labelOf(item) }, index, total);
      const startedAt = new Date().toISOString();
      const result = await runItem(rc, item, fuse);
      return { ...result, startedAt, completedAt: new Date().toISOString() };
    },
    isFailure: (r) => r.status === 'error',
    skipResult: (id, failed) => skippedResult(rc, byId.get(id)!, { uniqueId: failed, name: rc.project.manifest.nodes[failed]?.name ?? failed }),
    onFinish: (id, r) => events?.onNodeFinish?.(r, indexOf.get(id) ?? ++started, total),
  });
  return [...results.values()];
}

/**
 * Keeps the manifest of the last fully successful run: `state:modified` compares against it. A
 * hard link, not a copy (1.4 MB for 200 models): manifest.json is only ever replaced (written
 * aside, then renamed over), never written in place, so the link keeps this run's manifest when
 * a later compile replaces it. A run that read the project back (warm-project.ts) finds the link
 * in place already.
 */
function rememberSuccess(project: CompiledProject): void {
  const dir = join(project.targetDir, LAST_SUCCESS_DIR);
  const from = join(project.targetDir, 'manifest.json');
  const to = join(dir, 'manifest.json');
  try {
    const source = statSync(from);
    const kept = statSync(to, { throwIfNoEntry: false });
    if (kept && kept.ino === source.ino && kept.dev === source.dev) return;
    mkdirSync(dir, { recursive: true });
    // Linked (or copied) aside, then renamed over: a concurrent `state:modified` finds the last
    // success's manifest or this one, never none.
    const aside = `${to}.${process.pid}.tmp`;
    rmSync(aside, { force: true });
    try {
      linkSync(from, aside);
    } catch {
      cpSync(from, aside); // a file system without hard links
    }
    renameSync(aside, to);
  } catch {
    // no manifest written (should not happen: the API writes it before running)
  }
}
