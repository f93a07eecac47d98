/**
 * noop: `strata run` of a built project where nothing changed -- every model must be reported
 * `SKIP (up to date)` -- with the warm `strata compile` of the same project as context (the part
 * of a no-op run that needs no database).
 */
import { join } from 'node:path';
import { alternate, type Contender, type Measurement } from '../lib/alternate.js';
import {
  DATABASE_OPTIONS,
  DATABASE_USAGE,
  createScratchDatabase,
  dropScratchDatabase,
  type BenchDatabase,
} from '../lib/database.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import { REPO_ROOT, evaluateTargets, type ResultGroup, type TargetSpec } from '../lib/results.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import {
  STRATA_CLI_OPTION,
  STRATA_CLI_USAGE,
  ensureRunnableProject,
  strataCliNote,
  parseRunSummary,
  runStrata,
  strataCli,
} from '../lib/strata-cli.js';
import { existsSync, readdirSync } from 'node:fs';

export const NOOP_SIZES = { small: 100, large: 1_000 } as const;
type SizeName = keyof typeof NOOP_SIZES;

const SCRATCH_DB = 'strata_bench_noop';
const NOOP = 'strata run (all up to date)';
const COMPILE = 'strata compile (warm)';
const BUILD_TIMEOUT_MS = 30 * 60_000;

const fmt = (n: number): string => n.toLocaleString('en-US');

function targetsFor(size: SizeName): TargetSpec[] {
  if (size !== 'large') return [];
  return [{ label: `no-op run, ${fmt(NOOP_SIZES.large)} models ≤ 1 s`, contender: NOOP, metric: 'medianMs', op: '<=', value: 1_000 }];
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase): Promise<ResultGroup> {
  const models = NOOP_SIZES[size];
  const projectDir = ensureRunnableProject(ctx, `noop-${models}`, models);
  const url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
  try {
    // The initial build (untimed): every model created, so the next run has nothing to do.
    const t0 = performance.now();
    ctx.log(`noop ${size}: building ${fmt(models)} models once (untimed) ...`);
    const build = await runStrata(strata, projectDir, url, ['run'], { timeoutMs: BUILD_TIMEOUT_MS });
    const built = parseRunSummary(build.stdout);
    if (build.exitCode !== 0 || !built || built.pass !== models) {
      throw new Error(
        `initial strata run failed (exit ${build.exitCode}${build.timedOut ? ', timed out' : ''}; ${built ? `PASS=${built.pass} of ${models}` : 'no summary'}):\n` +
          `${build.stdout.slice(-1500)}${build.stderr.slice(-1500)}`,
      );
    }
    const buildMs = performance.now() - t0;
    ctx.log(`  built in ${(buildMs / 1000).toFixed(1)} s`);

    const contenders: Contender[] = [
      {
        name: NOOP,
        run: () => runStrata(strata, projectDir, url, ['run']),
        verify: (m: Measurement) => {
          const out = m.stdout ?? '';
          const s = parseRunSummary(out);
          if (!s) return `no summary line in strata's output:\n${out.slice(-1000)}`;
          if (s.upToDate !== models || s.pass !== 0 || s.total !== models || !out.includes('up to date')) {
            return `expected all ${models} models up to date and none built, got PASS=${s.pass} TOTAL=${s.total}, ${s.upToDate} up to date`;
          }
          return null;
        },
      },
      {
        name: COMPILE,
        run: () => runStrata(strata, projectDir, url, ['compile']),
        verify: (m: Measurement) => {
          const compiled = join(projectDir, 'target', 'compiled');
          if (!existsSync(compiled) || readdirSync(compiled).length === 0) return `no files in ${compiled}`;
          const counts = /(\d[\d,]*) models, (\d[\d,]*) data tests/.exec(m.stdout ?? '');
          if (counts && Number(counts[1]!.replaceAll(',', '')) !== models) return `expected ${models} models, strata reported "${counts[0]}"`;
          return null;
        },
      },
    ];

    ctx.log(`noop ${size}: ${fmt(models)} models; ${contenders.map((c) => c.name).join(' / ')}`);
    const result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
    return {
      name: `${size}: ${fmt(models)} models`,
      sortKey: models,
      description:
        `The generated project of ${fmt(models)} models (bench/generate-project.ts: views at most 3 deep, ` +
        'the first 100 models and ~5% of the rest tables), built once; then `strata run` with nothing changed.',
      date: new Date().toISOString(),
      gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
      warmup: result.warmup,
      runs: result.runs,
      contenders: result.contenders,
      targets: evaluateTargets(targetsFor(size), result.contenders),
      notes: [
        `Database: ${db.version.split(' on ')[0]}, scratch database \`${SCRATCH_DB}\` (dropped afterwards). The initial build (\`strata run\`, untimed) took ${(buildMs / 1000).toFixed(1)} s.`,
        `${NOOP}: must report all ${fmt(models)} models \`SKIP (up to date)\` and build none. ` +
          `${COMPILE}: \`strata compile\` with target/ kept, for context (no database).`,
        ...[strataCliNote(strata)].filter((n): n is string => n !== null),
      ],
    };
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
}

export const noopScenario: Scenario = {
  name: 'noop',
  title: 'run with nothing to do',
  description:
    '`strata run` of a built generated project in which nothing changed (every model `SKIP (up to date)`), ' +
    'with the warm `strata compile` of the same project for context.',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [`--size NAME         small (${fmt(NOOP_SIZES.small)} models), large (${fmt(NOOP_SIZES.large)}, the default), all`, STRATA_CLI_USAGE, ...DATABASE_USAGE],
  run(ctx) {
    const strata = strataCli(ctx);
    return runSizesOnDatabase(ctx, noopScenario, NOOP_SIZES, (size, db) => measureSize(ctx, size, strata, db));
  },
};
