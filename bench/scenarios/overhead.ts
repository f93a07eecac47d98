/**
 * overhead: what strata adds on top of the SQL it runs. `strata run --rebuild` of a built
 * project (every model rebuilt: views replaced, tables rebuilt under a staging name and swapped)
 * with 1 and 4 threads, against psql executing exactly the statements strata executed -- the
 * target/run/<path>.sql files of a strata rebuild, concatenated in strata's execution order, each
 * wrapped in `begin; ... commit;` like strata's per-node transaction.
 *
 * The run files are written for the database state they ran in (a table that exists is rebuilt
 * with "swap" statements), so the script is taken from a rebuild and always runs against the
 * state a strata run leaves: every relation exists, as before each strata rebuild.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { alternate, type Contender, type ContenderSummary, type Measurement } from '../lib/alternate.js';
import {
  DATABASE_OPTIONS,
  DATABASE_USAGE,
  PSQL_INSTALL_HINT,
  checkpoint,
  createScratchDatabase,
  dropScratchDatabase,
  psqlFor,
  queryNumber,
  type BenchDatabase,
} from '../lib/database.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import { REPO_ROOT, evaluateTargets, type ResultGroup, type TargetSpec } from '../lib/results.js';
import { runCommand, type RunResult } from '../lib/run-command.js';
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

export const OVERHEAD_SIZES = { small: 30, large: 200, heavy: 200 } as const;
type SizeName = keyof typeof OVERHEAD_SIZES;

/**
 * Rows per model. The targets are judged on tiny models (1 row: the statements take ~2 ms a model,
 * so strata's own work is most of a run). `heavy` is the same project with 5,000 rows in every
 * model: statements that do some work, as a user's do, against the same per-model bookkeeping.
 */
const ROWS: Record<SizeName, number> = { small: 1, large: 1, heavy: 5_000 };

const SCRATCH_DB = 'strata_bench_overhead';
const PSQL = 'psql -f (same statements)';
const T1 = 'strata run --rebuild --threads 1';
const T4 = 'strata run --rebuild --threads 4';
const BUILD_TIMEOUT_MS = 30 * 60_000;

const fmt = (n: number): string => n.toLocaleString('en-US');

function targetsFor(size: SizeName, withPsql: boolean): TargetSpec[] {
  if (size !== 'large' || !withPsql) return [];
  const n = fmt(OVERHEAD_SIZES.large);
  return [
    { label: `${n} models, 1 thread ≤ 1.10× psql`, contender: T1, metric: 'ratio', op: '<=', value: 1.1 },
    { label: `${n} models, 4 threads < 1× psql`, contender: T4, metric: 'ratio', op: '<', value: 1 },
  ];
}

interface RunResultsFile {
  results: { uniqueId: string; status: string; executedSqlPath?: string }[];
}

/**
 * One script of the statements of the last strata run (target/run_results.json: results in the
 * order nodes finished -- with 1 thread, the order they ran), each node's file in a transaction.
 */
function psqlScript(projectDir: string): { script: string; nodes: number } {
  const runResults = JSON.parse(readFileSync(join(projectDir, 'target', 'run_results.json'), 'utf8')) as RunResultsFile;
  const parts: string[] = [];
  for (const r of runResults.results) {
    if (r.status !== 'success' || !r.executedSqlPath) throw new Error(`run_results.json: ${r.uniqueId} is ${r.status} without a run file`);
    const sql = readFileSync(join(projectDir, r.executedSqlPath), 'utf8');
    // Dollar-quoted bodies (a DO block's BEGIN ... END) are not transaction control.
    const outsideBodies = sql.replace(/(\$[A-Za-z_]*\$)[\s\S]*?\1/g, '');
    if (/^\s*(begin|commit|start transaction)\b/im.test(outsideBodies)) throw new Error(`${r.executedSqlPath} has its own transaction control`);
    parts.push(`-- ${r.uniqueId} (${r.executedSqlPath})\nbegin;\n${sql.trimEnd()}\ncommit;\n`);
  }
  return { script: parts.join('\n'), nodes: parts.length };
}

