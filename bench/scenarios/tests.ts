/**
 * tests: ten column tests on a large table, fused into one scan per model (`strata test`, the
 * default) against one query per test (`strata test --no-fuse`, what dbt does; dbt-core #4346).
 * Both are the same CLI on the same compiled project: only the execution strategy differs.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type Contender, type Measurement } from '../lib/alternate.js';
import {
  BENCH_URL_ENV, DATABASE_OPTIONS, DATABASE_USAGE, benchTargetYml, checkpoint, createScratchDatabase,
  dropScratchDatabase, query, type BenchDatabase,
} from '../lib/database.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import { REPO_ROOT, evaluateTargets, type ResultGroup, type TargetSpec } from '../lib/results.js';
import { runCommand } from '../lib/run-command.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { STRATA_CLI_OPTION, STRATA_CLI_USAGE, strataCli, strataCliNote } from '../lib/strata-cli.js';
import { WORK_DIR } from '../lib/workdir.js';

export const TESTS_SIZES = { small: 200_000, large: 5_000_000 } as const;
type SizeName = keyof typeof TESTS_SIZES;

const SCRATCH_DB = 'strata_bench_tests';
const UNFUSED = 'strata test --no-fuse (one query per test)';
const FUSED = 'strata test (fused)';
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Ten column tests, the mix of a typical fact table: one unique key, the rest row-level checks. */
const PROPERTIES = `version: 2
sources:
  - name: bench
    schema: bench_data
    tables:
      - name: orders
        static: true
        columns:
          - name: id
            data_tests: [unique, not_null]
          - name: customer_id
            data_tests: [not_null]
          - name: status
            data_tests:
              - not_null
              - accepted_values:
                  values: [placed, shipped, completed, returned]
          - name: amount
            data_tests:
              - not_null
              - accepted_range: {min_value: 0, max_value: 100000}
          - name: ordered_at
            data_tests: [not_null]
          - name: channel
            data_tests:
              - accepted_values:
                  values: [web, store, phone]
          - name: discount
            data_tests:
              - accepted_range: {min_value: 0, max_value: 1}
`;

function writeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'project.yml'), `name: bench_tests\n${benchTargetYml('bench', 4)}`);
  writeFileSync(join(dir, 'models', 'sources.yml'), PROPERTIES);
}

async function createTable(url: string, rows: number): Promise<void> {
  await query(url, `create schema if not exists bench_data; drop table if exists bench_data.orders;
    create table bench_data.orders as
      select g as id, (1 + (g::bigint * 7919) % 100000)::int as customer_id,
             (array['placed', 'shipped', 'completed', 'returned'])[1 + g % 4] as status,
             ((g * 37) % 100000)::numeric(12, 2) as amount, timestamp '2020-01-01' + (g % 1000) * interval '1 hour' as ordered_at,
             (array['web', 'store', 'phone'])[1 + g % 3] as channel, ((g % 100) / 100.0)::numeric(4, 2) as discount
        from generate_series(1, ${rows}) g;
    analyze bench_data.orders;`);
  // Set hint bits now so the first timed scan does not pay for them.
  await query(url, 'select count(*) from bench_data.orders');
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase): Promise<ResultGroup> {
  const rows = TESTS_SIZES[size];
  const projectDir = join(WORK_DIR, `tests-${size}`);
  writeProject(projectDir);
  const url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
  try {
    await createTable(url, rows);
    const env = { [BENCH_URL_ENV]: url };
    const verify = (m: Measurement): string | null =>
      /PASS=10 WARN=0 ERROR=0/.test(m.stdout ?? '') ? null : `expected PASS=10 WARN=0 ERROR=0:\n${(m.stdout ?? '').slice(-800)}`;
    const contender = (name: string, extra: string[]): Contender => ({
      name,
      prepare: () => checkpoint(url),
      run: () => runCommand(process.execPath, [strata, '--project-dir', projectDir, '--target', 'bench', 'test', '--threads', '1', ...extra], { cwd: REPO_ROOT, env }),
      verify,
    });
    const contenders = [contender(UNFUSED, ['--no-fuse']), contender(FUSED, [])];
    ctx.log(`tests ${size}: ${fmt(rows)} rows, 10 column tests`);
    const result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
    const targets: TargetSpec[] = size === 'large'
      ? [{ label: `10 column tests on ${fmt(rows)} rows, fused ≤ 1/3 of one query per test`, contender: FUSED, metric: 'ratio', op: '<=', value: 1 / 3 }]
      : [];
    return {
      name: `${size}: ${fmt(rows)} rows`,
      sortKey: rows,
      description: `A ${fmt(rows)}-row table (7 columns) with 10 column tests: unique + not_null on the key, 5 more not_null, 2 accepted_values, 2 accepted_range.`,
      date: new Date().toISOString(),
      gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
      warmup: result.warmup,
      runs: result.runs,
      contenders: result.contenders,
      targets: evaluateTargets(targets, result.contenders),
      notes: [
        `Database: ${db.version.split(' on ')[0]}, scratch database \`${SCRATCH_DB}\` (dropped afterwards); the table is analyzed and scanned once before timing; a checkpoint runs untimed before every run.`,
        'Both contenders are the same `strata test --threads 1` on the same project: the unfused one runs each test as its own count query (dbt\'s way, with the session\'s settings), the fused one computes all 10 in one statement (the row-level tests in a parallel scan, the unique test as a sort of keys next to it, with `scan_work_mem` at its default 256MB). Every run must report PASS=10.',
        ...[strataCliNote(strata)].filter((n): n is string => n !== null),
      ],
    };
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
}

export const testsScenario: Scenario = {
  name: 'tests',
  title: 'fused data tests',
  description: '10 column tests on one large table: `strata test` (fused scans) against `strata test --no-fuse` (one query per test, as dbt runs them).',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [`--size NAME         small (${fmt(TESTS_SIZES.small)} rows), large (${fmt(TESTS_SIZES.large)}, the default), all`, STRATA_CLI_USAGE, ...DATABASE_USAGE],
  run(ctx) {
    const strata = strataCli(ctx);
    return runSizesOnDatabase(ctx, testsScenario, TESTS_SIZES, (size, db) => measureSize(ctx, size, strata, db));
  },
};
