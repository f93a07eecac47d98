/**
 * pipeline: the loan project (the repository root) on generated releases, as issue 6 asks.
 *
 * Two releases of the same loans are generated once per size (scripts/generate): release 1 has
 * 8 origination quarters, 2019Q1-2020Q4, with monthly rows up to December 2020; release 2 adds the
 * quarter 2021Q1 and three more months to every performance file. Contenders, alternated:
 *
 * - full: release 2 into an empty database, `strata build` (the reference);
 * - incremental: release 1 into an empty database and built (untimed, but its phases are reported:
 *   that is the "full build of 8 quarters"), then release 2 put in its place (every file freshly
 *   written, as a download is) and `strata build` again: it must load only the files whose bytes
 *   changed and let the incremental models take only the new batches.
 *
 * Each run's phases and strata's own overhead come from target/run_results.json
 * (lib/run-phases.ts). After every run the marts are fingerprinted; the incremental build must
 * produce exactly the marts of the full build.
 */
import { cpSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { alternate, median, type Contender, type Measurement } from '../lib/alternate.js';
import {
  BENCH_URL_ENV,
  DATABASE_OPTIONS,
  DATABASE_USAGE,
  benchTargetYml,
  checkpoint,
  createScratchDatabase,
  dropScratchDatabase,
  query,
  type BenchDatabase,
} from '../lib/database.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import {
  REPO_ROOT,
  evaluateTargets,
  formatMs,
  formatShare,
  type ResultGroup,
  type ResultTable,
  type TargetSpec,
} from '../lib/results.js';
import { runCommand, type RunResult } from '../lib/run-command.js';
import { phaseBreakdown, type PhaseBreakdown, type PhaseNode } from '../lib/run-phases.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { STRATA_CLI_OPTION, STRATA_CLI_USAGE, parseRunSummary, strataCli, strataCliNote } from '../lib/strata-cli.js';
import { WORK_DIR, ensureGeneratedAsync, fingerprint } from '../lib/workdir.js';

/** Loans over the 8 quarters of release 1, both agencies (release 2 adds one more quarter of the same size). */
export const PIPELINE_SIZES = { small: 20_000, medium: 200_000, large: 1_000_000 } as const;
type SizeName = keyof typeof PIPELINE_SIZES;

const QUARTERS = '2019Q1:2021Q1';
const RELEASE_1 = '2020Q4';
const RELEASE_2 = '2021Q1';
const RELEASE_1_QUARTERS = 8;
const AGENCIES = 2;
const SEED = 42;
const SCRATCH_DB = 'strata_bench_pipeline';
const FULL = 'full build (release 2, empty database)';
const INCREMENTAL = 'incremental build (release 2 after release 1)';
const MARTS = ['servicer_scorecard', 'state_dimension_counts', 'state_origination_summary', 'state_performance_quarterly', 'vintage_outcomes'];
const BUILD_TIMEOUT_MS = 3 * 60 * 60_000;

const fmt = (n: number): string => n.toLocaleString('en-US');

function targetsFor(size: SizeName): TargetSpec[] {
  if (size !== 'large') return [];
  return [
    { label: 'incremental build of the next release ≤ 1/3 of a full build of the same data', contender: INCREMENTAL, metric: 'ratio', op: '<=', value: 1 / 3 },
    { label: "strata's own overhead < 2% of a full build (8 quarters)", contender: INCREMENTAL, metric: 'share', op: '<', value: 0.02 },
  ];
}

// ---------------------------------------------------------------------------------------------
// Inputs: the two releases, and a copy of the loan project with a benchmark target
// ---------------------------------------------------------------------------------------------

