/**
 * seed: loading a large CSV seed. `strata seed --full-refresh` (infer types, create a staged table,
 * COPY, swap it in) against psql's `\copy ... with (format csv, header)` into a pre-created table
 * of the same column types -- the floor for getting a CSV file into PostgreSQL from a client.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_SEED } from '../generate-project.js';
import { alternate, type Contender, type Measurement } from '../lib/alternate.js';
import {
  BENCH_URL_ENV,
  DATABASE_OPTIONS,
  DATABASE_USAGE,
  PSQL_INSTALL_HINT,
  checkpoint,
  benchTargetYml,
  createScratchDatabase,
  dropScratchDatabase,
  psqlFor,
  query,
  queryNumber,
  type BenchDatabase,
} from '../lib/database.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import { BENCH_DIR, REPO_ROOT, evaluateTargets, type ResultGroup, type TargetSpec } from '../lib/results.js';
import { runCommand } from '../lib/run-command.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { ORDERS_COLUMNS, writeOrdersCsv } from '../lib/seed-csv.js';
import { STRATA_CLI_OPTION, STRATA_CLI_USAGE, strataCli, strataCliNote } from '../lib/strata-cli.js';
import { WORK_DIR, ensureGenerated, fingerprint } from '../lib/workdir.js';

export const SEED_SIZES = { small: 50_000, large: 1_000_000 } as const;
type SizeName = keyof typeof SEED_SIZES;

const SCRATCH_DB = 'strata_bench_seed';
const PSQL_SCHEMA = 'psql_copy';
const STRATA = 'strata seed --full-refresh';
const PSQL = 'psql \\copy (csv, header)';

const fmt = (n: number): string => n.toLocaleString('en-US');

function targetsFor(size: SizeName, withPsql: boolean): TargetSpec[] {
  if (!withPsql || size !== 'large') return [];
  return [{ label: `strata seed, ${fmt(SEED_SIZES.large)} rows ≤ 1.5× psql \\copy`, contender: STRATA, metric: 'ratio', op: '<=', value: 1.5 }];
}

/** The seed project: project.yml (target `bench`) and seeds/orders.csv. */
function generateSeedProject(dir: string, rows: number, seed: number): number {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'seeds'), { recursive: true });
  writeFileSync(
    join(dir, 'project.yml'),
    `name: bench_seed\nversion: '1.0.0'\nconfig-version: 2\n\nseed-paths: ["seeds"]\n${benchTargetYml('bench', 4)}`,
  );
  return writeOrdersCsv(join(dir, 'seeds', 'orders.csv'), rows, seed);
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase, psql: string | null): Promise<ResultGroup> {
  const rows = SEED_SIZES[size];
  const seed = DEFAULT_SEED;
  const projectDir = join(WORK_DIR, `seed-${rows}`);
  const csv = join(projectDir, 'seeds', 'orders.csv');
  const stamp = { kind: 'seed', rows, seed, generator: fingerprint(join(BENCH_DIR, 'lib', 'seed-csv.ts'), join(BENCH_DIR, 'lib', 'database.ts')) };
  const t0 = performance.now();
  let bytes = 0;
  if (ensureGenerated(projectDir, stamp, () => void (bytes = generateSeedProject(projectDir, rows, seed)))) {
    ctx.log(`generated ${relative(REPO_ROOT, csv)} (${fmt(rows)} rows, ${(bytes / 1e6).toFixed(1)} MB) in ${(performance.now() - t0).toFixed(0)} ms`);
  }

  const url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
  try {
    const env = { [BENCH_URL_ENV]: url };
    // A checkpoint before every run (untimed): each load starts with no dirty buffers of the
    // previous one to write back, whichever contender ran before it.
    const beforeRun = (): Promise<void> => checkpoint(url);
    const countRows = (table: string): Promise<number> => queryNumber(url, `select count(*) from ${table}`);
    const columnTypes = async (schema: string): Promise<string> => {
      const r = await query(
        url,
        `select column_name, data_type from information_schema.columns
          where table_schema = $1 and table_name = 'orders' order by ordinal_position`,
        [schema],
      );
      return r.rows.map((c) => `${String(c.column_name)} ${String(c.data_type)}`).join(', ');
    };
    const expectedTypes = ORDERS_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ');

    const contenders: Contender[] = [];
    if (psql) {
      const table = `${PSQL_SCHEMA}.orders`;
      contenders.push({
        name: PSQL,
        prepare: async () => {
          await query(
            url,
            `drop schema if exists ${PSQL_SCHEMA} cascade; create schema ${PSQL_SCHEMA};
             create table ${table} (${ORDERS_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')})`,
          );
          await checkpoint(url);
        },
        run: () =>
          runCommand(psql, [url, '-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy ${table} from '${csv}' with (format csv, header)`], { cwd: REPO_ROOT }),
        verify: async (m: Measurement) => {
          if (!(m.stdout ?? '').includes(`COPY ${rows}`)) return `expected "COPY ${rows}" in psql's output, got: ${(m.stdout ?? '').trim()}`;
          const n = await countRows(table);
          return n === rows ? null : `${table} has ${n} rows, expected ${rows}`;
        },
      });
    }
    contenders.push({
      name: STRATA,
      prepare: beforeRun,
      run: () =>
        runCommand(process.execPath, [strata, '--project-dir', projectDir, '--target', 'bench', 'seed', '--full-refresh'], { cwd: REPO_ROOT, env }),
      verify: async (m: Measurement) => {
        const out = m.stdout ?? '';
        if (!/PASS=1\b/.test(out)) return `expected PASS=1 in strata's output:\n${out.slice(-1000)}`;
        const n = await countRows('bench.orders');
        if (n !== rows) return `bench.orders has ${n} rows, expected ${rows}`;
        const types = await columnTypes('bench');
        return types === expectedTypes ? null : `strata's column types (${types}) differ from the psql table's (${expectedTypes})`;
      },
    });

    ctx.log(`seed ${size}: ${fmt(rows)} rows; ${contenders.map((c) => c.name).join(' / ')}`);
    const result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
    const notes = [
      `Database: ${db.version.split(' on ')[0]}, ${db.source === 'embedded' ? 'embedded server' : 'server'} at 127.0.0.1, scratch database \`${SCRATCH_DB}\` (dropped afterwards). A \`checkpoint\` runs untimed before every run.`,
      psql
        ? `psql: \`psql -X -v ON_ERROR_STOP=1 -c "\\copy ${PSQL_SCHEMA}.orders from '<file>' with (format csv, header)"\` into a table (re)created before each run with the types strata infers (${expectedTypes}); the reference (ratio 1). Both read the file client-side and stream it over the same local TCP connection.`
        : `psql not measured: ${PSQL_INSTALL_HINT}.`,
      'strata: `strata seed --full-refresh` in its transaction: pass 1 scans the file\'s bytes and infers the column types from every value; ' +
        'the file itself streams into `COPY ... (FORMAT csv, HEADER, FORCE_NULL ...)` of a staged table, which is then swapped in. ' +
        'For a file over 1 MiB the COPY starts after the first MiB is scanned and each further MiB follows once scanned (types checked against the whole file; ' +
        'a change would restart the load). Nothing is cached between runs: every run infers from scratch.',
      ...[strataCliNote(strata)].filter((n): n is string => n !== null),
    ];
    return {
      name: `${size}: ${fmt(rows)} rows`,
      sortKey: rows,
      description:
        `One CSV seed of ${fmt(rows)} rows × 7 columns (integer ×2, numeric ×2, date, text ×2; ~10% quoted fields with commas, ` +
        '~1% with embedded quotes, ~5% empty), generated deterministically (bench/lib/seed-csv.ts).',
      date: new Date().toISOString(),
      gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
      warmup: result.warmup,
      runs: result.runs,
      contenders: result.contenders,
      targets: evaluateTargets(targetsFor(size, psql !== null), result.contenders),
      notes,
    };
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
}

export const seedScenario: Scenario = {
  name: 'seed',
  title: 'load a CSV seed',
  description:
    '`strata seed --full-refresh` of a generated 7-column CSV seed, compared with psql `\\copy` of the same file into a ' +
    'pre-created table of the same types (the reference: ratio = strata / psql per round).',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [
    `--size NAME         small (${fmt(SEED_SIZES.small)} rows), large (${fmt(SEED_SIZES.large)}, the default), all`,
    STRATA_CLI_USAGE,
    ...DATABASE_USAGE,
  ],
  run(ctx) {
    const strata = strataCli(ctx);
    const psql = psqlFor(ctx);
    return runSizesOnDatabase(ctx, seedScenario, SEED_SIZES, (size, db) => measureSize(ctx, size, strata, db, psql));
  },
};
