/**
 * load: `strata load` of one large raw file (issue 5's speed target). A generated pipe-delimited
 * file of 32 fields in the shape of Freddie Mac's monthly performance file, loaded by
 * `strata load --reload` (streaming, validation, sha1, `_line`, ledger) and, for reference, by a
 * server-side `COPY <table> FROM '<path>'` of the same file into a table of the same shape as
 * strata's raw table (the reference: ratio 1), and into a bare 32-text-column table (context).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DEFAULT_SEED } from '../generate-project.js';
import { alternate, type Contender, type Measurement } from '../lib/alternate.js';
import {
  BENCH_URL_ENV,
  DATABASE_OPTIONS,
  DATABASE_USAGE,
  benchTargetYml,
  checkpoint,
  createScratchDatabase,
  dropScratchDatabase,
  findPsql,
  query,
  type BenchDatabase,
} from '../lib/database.js';
import { PERF_COLUMNS, writePerfFile } from '../lib/loan-perf-file.js';
import { runSizesOnDatabase } from '../lib/database-scenario.js';
import { machineFacts } from '../lib/machine.js';
import { logRuns } from '../lib/progress.js';
import { BENCH_DIR, REPO_ROOT, evaluateTargets, type ResultGroup, type TargetSpec } from '../lib/results.js';
import { runCommand, type RunResult } from '../lib/run-command.js';
import type { Scenario, ScenarioContext } from '../lib/scenario.js';
import { STRATA_CLI_OPTION, STRATA_CLI_USAGE, runStrata, strataCli, strataCliNote } from '../lib/strata-cli.js';
import { WORK_DIR, ensureGenerated, fingerprint } from '../lib/workdir.js';

/** File sizes (decimal bytes). */
export const LOAD_SIZES = { small: 50_000_000, large: 2_000_000_000 } as const;
type SizeName = keyof typeof LOAD_SIZES;

const SCRATCH_DB = 'strata_bench_load';
const SOURCE_SCHEMA = 'bench_raw';
const TABLE = 'freddie_perf';
const STRATA_TABLE = `${SOURCE_SCHEMA}.${TABLE}`;
const SHAPED_TABLE = `copy_shaped.${TABLE}`;
const BARE_TABLE = `copy_bare.${TABLE}`;
const CLIENT_TABLE = `copy_client.${TABLE}`;
/** Same length as strata's batch ids (`20250101T000000Z-abcdef`), so the stored rows are as wide. */
const REF_BATCH_ID = '20000101T000000Z-c0c0c0';

const COPY_SHAPED = 'server COPY FROM file (raw table shape)';
const STRATA = 'strata load --reload';
const COPY_BARE = 'server COPY FROM file (bare table)';
const PSQL_COPY = 'psql \\copy (raw table shape)';

const fmt = (n: number): string => n.toLocaleString('en-US');
const mbOf = (bytes: number): string => `${fmt(Math.round(bytes / 1e6))} MB`;
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const COPY_OPTIONS = "(FORMAT text, DELIMITER '|', NULL '')";

function targetsFor(size: SizeName): TargetSpec[] {
  if (size !== 'large') return [];
  return [
    {
      label: `strata load, ${mbOf(LOAD_SIZES.large)}: ≥ 0.9× the throughput of server-side COPY into the same table shape (time ratio ≤ 1.11)`,
      contender: STRATA,
      metric: 'ratio',
      op: '<=',
      value: 1 / 0.9,
    },
    { label: `strata load, ${mbOf(LOAD_SIZES.large)}: peak RSS ≤ 150 MB`, contender: STRATA, metric: 'peakRssBytes', op: '<=', value: 150e6 },
  ];
}

/** The load project: project.yml (target `bench`), models/sources.yml (one loaded source), data/<file>. */
function generateLoadProject(dir: string, targetBytes: number, seed: number): { rows: number; bytes: number } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'models'), { recursive: true, mode: 0o755 });
  mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'project.yml'), `name: bench_load\nversion: '1.0.0'\nconfig-version: 2\n${benchTargetYml('bench', 4)}`);
  writeFileSync(
    join(dir, 'models', 'sources.yml'),
    [
      'version: 2',
      'sources:',
      `  - name: ${SOURCE_SCHEMA}`,
      `    schema: ${SOURCE_SCHEMA}`,
      '    tables:',
      `      - name: ${TABLE}`,
      '        load:',
      '          files: "data/historical_data_time_*.txt"',
      '          format: delimited',
      '          delimiter: "|"',
      '          header: false',
      "          null_values: ['']",
      '          columns:',
      ...PERF_COLUMNS.map((c) => `            - ${c}`),
      '',
    ].join('\n'),
  );
  const r = writePerfFile(join(dir, 'data', 'historical_data_time_2019Q4.txt'), targetBytes, seed);
  writeFileSync(join(dir, 'data.json'), JSON.stringify(r));
  return r;
}