/** Absolute paths of the files under `dir`, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const GENERATOR_DIR = join(REPO_ROOT, 'scripts', 'generate');
const PROJECT_PARTS = ['project.yml', 'models', 'seeds', 'macros', join('tests', 'data')];

async function ensureReleases(ctx: ScenarioContext, size: SizeName): Promise<{ r1: string; r2: string; rows: Record<string, number> }> {
  const loans = PIPELINE_SIZES[size];
  const base = join(WORK_DIR, `pipeline-${loans}`);
  const stamp = {
    kind: 'loan-releases',
    loans,
    seed: SEED,
    generator: fingerprint(...filesUnder(GENERATOR_DIR), ...filesUnder(join(REPO_ROOT, 'seeds'))),
  };
  const { generateRelease } = await import('../../scripts/generate/index.js');
  const rowsFile = join(base, 'rows.json');
  await ensureGeneratedAsync(base, stamp, async () => {
    rmSync(base, { recursive: true, force: true });
    const rows: Record<string, number> = {};
    for (const [name, release] of [['r1', RELEASE_1], ['r2', RELEASE_2]] as const) {
      const t0 = performance.now();
      ctx.log(`pipeline ${size}: generating release ${release} of ${fmt(loans)} loans into ${relative(REPO_ROOT, join(base, name))} ...`);
      const out = await generateRelease({
        out: join(base, name), quarters: QUARTERS, release, loansPerQuarter: loans / (RELEASE_1_QUARTERS * AGENCIES),
        seed: SEED, writeGroundTruth: false,
      });
      rows[name] = out.stats.rows;
      ctx.log(`  ${fmt(out.stats.rows)} rows in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    writeFileSync(rowsFile, JSON.stringify(rows));
  });
  return { r1: join(base, 'r1'), r2: join(base, 'r2'), rows: JSON.parse(readFileSync(rowsFile, 'utf8')) as Record<string, number> };
}

/** A copy of the loan project (project.yml + models, seeds, macros, tests/data) with a `bench` target. */
function copyProject(): string {
  const dir = join(WORK_DIR, 'pipeline-project');
  rmSync(dir, { recursive: true, force: true });
  for (const part of PROJECT_PARTS) cpSync(join(REPO_ROOT, part), join(dir, part), { recursive: true });
  writeFileSync(join(dir, 'project.yml'), readFileSync(join(dir, 'project.yml'), 'utf8') + benchTargetYml('public', 4));
  return dir;
}

/**
 * Puts a release in the project's data/raw as a download would: every file written anew (a new
 * mtime), unchanged files byte for byte the same. Hard links give that without copying gigabytes
 * (each release's files were written when it was generated).
 */
