/**
 * `run`, `seed`, `build` and `retry`: compile (no database needed for that), then execute the
 * selection against the target. Returns the run results; node failures are results, not throws.
 */
import { StrataError } from '../errors/strata-error.js';
import { writeCompiled, writeManifest } from '../compile/artifacts.js';
import { executeRun, type BuildableKind, type RunEvents } from '../run/runner.js';
import type { RunCommand, RunOptions } from '../run/run-context.js';
import { readRunResults, type RunResults } from '../run/run-results.js';
import { compileProject, type CompiledProject, type ProjectOptions, type SelectionOptions } from './compile.js';

export interface ExecuteOptions extends ProjectOptions, SelectionOptions {
  threads?: number;
  fullRefresh?: boolean;
  failFast?: boolean;
  rebuild?: boolean;
  /** Seconds to wait for another run of the same project and target (default 60). */
  lockTimeoutSeconds?: number;
  /** Run each column test as its own query instead of one fused scan per model. */
  noFuse?: boolean;
  events?: RunEvents;
}

const KINDS: Record<Exclude<RunCommand, 'retry'>, BuildableKind[]> = {
  run: ['model'],
  seed: ['seed'],
  test: ['test', 'unit_test'],
  build: ['load', 'seed', 'model', 'test', 'unit_test'],
};

function runOptions(command: RunCommand, project: CompiledProject, o: ExecuteOptions): RunOptions {
  const threads = o.threads ?? project.ctx.config.target.threads;
  if (!Number.isInteger(threads) || threads < 1) throw new StrataError('USAGE', `--threads must be a positive whole number (got ${threads})`);
  return {
    command,
    threads,
    fullRefresh: Boolean(o.fullRefresh),
    failFast: Boolean(o.failFast),
    rebuild: Boolean(o.rebuild),
    lockTimeoutMs: (o.lockTimeoutSeconds ?? 60) * 1000,
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
 * Writes target/manifest.json and target/compiled/ while the run connects: executeRun has sent its
 * first round trip (connecting to the server) by the time it returns its promise, and the writes
 * (synchronous, tens of ms for a few hundred models) take the time the server needs to answer. No
 * node runs before they are done: the run resumes only once this thread is free again.
 */
async function afterArtifacts(project: CompiledProject, ids: Iterable<string>, running: Promise<RunResults>): Promise<RunResults> {
  try {
    writeManifest(project.targetDir, project.manifest);
    writeCompiled(project.targetDir, project.manifest, ids);
  } catch (e) {
    await running.catch(() => undefined);
    throw e;
  }
  return running;
}

export interface ExecuteOutcome {
  project: CompiledProject;
  results: RunResults;
}

export async function execute(command: Exclude<RunCommand, 'retry'>, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const project = compileProject(options);
  const running = executeRun({
    project,
    options: runOptions(command, project, options),
    kinds: new Set(KINDS[command]),
    ...testOptions(command, options),
    args: argsOf(command, options),
    ...(options.events ? { events: options.events } : {}),
  });
  return { project, results: await afterArtifacts(project, ranBy(project, project.selected, KINDS[command]), running) };
}

/** A test group's id (`tests:<model>`) stands for its tests: retry runs them again. */
function testIdsOfGroup(last: RunResults, groupId: string): string[] {
  return last.results.find((r) => r.uniqueId === groupId)?.tests?.map((t) => t.uniqueId) ?? [];
}

/** `strata retry`: the nodes that failed or were skipped in the last run, with its arguments. */
export async function retry(options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const first = compileProject({ ...options, select: [], exclude: [] });
  const last = readRunResults(first.targetDir);
  if (!last) throw new StrataError('USAGE', 'no previous run to retry: target/run_results.json is missing', { hint: 'run strata run or strata build first' });
  const again = new Set(last.results.filter((r) => r.status === 'error' || r.status === 'skipped').map((r) => r.uniqueId));
  const previousCommand = (last.metadata.command === 'retry' ? (last.args['retryOf'] as string | undefined) ?? 'build' : last.metadata.command) as Exclude<RunCommand, 'retry'>;
  const project = first;
  const running = executeRun({
    project,
    options: { ...runOptions('retry', project, options), rebuild: true },
    kinds: new Set(KINDS[previousCommand] ?? KINDS.build),
    ...testOptions(previousCommand, options),
    only: new Set([...again].flatMap((id) => (project.manifest.nodes[id] ? [id] : testIdsOfGroup(last, id)))),
    args: { ...argsOf('retry', options), retryOf: previousCommand },
    ...(options.events ? { events: options.events } : {}),
  });
  return { project, results: await afterArtifacts(project, ranBy(project, again, KINDS[previousCommand] ?? KINDS.build), running) };
}
