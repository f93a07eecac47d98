/**
 * `run`, `seed`, `build` and `retry`: compile (no database needed for that), then execute the
 * selection against the target. Returns the run results; node failures are results, not throws.
 */
import { resolve } from 'node:path';
import { StrataError } from '../errors/strata-error.js';
import { planTestGroups } from '../data-tests/groups.js';
import type { Manifest } from '../manifest/types.js';
import { splitForGates } from '../run/test-gates.js';
import { manifestWriter, writeCompiled, type WrittenManifest } from '../compile/artifacts.js';
import { executeRun, runSessionFor, type BuildableKind, type RunEvents, type RunRequest } from '../run/runner.js';
import type { StartedRunSession } from '../run/run-session.js';
import { loadProjectConfig, type LoadOptions, type ProjectConfig } from '../project/project-config.js';
import type { RunCommand, RunOptions } from '../run/run-context.js';
import { readRunResults, type RunResults } from '../run/run-results.js';
import { checkThreads, lockTimeoutMs } from './limits.js';
import { projectToRun, type CompiledProject, type ProjectOptions, type ProjectToRun, type SelectionOptions } from './compile.js';

export interface ExecuteOptions extends ProjectOptions, SelectionOptions {
  threads?: number;
  fullRefresh?: boolean;
  failFast?: boolean;
  rebuild?: boolean;
  /** Seconds to wait for another run of the same project and target (default 60). */
  lockTimeoutSeconds?: number;
  /** Run each column test as its own query instead of one fused scan per model. */
  noFuse?: boolean;
  /** Data tests read every row, also where the new rows of an incremental build would do. */
  allRows?: boolean;
  events?: RunEvents;
}

const KINDS: Record<Exclude<RunCommand, 'retry'>, BuildableKind[]> = {
  run: ['model'],
  seed: ['seed'],
  test: ['test', 'unit_test'],
  build: ['load', 'seed', 'model', 'test', 'unit_test'],
};

function runOptions(command: RunCommand, config: ProjectConfig, o: ExecuteOptions): RunOptions {
  const threads = checkThreads(o.threads ?? config.target.threads);
  return {
    command,
    threads,
    fullRefresh: Boolean(o.fullRefresh),
    failFast: Boolean(o.failFast),
    rebuild: Boolean(o.rebuild),
    ...(o.allRows ? { allRows: true } : {}),
    lockTimeoutMs: lockTimeoutMs(o.lockTimeoutSeconds),
  };
}

function argsOf(command: RunCommand, o: ExecuteOptions): Record<string, unknown> {
  const { events: _events, env: _env, ...rest } = o;
  return { command, ...rest };
}

function testOptions(command: RunCommand, o: ExecuteOptions): { gateOnTests: boolean; fuseTests: boolean } {
  return { gateOnTests: command === 'build', fuseTests: !o.noFuse };
}

/**
 * The nodes among `ids` a command of these kinds runs: their compiled SQL is what target/compiled/
 * gets (as dbt's `run` writes models' and not tests'; a project has about three generic tests a
 * model, each file compared with the one there on every run).
 */
function ranBy(project: CompiledProject, ids: Iterable<string>, kinds: readonly BuildableKind[]): string[] {
  const types = new Set<string>(kinds.map((k) => (k === 'load' ? 'source' : k)));
  return [...ids].filter((id) => types.has(project.manifest.nodes[id]?.resourceType ?? ''));
}

/**
 * Writes target/compiled/ and target/manifest.json. The compiled files are written before any
 * node runs (beforeNodes), once the runner's start-up reads are on their way to the server, so
 * the writes take the time the server needs to answer. manifest.json (1.4 MB, ~25 ms for 200
 * models and their tests) is written while the nodes build (alongNodes), when this thread mostly
 * waits for the server; the run ends once it is written, and the compile fingerprint saved with
 * it. A project read back from manifest.json (warm) has it written already.
 */
function artifactsWriter(toRun: ProjectToRun, ids: Iterable<string>): Pick<RunRequest, 'beforeNodes' | 'alongNodes'> {
  const { project } = toRun;
  return {
    beforeNodes: () => {
      writeCompiled(project.targetDir, project.manifest, ids);
    },
    ...(toRun.warm ? {} : { alongNodes: thenRemember(manifestWriter(project.targetDir, project.manifest), toRun) }),
  };
}

function* thenRemember(steps: Iterator<unknown, WrittenManifest>, toRun: ProjectToRun): Generator<unknown> {
  let step = steps.next();
  for (; !step.done; step = steps.next()) yield;
  toRun.remember(step.value);
}

export interface ExecuteOutcome {
  project: CompiledProject;
  results: RunResults;
}

/**
 * Loads the project config and, when it loads and names a server (not `type: embedded`), starts
 * the run's database session from it: the
 * server then forks and authenticates the run's connections while this thread compiles (~5-10 ms
 * on an idle machine, tens of ms on a busy one), instead of after. The compile being synchronous,
 * only what has left this process by then overlaps it: two turns of the event loop let the
 * connections' start-up messages out (net.connect() happens on the next tick, its completion is
 * seen by the next poll). A config that does not load (or bad --threads) starts nothing: the
 * compile, then runOptions, report it as before.
 */
