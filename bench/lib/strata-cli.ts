/**
 * The strata CLI the benchmarks run: dist/bin/strata.js of this checkout (the bundled CLI, the
 * package's `bin`, built by `npm run build`),
 * or another build given with --strata-cli PATH / STRATA_BENCH_CLI.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_SEED, generateProject } from '../generate-project.js';
import { BENCH_URL_ENV, benchTargetYml, useStrataBuild } from './database.js';
import { BENCH_DIR, REPO_ROOT } from './results.js';
import { runCommand, type RunResult } from './run-command.js';
import type { ScenarioContext } from './scenario.js';
import { WORK_DIR, ensureGenerated, fingerprint } from './workdir.js';

/** The `--strata-cli` option, shared by every scenario that runs strata. */
export const STRATA_CLI_OPTION = { 'strata-cli': { type: 'string' } } as const;
export const STRATA_CLI_USAGE =
  '--strata-cli PATH   the strata CLI entry to benchmark (default dist/bin/strata.js; env STRATA_BENCH_CLI)';

/** Newest mtime under a directory (for the "dist is older than src" warning). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const warned = new Set<string>();

function warnIfStale(cli: string, ctx: ScenarioContext): void {
  const src = join(REPO_ROOT, 'src');
  if (warned.has(cli)) return;
  warned.add(cli);
  if (existsSync(src) && newestMtime(src) > statSync(cli).mtimeMs) {
    ctx.log('warning: src/ has changes newer than dist/bin/strata.js -- run `npm run build` to benchmark them');
  }
}

/** Path of the strata CLI entry script; throws with a hint when it is missing. */
export function strataCli(ctx: ScenarioContext): string {
  const given = (ctx.options['strata-cli'] as string | undefined) ?? process.env.STRATA_BENCH_CLI;
  const cli = given ?? join(REPO_ROOT, 'dist', 'bin', 'strata.js');
  if (!existsSync(cli)) {
    throw new Error(`${relative(process.cwd(), cli) || cli} not found: run \`npm run build\` first (or pass --strata-cli PATH)`);
  }
  if (!given) warnIfStale(cli, ctx);
  useStrataBuild(cli);
  return cli;
}

// ---------------------------------------------------------------------------------------------
// Running strata against a database
// ---------------------------------------------------------------------------------------------

/**
 * A generated project (bench/generate-project.ts; `rootRows` rows per root model) with a `bench`
 * target whose URL comes from $BENCH_DATABASE_URL, in bench/.work/<name>; reused while the
 * generator is unchanged.
 */
export function ensureRunnableProject(ctx: ScenarioContext, name: string, models: number, rootRows = 1): string {
  const dir = join(WORK_DIR, name);
  const stamp = {
    kind: 'strata+target',
    models,
    seed: DEFAULT_SEED,
    ...(rootRows !== 1 ? { rootRows } : {}),
    generator: fingerprint(join(BENCH_DIR, 'generate-project.ts'), join(BENCH_DIR, 'lib', 'database.ts')),
  };
  const t0 = performance.now();
  const generated = ensureGenerated(dir, stamp, () => {
    generateProject(dir, { models, seed: DEFAULT_SEED, rootRows });
    appendFileSync(join(dir, 'project.yml'), benchTargetYml('bench', 4));
  });
  if (generated) ctx.log(`generated ${relative(REPO_ROOT, dir)} (${models} models) in ${(performance.now() - t0).toFixed(0)} ms`);
  return dir;
}

/** `node <strata> --project-dir DIR --target bench <args...>` with the target's URL in the env. */
export function runStrata(strata: string, projectDir: string, url: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return runCommand(process.execPath, [strata, '--project-dir', projectDir, '--target', 'bench', ...args], {
    cwd: REPO_ROOT,
    env: { [BENCH_URL_ENV]: url },
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

/** The counts of strata's closing line `Done in 1.2s. PASS=.. WARN=.. ERROR=.. SKIP=.. TOTAL=.. (N up to date)`. */
export interface RunSummaryCounts {
  pass: number;
  warn: number;
  error: number;
  skip: number;
  total: number;
  upToDate: number;
}

export function parseRunSummary(stdout: string): RunSummaryCounts | null {
  const m = /PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+) TOTAL=(\d+)(?: \((\d+) up to date\))?/.exec(stdout);
  if (!m) return null;
  const n = (i: number): number => Number(m[i] ?? 0);
  return { pass: n(1), warn: n(2), error: n(3), skip: n(4), total: n(5), upToDate: n(6) };
}

/** A result note naming the benchmarked build when it is not this checkout's dist/ (else null). */
export function strataCliNote(cli: string): string | null {
  const rel = relative(REPO_ROOT, cli);
  if (rel === join('dist', 'bin', 'strata.js')) return null;
  const commitFile = join(dirname(dirname(dirname(cli))), 'COMMIT');
  const commit = existsSync(commitFile) ? readFileSync(commitFile, 'utf8').trim().slice(0, 10) : null;
  return `strata CLI benchmarked: \`${rel.startsWith('..') ? cli : rel}\`${commit ? ` (built from commit ${commit})` : ''} (--strata-cli).`;
}