function placeRelease(projectDir: string, release: string): string {
  const raw = join(projectDir, 'data', 'raw');
  rmSync(raw, { recursive: true, force: true });
  // The release's data files (not rows.json or a ground truth), at their place relative to the release.
  for (const f of filesUnder(release).filter((p) => !p.endsWith('.json')).map((p) => relative(release, p))) {
    mkdirSync(dirname(join(raw, f)), { recursive: true });
    linkSync(join(release, f), join(raw, f));
  }
  return raw;
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

interface BuildRun extends RunResult {
  breakdown?: PhaseBreakdown;
}

async function build(strata: string, projectDir: string, url: string): Promise<BuildRun> {
  const run = await runCommand(process.execPath, [strata, '--project-dir', projectDir, '--target', 'bench', 'build'], {
    cwd: REPO_ROOT,
    env: { [BENCH_URL_ENV]: url },
    timeoutMs: BUILD_TIMEOUT_MS,
  });
  if (run.exitCode !== 0) return run;
  const text = readFileSync(join(projectDir, 'target', 'run_results.json'), 'utf8');
  // Every build's node times stay in the work folder, for reading where a build's time went.
  const kept = join(WORK_DIR, 'pipeline-runs');
  mkdirSync(kept, { recursive: true });
  writeFileSync(join(kept, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`), text);
  const results = JSON.parse(text) as { results: PhaseNode[] };
  return { ...run, breakdown: phaseBreakdown(results.results, run.wallMs) };
}

function buildFailure(what: string, run: RunResult): Error {
  return new Error(`${what} failed (exit ${run.exitCode}${run.timedOut ? ', timed out' : ''}):\n${run.stdout.slice(-2000)}${run.stderr.slice(-2000)}`);
}

/**
 * A digest of every mart's rows, to check that incremental and full builds agree. Metadata columns
 * (`_built_at`: when an incremental mart computed a row) differ between the two by design and are left out.
 */
async function martsDigest(url: string): Promise<string> {
  const parts: string[] = [];
  for (const mart of MARTS) {
    const cols = await query(url, `select string_agg(quote_ident(column_name), ', ' order by ordinal_position) as c from information_schema.columns where table_schema = 'marts' and table_name = $1 and column_name not like '\\_%'`, [mart]);
    const row = `row(${String(cols.rows[0]?.c)})::text`;
    const r = await query(url, `select count(*) as n, md5(coalesce(string_agg(${row}, E'\\n' order by ${row}), '')) as h from marts.${mart} t`);
    parts.push(`${mart}:${String(r.rows[0]?.n)}:${String(r.rows[0]?.h)}`);
  }
  return parts.join(' ');
}

function phaseTable(title: string, columns: Array<{ name: string; runs: PhaseBreakdown[] }>): ResultTable {
  const phaseNames = [...new Set(columns.flatMap((c) => c.runs.flatMap((r) => Object.keys(r.phases))))];
  const med = (runs: PhaseBreakdown[], pick: (b: PhaseBreakdown) => number | undefined): number | null => {
    const values = runs.map(pick).filter((v): v is number => v !== undefined);
    return median(values);
  };
  const rows: string[][] = phaseNames.map((p) => [p, ...columns.map((c) => formatMs(med(c.runs, (b) => b.phases[p])))]);
  rows.push(['work (statements executing)', ...columns.map((c) => formatMs(med(c.runs, (b) => b.workMs)))]);
  rows.push(["strata's overhead (wall − work)", ...columns.map((c) => {
    const o = med(c.runs, (b) => b.overheadMs);
    const share = med(c.runs, (b) => b.overheadMs / b.wallMs);
    return `${formatMs(o)} (${formatShare(share)})`;
  })]);
  rows.push(['total (wall)', ...columns.map((c) => formatMs(med(c.runs, (b) => b.wallMs)))]);
  return { title, header: ['Phase (median over runs)', ...columns.map((c) => c.name)], rows };
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase): Promise<ResultGroup> {
  const loans = PIPELINE_SIZES[size];
  const { r1, r2, rows } = await ensureReleases(ctx, size);
  const projectDir = copyProject();
  const fullRuns: PhaseBreakdown[] = [];
  const release1Runs: PhaseBreakdown[] = [];
  const incrementalRuns: PhaseBreakdown[] = [];
  let fullDigest: string | undefined;
  let url = '';
  const fresh = async (): Promise<void> => {
    url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
    await checkpoint(db.adminUrl);
  };
  const verify = async (m: Measurement, runs: PhaseBreakdown[], which: 'full' | 'incremental'): Promise<string | null> => {
    const out = m.stdout ?? '';
    const summary = parseRunSummary(out);
    if (!summary) return `no summary line in strata's output:\n${out.slice(-1500)}`;
    if (summary.error !== 0 || (which === 'full' && summary.skip !== summary.upToDate)) return `the build reported ERROR=${summary.error} SKIP=${summary.skip}:\n${out.slice(-1500)}`;
    const breakdown = (m as BuildRun).breakdown;
    if (!breakdown) return 'no run_results.json breakdown';
    const digest = await martsDigest(url);
    if (which === 'full') fullDigest ??= digest;
    else if (fullDigest !== undefined && digest !== fullDigest) return `the incremental build's marts differ from the full build's:\n  full:        ${fullDigest}\n  incremental: ${digest}`;
    runs.push(breakdown);
    return null;
  };

  const contenders: Contender[] = [
    {
      name: FULL,
      prepare: async () => {
        await fresh();
        placeRelease(projectDir, r2);
      },
      run: () => build(strata, projectDir, url),
      verify: (m) => verify(m, fullRuns, 'full'),
    },
    {
      name: INCREMENTAL,
      prepare: async () => {
        await fresh();
        placeRelease(projectDir, r1);
        ctx.log(`  (untimed by the harness) full build of release ${RELEASE_1} ...`);
        const first = await build(strata, projectDir, url);
        if (first.exitCode !== 0 || !first.breakdown) throw buildFailure(`the build of release ${RELEASE_1}`, first);
        ctx.log(`  release ${RELEASE_1} built in ${formatMs(first.wallMs)} (overhead ${formatShare(first.breakdown.overheadMs / first.wallMs)})`);
        release1Runs.push(first.breakdown);
        placeRelease(projectDir, r2);
        await checkpoint(db.adminUrl);
      },
      run: () => build(strata, projectDir, url),
      verify: (m) => verify(m, incrementalRuns, 'incremental'),
    },
  ];

  ctx.log(`pipeline ${size}: ${fmt(loans)} loans; ${contenders.map((c) => c.name).join(' / ')}`);
  let result;
  try {
    result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
  // The warm-up's breakdowns are not counted.
  const counted = (runs: PhaseBreakdown[]): PhaseBreakdown[] => runs.slice(-ctx.runs);
  const overheadShare = median(counted(release1Runs).map((b) => b.overheadMs / b.wallMs));
  return {
    name: `${size}: ${fmt(loans)} loans`,
    sortKey: loans,
    description:
      `Generated releases (scripts/generate, seed ${SEED}, both agencies, Fannie legacy layout): release ${RELEASE_1} has ` +
      `${fmt(loans)} loans over the 8 quarters 2019Q1-2020Q4 (${fmt(rows.r1 ?? 0)} file rows); release ${RELEASE_2} adds ` +
      `${fmt(loans / RELEASE_1_QUARTERS)} loans of 2021Q1 and three months of every loan (${fmt(rows.r2 ?? 0)} file rows).`,
    date: new Date().toISOString(),
    gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
    warmup: result.warmup,
    runs: result.runs,
    contenders: result.contenders,
    tables: [
      phaseTable('Time per phase (a phase is the union of its nodes\' intervals; with 4 threads phases overlap)', [
        { name: `full build, release ${RELEASE_1} (8 quarters)`, runs: counted(release1Runs) },
        { name: `full build, release ${RELEASE_2}`, runs: counted(fullRuns) },
        { name: `incremental, ${RELEASE_1} → ${RELEASE_2}`, runs: counted(incrementalRuns) },
      ]),
    ],
    targets: evaluateTargets(targetsFor(size), result.contenders, {
      "strata's own overhead < 2% of a full build (8 quarters)": overheadShare,
    }),
    notes: [
      `Database: ${db.version.split(' on ')[0]}, scratch database \`${SCRATCH_DB}\` created empty before every run (untimed), target threads 4.`,
      `${FULL}: \`strata build\` of the loan project (a copy in bench/.work/pipeline-project with a \`bench\` target) on release ${RELEASE_2}. ` +
        `${INCREMENTAL}: release ${RELEASE_1} built first (untimed; its phases are the first column above), then release ${RELEASE_2}'s files written in its place and \`strata build\` timed. ` +
        'Every incremental run must leave marts identical (row count and md5 of the sorted rows) to the full build\'s.',
      "Overhead = the command's wall time minus the union of the intervals in which nodes executed their own statements (model SQL and hooks, COPY, test queries): process start, compile, connecting, planning, catalog reads and state bookkeeping.",
      ...[strataCliNote(strata)].filter((n): n is string => n !== null),
    ],
  };
}

export const pipelineScenario: Scenario = {
  name: 'pipeline',
  title: 'the loan project, full and incremental',
  description:
    'The loan project of the repository root on generated Fannie Mae / Freddie Mac releases: a full `strata build` per phase ' +
    '(load, staging, clean, marts, tests) with strata\'s own overhead, and the next quarterly release built incrementally ' +
    'against a full build of the same data.',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [
    `--size NAME         small (${fmt(PIPELINE_SIZES.small)} loans), medium (${fmt(PIPELINE_SIZES.medium)}), large (${fmt(PIPELINE_SIZES.large)}, the default), all`,
    STRATA_CLI_USAGE,
    ...DATABASE_USAGE,
  ],
  run(ctx) {
    const strata = strataCli(ctx);
    return runSizesOnDatabase(ctx, pipelineScenario, PIPELINE_SIZES, (size, db) => measureSize(ctx, size, strata, db));
  },
};