async function startBeforeCompile(command: RunCommand, options: ExecuteOptions): Promise<{ loaded: ReturnType<typeof loadProjectConfig>; session?: StartedRunSession }> {
  const projectDir = resolve(options.projectDir ?? '.');
  const loaded = loadProjectConfig(projectDir, loadOptions(options));
  if (!loaded.config || !loaded.engine) return { loaded };
  // An embedded target may have to start (even initdb) its server first: a project that then does
  // not compile would have started and stopped it for nothing. It starts after the compile.
  if (loaded.config.target.type === 'embedded') return { loaded };
  let run: RunOptions;
  try {
    run = runOptions(command, loaded.config, options);
  } catch {
    return { loaded };
  }
  const session = runSessionFor(projectDir, loaded.config, run, options.events);
  for (let turn = 0; turn < 2; turn++) await new Promise((next) => setImmediate(next));
  return { loaded, session };
}

function loadOptions(options: ProjectOptions): LoadOptions {
  return {
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.env ? { env: options.env } : {}),
  };
}

export async function execute(command: Exclude<RunCommand, 'retry'>, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const { loaded, session } = await startBeforeCompile(command, options);
  let toRun: ProjectToRun;
  let run: RunOptions;
  try {
    toRun = projectToRun({ ...options, runsUnitTests: KINDS[command].includes('unit_test') }, loaded);
    run = runOptions(command, toRun.project.ctx.config, options);
  } catch (e) {
    // Not awaited: the project's errors are what the user needs now (abandoning waits for the
    // connections being opened, up to the connect timeout for a host that does not answer).
    void session?.abandon();
    throw e;
  }
  const { project } = toRun;
  const results = await executeRun({
    project,
    options: run,
    kinds: new Set(KINDS[command]),
    ...testOptions(command, options),
    args: argsOf(command, options),
    ...(options.events ? { events: options.events } : {}),
    ...(session ? { session } : {}),
    ...artifactsWriter(toRun, ranBy(project, project.selected, KINDS[command])),
  });
  return { project, results };
}

/**
 * A test group's id (`tests:<model>`, `tests:<model>+<node>`) stands for its tests: retry runs them
 * again. A group that ran recorded them; one that was skipped (its model failed) recorded none,
 * and its tests are those the project's test groups give it now, as planned with or without
 * build's gates (test-gates.ts).
 */
function testIdsOfGroups(last: RunResults, manifest: Manifest): (groupId: string) => string[] {
  let planned: Map<string, string[]> | undefined;
  const plan = (): Map<string, string[]> => {
    const tests = Object.values(manifest.nodes).filter((n) => n.resourceType === 'test').map((n) => n.uniqueId);
    const groups = planTestGroups(manifest, tests);
    const split = groups.flatMap((g) => splitForGates(manifest, g).map((part) => part.group));
    // `tests:<model>` as planned without gates (every test of the model) wins: a superset of the
    // group build ran under that id, which is all a retry needs.
    return new Map([...split, ...groups].map((g) => [g.id, g.testIds]));
  };
  return (groupId) => {
    const recorded = last.results.find((r) => r.uniqueId === groupId)?.tests;
    return recorded ? recorded.map((t) => t.uniqueId) : (planned ??= plan()).get(groupId) ?? [];
  };
}

/** `strata retry`: the nodes that failed or were skipped in the last run, with its arguments. */
export async function retry(options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  // Which kinds the retried command ran is known only from run_results.json: unit tests may run.
  const all = { ...options, select: [], exclude: [], runsUnitTests: true };
  const toRun = projectToRun(all, loadProjectConfig(resolve(options.projectDir ?? '.'), loadOptions(options)));
  const first = toRun.project;
  const last = readRunResults(first.targetDir);
  if (!last) throw new StrataError('USAGE', 'no previous run to retry: target/run_results.json is missing', { hint: 'run strata run or strata build first' });
  const again = new Set(last.results.filter((r) => r.status === 'error' || r.status === 'skipped').map((r) => r.uniqueId));
  const testIdsOf = testIdsOfGroups(last, first.manifest);
  const previousCommand = (last.metadata.command === 'retry' ? (last.args['retryOf'] as string | undefined) ?? 'build' : last.metadata.command) as Exclude<RunCommand, 'retry'>;
  const project = first;
  // The last run's --all-rows holds for its retry (as its command does).
  const allRows = options.allRows ?? last.args['allRows'] === true;
  const results = await executeRun({
    project,
    options: { ...runOptions('retry', project.ctx.config, { ...options, allRows }), rebuild: true },
    kinds: new Set(KINDS[previousCommand] ?? KINDS.build),
    ...testOptions(previousCommand, options),
    // Nodes, loaded sources (their failed files load again), and test groups (their tests).
    only: new Set([...again].flatMap((id) => (project.manifest.nodes[id] || project.manifest.sources[id] ? [id] : testIdsOf(id)))),
    args: { ...argsOf('retry', options), retryOf: previousCommand },
    ...(options.events ? { events: options.events } : {}),
    ...artifactsWriter(toRun, ranBy(project, again, KINDS[previousCommand] ?? KINDS.build)),
  });
  return { project, results };
}