/** Columns, types, collations and defaults of a table, and its indexes (access method, key, options). */
async function tableShape(url: string, table: string): Promise<string> {
  const cols = await query(
    url,
    `select a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || coalesce(' collate ' || nullif(co.collname, 'default'), '')
            || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') as col
       from pg_attribute a
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
       left join pg_collation co on co.oid = a.attcollation
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [table],
  );
  const idx = await query(
    url,
    `select am.amname || ' (' || pg_get_indexdef(i.indexrelid, 1, true) || ')' || coalesce(' with ' || array_to_string(c.reloptions, ','), '') as ix
       from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
      where i.indrelid = $1::regclass order by 1`,
    [table],
  );
  return [...cols.rows.map((r) => String(r.col)), ...idx.rows.map((r) => `index: ${String(r.ix)}`)].join('; ');
}

async function measureSize(ctx: ScenarioContext, size: SizeName, strata: string, db: BenchDatabase): Promise<ResultGroup> {
  const targetBytes = LOAD_SIZES[size];
  const seed = DEFAULT_SEED;
  const projectDir = join(WORK_DIR, `load-${Math.round(targetBytes / 1e6)}mb`);
  const file = join(projectDir, 'data', 'historical_data_time_2019Q4.txt');
  const stamp = {
    kind: 'load',
    targetBytes,
    seed,
    project: 1, // bump when generateLoadProject changes
    generator: fingerprint(join(BENCH_DIR, 'lib', 'loan-perf-file.ts'), join(BENCH_DIR, 'lib', 'database.ts')),
  };
  const t0 = performance.now();
  let data = { rows: 0, bytes: 0 };
  const generated = ensureGenerated(projectDir, stamp, () => void (data = generateLoadProject(projectDir, targetBytes, seed)));
  if (generated) {
    ctx.log(`generated ${relative(REPO_ROOT, file)} (${fmt(data.rows)} rows, ${mbOf(data.bytes)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    data = JSON.parse(readFileSync(join(projectDir, 'data.json'), 'utf8')) as typeof data;
  }
  const { rows, bytes } = data;

  const url = await createScratchDatabase(db.adminUrl, SCRATCH_DB);
  try {
    // The server reads the file itself (as its own OS user, e.g. postgres): check it can.
    try {
      await query(url, 'select pg_read_binary_file($1, 0, 1)', [file]);
    } catch (e) {
      throw new Error(
        `the database server cannot read ${file} (${e instanceof Error ? e.message : String(e)}): server-side COPY needs the server on this ` +
          'machine, a superuser (or pg_read_server_files) role, and the file readable by the server\'s OS user (world-readable file, ' +
          'world-executable directories)',
      );
    }

    // An untimed first load: creates strata_meta (whose default functions the shaped table uses),
    // the raw table and the ledger entry, and checks the project loads at all.
    ctx.log(`load ${size}: first (untimed) strata load into the scratch database`);
    const first = await runStrata(strata, projectDir, url, ['load'], { timeoutMs: 30 * 60_000 });
    if (first.exitCode !== 0) throw new Error(`the first strata load failed (exit ${first.exitCode}):\n${(first.stdout + first.stderr).slice(-3000)}`);

    // The reference table, built like src/load/raw-table.ts builds a raw table (createSql + ensureFileIndex).
    const cols = PERF_COLUMNS.map((c) => `"${c}" text`);
    await query(
      url,
      `create schema copy_shaped;
       create table ${SHAPED_TABLE} (
         ${cols.join(',\n         ')},
         "_file" text COLLATE "C" DEFAULT strata_meta.load_file(),
         "_line" bigint,
         "_batch_id" text DEFAULT strata_meta.load_batch(),
         "_loaded_at" timestamptz DEFAULT strata_meta.load_time()
       );
       create index ${TABLE}_ref_file on ${SHAPED_TABLE} using brin ("_file") with (pages_per_range = 32);
       create schema copy_client;
       create table ${CLIENT_TABLE} (like ${SHAPED_TABLE} including all);
       create schema copy_bare;
       create table ${BARE_TABLE} (${cols.join(', ')});`,
    );
    const strataShape = await tableShape(url, STRATA_TABLE);
    const shapedShape = await tableShape(url, SHAPED_TABLE);
    if (strataShape.replace(/index: \S+ \(/g, 'index: (') !== shapedShape.replace(/index: \S+ \(/g, 'index: (')) {
      throw new Error(`the reference table differs from strata's raw table:\n  strata:    ${strataShape}\n  reference: ${shapedShape}`);
    }

    const psql = findPsql(ctx.log);
    /** Server-side COPY of the file into `table` in one transaction (with strata's file/batch settings for the shaped table). */
    const serverCopy = (table: string, settings: boolean): Promise<RunResult> => {
      const statements = [
        'begin',
        ...(settings ? [`select set_config('strata.load_file', ${lit(file)}, true), set_config('strata.batch_id', ${lit(REF_BATCH_ID)}, true)`] : []),
        `copy ${table} (${PERF_COLUMNS.map((c) => `"${c}"`).join(', ')}) from ${lit(file)} with ${COPY_OPTIONS}`,
        'commit',
      ];
      if (psql) return runCommand(psql, [url, '-X', '-v', 'ON_ERROR_STOP=1', ...statements.flatMap((s) => ['-c', s])], { cwd: REPO_ROOT, timeoutMs: 30 * 60_000 });
      // No psql: the same statements through strata's adapter in a node process.
      const adapter = join(strata, '..', '..', 'adapters', 'postgres', 'index.js');
      const script =
        `const pg = await import(${JSON.stringify(`file://${adapter}`)});` +
        `const t = { name: 'bench', type: 'postgres', url: process.env.${BENCH_URL_ENV}, schema: 'public', threads: 1 };` +
        `const r = await pg.queryOnce(t, ${JSON.stringify(statements.join(';\n'))});` +
        `const last = Array.isArray(r) ? r.at(-2) : r; console.log('COPY ' + (last?.rowCount ?? ''));`;
      return runCommand(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: { [BENCH_URL_ENV]: url }, timeoutMs: 30 * 60_000 });
    };
    /** psql's client-side \copy of the file into `table` (raw table shape, strata's settings), in one transaction. */
    const psqlCopy = (table: string): Promise<RunResult> => {
      const statements = [
        'begin',
        `select set_config('strata.load_file', ${lit(file)}, true), set_config('strata.batch_id', ${lit(REF_BATCH_ID)}, true)`,
        `\\copy ${table} (${PERF_COLUMNS.map((c) => `"${c}"`).join(', ')}) from ${lit(file)} with ${COPY_OPTIONS}`,
        'commit',
      ];
      return runCommand(psql!, [url, '-X', '-v', 'ON_ERROR_STOP=1', ...statements.flatMap((st) => ['-c', st])], { cwd: REPO_ROOT, timeoutMs: 30 * 60_000 });
    };
    // strata knows a file inside the project by its project-relative path; the COPY contenders set the absolute one.
    const strataFile = relative(projectDir, file).split(sep).join('/');
    const counts = async (table: string): Promise<{ n: number; lines: number; maxLine: number; files: number }> => {
      const shaped = table !== BARE_TABLE;
      const r = await query(
        url,
        shaped
          ? `select count(*)::bigint as n, count("_line")::bigint as lines, coalesce(max("_line"), 0)::bigint as max_line,
                    count(*) filter (where "_file" = $1 and "_batch_id" is not null and "_loaded_at" is not null)::bigint as files from ${table}`
          : `select count(*)::bigint as n, 0 as lines, 0 as max_line, 0 as files from ${table} where $1::text is not null`,
        [table === STRATA_TABLE ? strataFile : file],
      );
      const row = r.rows[0] ?? {};
      return { n: Number(row.n), lines: Number(row.lines), maxLine: Number(row.max_line), files: Number(row.files) };
    };
    const verifyCopy = (table: string) => async (m: Measurement): Promise<string | null> => {
      if (psql !== null && !(m.stdout ?? '').includes(`COPY ${rows}`)) return `expected "COPY ${rows}", got: ${(m.stdout ?? '').trim()}`;
      const c = await counts(table);
      if (c.n !== rows) return `${table} has ${c.n} rows, expected ${rows}`;
      if (table !== BARE_TABLE && c.files !== rows) return `${table}: ${rows - c.files} rows lack _file = the file, _batch_id or _loaded_at`;
      return null;
    };
    const prepare = (table: string) => async (): Promise<void> => {
      await query(url, `truncate ${table}`);
      await checkpoint(url);
    };

    const contenders: Contender[] = [
      { name: COPY_SHAPED, prepare: prepare(SHAPED_TABLE), run: () => serverCopy(SHAPED_TABLE, true), verify: verifyCopy(SHAPED_TABLE) },
      {
        name: STRATA,
        prepare: prepare(STRATA_TABLE),
        run: () => runStrata(strata, projectDir, url, ['load', '--reload'], { timeoutMs: 30 * 60_000 }),
        verify: async (m: Measurement) => {
          const out = `${m.stdout ?? ''}\n${m.stderr ?? ''}`;
          if (!out.includes(`Loaded 1 file (${fmt(rows)} rows)`)) return `expected "Loaded 1 file (${fmt(rows)} rows)" in strata's output:\n${out.slice(-1500)}`;
          const c = await counts(STRATA_TABLE);
          if (c.n !== rows) return `${STRATA_TABLE} has ${c.n} rows, expected ${rows}`;
          if (c.lines !== rows || c.maxLine !== rows) return `${STRATA_TABLE}: _line set on ${c.lines} rows, max ${c.maxLine}; expected 1..${rows}`;
          if (c.files !== rows) return `${STRATA_TABLE}: ${rows - c.files} rows lack _file = the file, _batch_id or _loaded_at`;
          const l = await query(
            url,
            `select count(*) filter (where status = 'loaded')::int as loaded,
                    max(rows_loaded) filter (where status = 'loaded')::bigint as rows_loaded,
                    max(rows_quarantined) filter (where status = 'loaded')::bigint as quarantined,
                    max(size) filter (where status = 'loaded')::bigint as size
               from strata_meta.load_ledger where file_uri = $1`,
            [strataFile],
          );
          const e = l.rows[0] ?? {};
          if (Number(e.loaded) !== 1 || Number(e.rows_loaded) !== rows || Number(e.quarantined) !== 0 || Number(e.size) !== bytes) {
            return `ledger entry of ${strataFile}: ${JSON.stringify(e)}; expected 1 loaded entry with ${rows} rows, 0 quarantined, size ${bytes}`;
          }
          return null;
        },
      },
      { name: COPY_BARE, prepare: prepare(BARE_TABLE), run: () => serverCopy(BARE_TABLE, false), verify: verifyCopy(BARE_TABLE) },
      // Client-side streaming like strata's, without validation, line numbers or ledger (needs psql).
      ...(psql ? [{ name: PSQL_COPY, prepare: prepare(CLIENT_TABLE), run: () => psqlCopy(CLIENT_TABLE), verify: verifyCopy(CLIENT_TABLE) }] : []),
    ];

    ctx.log(`load ${size}: ${fmt(rows)} rows, ${mbOf(bytes)}; ${contenders.map((c) => c.name).join(' / ')}`);
    const result = await alternate(contenders, { warmup: ctx.warmup, runs: ctx.runs, onRun: logRuns(ctx) });
    for (const t of [SHAPED_TABLE, STRATA_TABLE, BARE_TABLE, CLIENT_TABLE]) await query(url, `truncate ${t}`);

    const notes = [
      `Database: ${db.version.split(' on ')[0]}, ${db.source === 'embedded' ? 'embedded server' : 'server'} at 127.0.0.1 on the same machine, scratch database \`${SCRATCH_DB}\` (dropped afterwards). Before every run (untimed) the contender's table is truncated and a \`checkpoint\` runs, so every run loads into an empty table.`,
      `The server reads the file itself (server-side COPY): it lies in \`${relative(REPO_ROOT, file)}\` (mode 0644, directories 0755), readable by the server's OS user (postgres); the scenario checks that with \`pg_read_binary_file\` first. The COPY contenders run \`begin; ...; copy <table> (<32 columns>) from '<file>' with ${COPY_OPTIONS}; commit\` through ${psql ? '`psql -X -v ON_ERROR_STOP=1 -c ...` (which must print `COPY <rows>`)' : 'a node process using strata\'s adapter (psql not installed)'}.`,
      `${COPY_SHAPED} (the reference, ratio 1): a table created like strata's raw table (src/load/raw-table.ts: the 32 columns as text, \`_file text COLLATE "C" DEFAULT strata_meta.load_file()\`, \`_line bigint\`, \`_batch_id DEFAULT strata_meta.load_batch()\`, \`_loaded_at DEFAULT strata_meta.load_time()\`, BRIN on \`_file\` with pages_per_range = 32; checked against strata's table in the catalog). The transaction sets \`strata.load_file\` / \`strata.batch_id\` as strata's does, so \`_file\`, \`_batch_id\` and \`_loaded_at\` hold the same values in every row. **\`_line\` stays NULL**: a server-side COPY of the raw file cannot number its lines, so strata's table stores 8 bytes more per row (the bigint) and strata sends \`|<line>\` with every row.`,
      `${STRATA}: the shipped loader with validation (field counts, UTF-8, NUL bytes), sha1 of the file, \`_line\`, the ledger entry and the file's transaction; the file streams from the client over local TCP. \`--reload\` because the file is already in the ledger (an untimed first \`strata load\` created the raw table and strata_meta); since the table was truncated first, the DELETE of the file's previous rows finds nothing. Checks after each run: the "Loaded 1 file (${fmt(rows)} rows)" line, the row count, \`_line\` 1..${fmt(rows)}, \`_file\`/\`_batch_id\`/\`_loaded_at\` on every row, one \`loaded\` ledger entry with ${fmt(rows)} rows, 0 quarantined and the file's size.`,
      `${COPY_BARE}: the same COPY into a table of only the 32 text columns, for context (what the metadata columns and the BRIN index cost).`,
      psql
        ? `${PSQL_COPY}: \`psql -c begin -c "select set_config(...)" -c "\\copy ${CLIENT_TABLE} (<32 columns>) from '<file>' with ${COPY_OPTIONS}" -c commit\` into a copy of the reference table (\`like ... including all\`): the file streamed from the client as strata streams it, with no validation, \`_line\`, checksum or ledger (\`_line\` stays NULL).`
        : `${PSQL_COPY}: not measured (psql not found).`,
      'Peak RSS is the process tree of the command (strata: the node process; the server backend is not in it). For the COPY contenders it is psql\'s, not the server\'s.',
      ...[strataCliNote(strata)].filter((n): n is string => n !== null),
    ];
    return {
      name: `${size}: ${mbOf(bytes)}, ${fmt(rows)} rows`,
      sortKey: bytes,
      description:
        `One generated pipe-delimited file, ${mbOf(bytes)} (${fmt(bytes)} bytes), ${fmt(rows)} rows × 32 fields in the shape of Freddie Mac's monthly ` +
        'performance file (loan id, YYYYMM periods, balances, codes, many empty fields; bench/lib/loan-perf-file.ts, deterministic), ' +
        "loaded by one `load:` source (delimiter '|', null_values [''], no header).",
      date: new Date().toISOString(),
      gitCommit: machineFacts({ cwd: REPO_ROOT }).gitCommit,
      warmup: result.warmup,
      runs: result.runs,
      contenders: result.contenders,
      targets: evaluateTargets(targetsFor(size), result.contenders),
      notes,
    };
  } finally {
    await dropScratchDatabase(db.adminUrl, SCRATCH_DB);
  }
}

export const loadScenario: Scenario = {
  name: 'load',
  title: 'load a raw file',
  description:
    '`strata load --reload` of a generated 32-field pipe-delimited file (Freddie Mac monthly-performance shape), compared with a ' +
    'server-side `COPY <table> FROM \'<file>\'` of the same file into a table of the same shape (the reference: ratio = strata / COPY per round) ' +
    'and into a bare 32-column table.',
  options: { ...STRATA_CLI_OPTION, ...DATABASE_OPTIONS },
  usage: [
    `--size NAME         small (${mbOf(LOAD_SIZES.small)} file), large (${mbOf(LOAD_SIZES.large)}, the default), all`,
    STRATA_CLI_USAGE,
    ...DATABASE_USAGE,
  ],
  run(ctx) {
    const strata = strataCli(ctx);
    return runSizesOnDatabase(ctx, loadScenario, LOAD_SIZES, (size, db) => measureSize(ctx, size, strata, db));
  },
};