function strataFailure(what: string, r: RunResult, models: number): Error | null {
  const s = parseRunSummary(r.stdout);
  if (r.exitCode === 0 && s && s.pass === models) return null;
  return new Error(
    `${what} failed (exit ${r.exitCode}${r.timedOut ? ', timed out' : ''}; ${s ? `PASS=${s.pass} of ${models}` : 'no summary'}):\n` +
      `${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`,
  );
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase, psql: string | null): Promise<ResultGroup> {
  const models = OVERHEAD_SIZES[size];
  const rows = ROWS[size];
  const projectDir = ensureRunnableProject(ctx, rows === 1 ? `overhead-${models}` : `overhead-${models}-rows${rows}`, models, rows);
  const scriptFile = `${projectDir}.psql.sql`;
  const url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
  try {
    // Untimed set-up: build everything, then rebuild once with 1 thread, whose run files are the
    // statements of a rebuild in execution order.
    const t0 = performance.now();
    ctx.log(`overhead ${size}: building ${fmt(models)} models, then rebuilding them once with 1 thread (untimed) ...`);
    const first = await runStrata(strata, projectDir, url, ['run'], { timeoutMs: BUILD_TIMEOUT_MS });
    const firstError = strataFailure('initial strata run', first, models);
    if (firstError) throw firstError;
    const rebuild = await runStrata(strata, projectDir, url, ['run', '--rebuild', '--threads', '1'], { timeoutMs: BUILD_TIMEOUT_MS });
    const rebuildError = strataFailure('strata run --rebuild --threads 1', rebuild, models);
    if (rebuildError) throw rebuildError;
    const { script, nodes } = psqlScript(projectDir);
    if (nodes !== models) throw new Error(`run_results.json lists ${nodes} nodes, expected ${models}`);
    writeFileSync(scriptFile, script);
    ctx.log(`  set up in ${((performance.now() - t0) / 1000).toFixed(1)} s; psql script ${relative(REPO_ROOT, scriptFile)}: ${fmt(nodes)} transactions`);

    // Untimed before every run: a checkpoint, so no run pays for the previous one's dirty buffers.
    const beforeRun = (): Promise<void> => checkpoint(url);
    const relationCount = (): Promise<number> =>
      queryNumber(url, `select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'bench' and c.relkind in ('r', 'v')`);
    const verifyStrata = async (m: Measurement): Promise<string | null> => {
      const s = parseRunSummary(m.stdout ?? '');
      if (!s) return `no summary line in strata's output:\n${(m.stdout ?? '').slice(-1000)}`;
      if (s.pass !== models || s.total !== models) return `expected PASS=${models} TOTAL=${models}, got PASS=${s.pass} TOTAL=${s.total}`;
      const n = await relationCount();
      return n === models ? null : `schema bench holds ${n} relations after the run, expected ${models}`;
    };
    const strataRun = (threads: number) => (): Promise<RunResult> =>
      runStrata(strata, projectDir, url, ['run', '--rebuild', '--threads', String(threads)]);

    const contenders: Contender[] = [];
    if (psql) {
      contenders.push({
        name: PSQL,
        prepare: beforeRun,
        run: () => runCommand(psql, [url, '-X', '-v', 'ON_ERROR_STOP=1', '-f', scriptFile], { cwd: REPO_ROOT }),
        verify: async (m: Measurement) => {
          const commits = (m.stdout ?? '').split('\n').filter((l) => l === 'COMMIT').length;
          if (commits !== nodes) return `psql printed ${commits} COMMITs, expected ${nodes}`;
          const n = await relationCount();
          return n === models ? null : `schema bench holds ${n} relations after the script, expected ${models}`;
        },
      });
    }
    contenders.push(
      { name: T1, prepare: beforeRun, run: strataRun(1), verify: verifyStrata },
      { name: T4, prepare: beforeRun, run: strataRun(4), verify: verifyStrata },
    );

    ctx.log(`overhead ${size}: ${fmt(models)} models; ${contenders.map((c) => c.name).join(' / ')}`);
    const result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
    const tables = countTables(script);
    return {
      name: rows === 1 ? `${size}: ${fmt(models)} models` : `${size}: ${fmt(models)} models of ${fmt(rows)} rows`,
      sortKey: models + (rows === 1 ? 0 : 0.5),
      description:
        `The generated project of ${fmt(models)} models (${fmt(tables)} tables, ${fmt(models - tables)} views; bench/generate-project.ts` +
        `${rows === 1 ? '' : `, ${fmt(rows)} rows in every model`}), built, then rebuilt entirely (\`--rebuild\`) on every run.`,
      date: new Date().toISOString(),
      gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
      warmup: result.warmup,
      runs: result.runs,
      contenders: result.contenders,
      targets: evaluateTargets(targetsFor(size, psql !== null), result.contenders),
      notes: [
        `Database: ${db.version.split(' on ')[0]}, scratch database \`${SCRATCH_DB}\` (dropped afterwards). A \`checkpoint\` runs untimed before every run.`,
        psql
          ? `psql (the reference, ratio 1): \`psql -X -v ON_ERROR_STOP=1 -f script.sql\`, the script being the target/run/*.sql files of a ` +
            '`strata run --rebuild --threads 1`, in its execution order (run_results.json), each in `begin; ... commit;` -- the same ' +
            'statements on one connection, without strata\'s parse/compile, state bookkeeping (strata_meta) and introspection.'
          : `psql not measured: ${PSQL_INSTALL_HINT}.`,
        'Every contender must leave all relations in place: strata must report PASS for every model, psql one COMMIT per model.',
        ...failureNotes(result.contenders),
        ...[strataCliNote(strata)].filter((n): n is string => n !== null),
      ],
    };
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
}

/** What a failed strata contender reported: its summary line and the distinct database errors. */
function failureNotes(contenders: ContenderSummary[]): string[] {
  return contenders.flatMap((c) => {
    if (!c.error) return [];
    const summary = /PASS=\d+ WARN=\d+ ERROR=\d+ SKIP=\d+ TOTAL=\d+/.exec(c.error)?.[0];
    const dbErrors = [...new Set(c.error.match(/^DB .*$/gm) ?? [])].map((e) => e.replace(/\d{3,}/g, 'N'));
    const notes = [`${c.name} failed${summary ? ` (${summary})` : ''}${dbErrors.length ? `: ${[...new Set(dbErrors)].join('; ')}` : ''}.`];
    if (/deadlock detected|could not open relation with OID/.test(c.error)) {
      notes.push(
        'Known strata issue (not a harness problem): with more than one thread, two tables rebuilt concurrently that share a ' +
          'dependent view both drop and recreate that view in their swap transactions (deadlock, SQLSTATE 40P01), or one reads ' +
          'the definition of a view the other just replaced (XX000 "could not open relation with OID").',
      );
    }
    return notes;
  });
}

/** Models the script rebuilds as tables (their files have a "create staging table" statement). */
function countTables(script: string): number {
  return script.split('\n').filter((l) => l === '-- strata: create staging table').length;
}

export const overheadScenario: Scenario = {
  name: 'overhead',
  title: 'run overhead over plain SQL',
  description:
    '`strata run --rebuild` of a built generated project with 1 and 4 threads, compared with psql executing the very ' +
    'statements strata executed (its target/run files, one transaction per model) from one script.',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [
    `--size NAME         small (${fmt(OVERHEAD_SIZES.small)} models), large (${fmt(OVERHEAD_SIZES.large)}, the default), ` +
      `heavy (${fmt(OVERHEAD_SIZES.heavy)} models of ${fmt(ROWS.heavy)} rows), all`,
    STRATA_CLI_USAGE,
    ...DATABASE_USAGE,
  ],
  run(ctx) {
    const strata = strataCli(ctx);
    const psql = psqlFor(ctx);
    return runSizesOnDatabase(ctx, overheadScenario, OVERHEAD_SIZES, (size, db) => measureSize(ctx, size, strata, db, psql));
  },
};
