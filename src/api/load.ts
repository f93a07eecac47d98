/**
 * `strata load`: load the selected sources' raw files (see src/load). Takes the project's run lock
 * like any run, so a load never races a build of the same project and target.
 */
import { randomUUID } from 'node:crypto';
import { openTarget } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import { loadSources, THREAD_MIN_BYTES, type LoadEvent } from '../load/index.js';
import { fileSources, loadableSources } from '../load/source-loading.js';
import type { FileLoadResult } from '../load/types.js';
import { toTargetConfig } from '../run/runner.js';
import { checkThreads, lockTimeoutMs } from './limits.js';
import { ensureMetaSchema } from '../state/meta-schema.js';
import { acquireRunLock } from '../state/run-lock.js';
import { finishRun, markInterrupted, startRun } from '../state/run-history.js';
import { compileProject, type CompiledProject, type ProjectOptions, type SelectionOptions } from './compile.js';

export interface LoadOptions extends ProjectOptions, SelectionOptions {
  threads?: number;
  reload?: boolean;
  dryRun?: boolean;
  fullRefresh?: boolean;
  lockTimeoutSeconds?: number;
  onEvent?: (e: LoadEvent) => void;
  onWaitForLock?: (holder: string) => void;
  /** The project's warnings and the selection's (a criterion matching nothing), before anything loads. */
  onWarning?: (warning: StrataError) => void;
}

export interface LoadOutcome {
  project: CompiledProject;
  results: FileLoadResult[];
  seconds: number;
}

export async function load(options: LoadOptions = {}): Promise<LoadOutcome> {
  const started = performance.now();
  const project = compileProject({ ...options, parseOnly: true });
  for (const w of [...project.warnings, ...project.selectionWarnings]) options.onWarning?.(w);
  const sources = loadableSources(project.manifest, project.selected);
  if (!sources.length) {
    throw new StrataError('USAGE', 'no selected source has a load: block', {
      hint: 'declare what to load under a source table in a property file (see README: Loading raw files), or check --select',
    });
  }
  const threads = checkThreads(options.threads ?? project.ctx.config.target.threads);
  const timeoutMs = lockTimeoutMs(options.lockTimeoutSeconds);
  const opened = await openTarget(project.projectDir, toTargetConfig(project.ctx.config), { max: threads + 2 });
  const files = await fileSources(project.projectDir, sources.map((x) => x.spec));
  const projectName = project.manifest.metadata.projectName;
  const targetName = project.ctx.config.target.name;
  try {
    const loadOpts = {
      projectDir: project.projectDir, threads, reload: Boolean(options.reload), dryRun: Boolean(options.dryRun),
      fullRefresh: Boolean(options.fullRefresh), fileSourceFor: files.fileSourceFor, fileThreadMinBytes: THREAD_MIN_BYTES, ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    };
    if (options.dryRun) return { project, results: await loadSources(opened.db, sources, loadOpts), seconds: (performance.now() - started) / 1000 };
    await ensureMetaSchema(opened.db);
    const runId = randomUUID();
    const lock = await acquireRunLock(opened.db, {
      project: projectName, target: targetName, runId, command: 'load', timeoutMs,
      onWait: (holder) => options.onWaitForLock?.(holder.description),
    });
    try {
      await markInterrupted(opened.db, projectName, targetName);
      await startRun(opened.db, { runId, project: projectName, target: targetName, command: 'load', args: { select: options.select ?? [] } });
      const results = await loadSources(opened.db, sources, loadOpts);
      await finishRun(opened.db, runId, results.some((r) => r.status === 'failed') ? 'error' : 'success');
      return { project, results, seconds: (performance.now() - started) / 1000 };
    } finally {
      await lock.release();
    }
  } finally {
    files.close();
    await opened.close();
  }
}
