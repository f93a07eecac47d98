/**
 * PostgreSQL for the scenarios that need one (seed, noop, overhead).
 *
 * Which server: `--database-url URL` (or STRATA_BENCH_DATABASE_URL) when given; otherwise the
 * machine's server at DEFAULT_DATABASE_URL when it answers; otherwise an embedded server started
 * with strata's own API (`ensureEmbeddedServer`, data directory under bench/.work/pg/), stopped
 * again when the scenario releases it. `--embedded-db` skips the first two.
 *
 * Each scenario works in a scratch database of its own (`createScratchDatabase`: dropped first if
 * a previous run left it, dropped again at the end), so strata's `strata_meta` state, the built
 * relations and the psql contender's tables never touch anything else on the server. That needs
 * a role allowed to CREATE DATABASE (root on the system server is a superuser via trust auth; the
 * embedded server's `strata` role is one too).
 *
 * Queries from the harness itself go through strata's adapter (`queryOnce` from the built
 * dist/adapters/postgres), not psql, so they work when psql is not installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './results.js';
import type { ScenarioContext } from './scenario.js';
import { WORK_DIR } from './workdir.js';

/** The machine's PostgreSQL, used when it answers and no URL was given. */
export const DEFAULT_DATABASE_URL = 'postgres://root@127.0.0.1:5432/test';
/** Project directory of the embedded fallback server (its data lives in `.strata/pg/` below it). */
export const EMBEDDED_PROJECT_DIR = join(WORK_DIR, 'pg');

export const DATABASE_OPTIONS = { 'embedded-db': { type: 'boolean' } } as const;
export const DATABASE_USAGE = [
  '--embedded-db       use an embedded PostgreSQL (bench/.work/pg) even when the machine\'s server answers',
];

export const PSQL_INSTALL_HINT =
  'psql not found on PATH: install the PostgreSQL client (Debian/Ubuntu: apt-get install postgresql-client; ' +
  'macOS: brew install libpq) to measure the psql contender';

// ---------------------------------------------------------------------------------------------
// strata's adapter, loaded from the build (bench/ is not part of the build; dist/ may be absent
// at type-check time, hence the dynamic import and the local types)
// ---------------------------------------------------------------------------------------------

interface AdapterTarget {
  name: string;
  type: 'postgres';
  url: string;
  schema: string;
  threads: number;
}

interface AdapterQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

interface EmbeddedServer {
  url: string;
  adminUrl: string;
  port: number;
  startedHere: boolean;
  dataDir: string;
  stop(): Promise<void>;
}

interface StrataPostgres {
  queryOnce(target: AdapterTarget, sql: string, params?: readonly unknown[]): Promise<AdapterQueryResult>;
  ensureEmbeddedServer(projectDir: string, opts?: { database?: string; onLog?: (line: string) => void }): Promise<EmbeddedServer>;
  withDatabase(url: string, database: string): string;
  maskUrl(url: string): string;
}

let adapter: Promise<StrataPostgres> | undefined;
let distDir = join(REPO_ROOT, 'dist');

/**
 * Use the adapter of the build the scenario benchmarks (`strataCli()` calls this with the CLI's
 * path: <dist>/cli/main.js), so --strata-cli builds also serve the harness' own queries.
 */
export function useStrataBuild(cliPath: string): void {
  const dir = dirname(dirname(cliPath));
  if (dir !== distDir) {
    distDir = dir;
    adapter = undefined;
  }
}

function strataPostgres(): Promise<StrataPostgres> {
  const entry = join(distDir, 'adapters', 'postgres', 'index.js');
  if (!existsSync(entry)) return Promise.reject(new Error(`${entry} not found: run \`npm run build\` first`));
  adapter ??= import(pathToFileURL(entry).href) as Promise<StrataPostgres>;
  return adapter;
}

export async function query(url: string, sql: string, params?: readonly unknown[]): Promise<AdapterQueryResult> {
  const pg = await strataPostgres();
  return pg.queryOnce({ name: 'bench', type: 'postgres', url, schema: 'public', threads: 1 }, sql, params);
}

/** First column of the first row, as a number (e.g. `select count(*) ...`). */
export async function queryNumber(url: string, sql: string): Promise<number> {
  const r = await query(url, sql);
  const first = r.rows[0];
  return Number(first ? Object.values(first)[0] : NaN);
}

export async function maskUrl(url: string): Promise<string> {
  return (await strataPostgres()).maskUrl(url);
}

export async function withDatabase(url: string, database: string): Promise<string> {
  return (await strataPostgres()).withDatabase(url, database);
}

// ---------------------------------------------------------------------------------------------
// Choosing the server
// ---------------------------------------------------------------------------------------------

export interface BenchDatabase {
  /** Connection URL of a database on the server with the right to CREATE DATABASE. */
  adminUrl: string;
  source: 'option' | 'system' | 'embedded';
  /** Masked URL and where it came from, for the log and the result notes. */
  description: string;
  /** `select version()`. */
  version: string;
  /** Done with the server (stops an embedded server this scenario started). */
  release(): Promise<void>;
}

async function answers(url: string, timeoutMs = 5_000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const probe = query(url, 'select version() as v').then(
      (r) => String(r.rows[0]?.v ?? ''),
      () => null,
    );
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function acquireDatabase(ctx: ScenarioContext): Promise<BenchDatabase> {
  const noop = async (): Promise<void> => undefined;
  if (ctx.databaseUrl && !ctx.options['embedded-db']) {
    const version = await answers(ctx.databaseUrl);
    if (version === null) throw new Error(`the database at ${await maskUrl(ctx.databaseUrl)} (--database-url) does not answer`);
    return { adminUrl: ctx.databaseUrl, source: 'option', description: `${await maskUrl(ctx.databaseUrl)} (--database-url)`, version, release: noop };
  }
  if (!ctx.options['embedded-db']) {
    const version = await answers(DEFAULT_DATABASE_URL);
    if (version !== null) {
      return { adminUrl: DEFAULT_DATABASE_URL, source: 'system', description: `${DEFAULT_DATABASE_URL} (the machine's server)`, version, release: noop };
    }
    ctx.log(`${DEFAULT_DATABASE_URL} does not answer: starting an embedded PostgreSQL in bench/.work/pg`);
  }
  const pg = await strataPostgres();
  const server = await pg.ensureEmbeddedServer(EMBEDDED_PROJECT_DIR, { database: 'bench', onLog: (l) => ctx.log(`  ${l}`) });
  const version = (await answers(server.adminUrl)) ?? 'unknown';
  return {
    adminUrl: server.adminUrl,
    source: 'embedded',
    description: `embedded PostgreSQL on 127.0.0.1:${server.port} (data: ${server.dataDir})`,
    version,
    release: () => server.stop(),
  };
}

// ---------------------------------------------------------------------------------------------
// Scratch databases
// ---------------------------------------------------------------------------------------------

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Drop `name` if a previous run left it, create it empty, return its URL. */
export async function createScratchDatabase(adminUrl: string, name: string, settings: Record<string, string> = {}): Promise<string> {
  await dropScratchDatabase(adminUrl, name);
  await query(adminUrl, `create database ${quoteIdent(name)}`);
  for (const [k, v] of Object.entries(settings)) {
    await query(adminUrl, `alter database ${quoteIdent(name)} set ${k} = ${v}`);
  }
  return withDatabase(adminUrl, name);
}

/** Drop `name` (disconnecting anything still connected to it). */
export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await query(adminUrl, `drop database if exists ${quoteIdent(name)} with (force)`);
}

// ---------------------------------------------------------------------------------------------
// psql and the project's target
// ---------------------------------------------------------------------------------------------

let psql: string | null | undefined;

const psqlAnswers = (): boolean => spawnSync('psql', ['--version'], { encoding: 'utf8' }).status === 0;

/**
 * On Debian/Ubuntu as root, installs the PostgreSQL client (`apt-get install postgresql-client`)
 * so that the psql contenders run on a fresh machine; elsewhere the caller prints PSQL_INSTALL_HINT.
 */
function installPsql(log: (line: string) => void): boolean {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || spawnSync('apt-get', ['--version'], { encoding: 'utf8' }).status !== 0) return false;
  log('psql not found: installing the PostgreSQL client (apt-get install postgresql-client) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'postgresql-client'], { encoding: 'utf8', env }) : update;
  if (install.status !== 0) log(`  apt-get failed: ${(install.stderr || install.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return psqlAnswers();
}

/** `psql` from PATH (installed from Debian's packages when missing and possible), or null. */
export function findPsql(log: (line: string) => void = console.log): string | null {
  if (psql !== undefined) return psql;
  psql = psqlAnswers() || installPsql(log) ? 'psql' : null;
  return psql;
}

/** findPsql for a scenario: installs through its log, and logs the install hint when psql stays missing. */
export function psqlFor(ctx: ScenarioContext): string | null {
  const found = findPsql(ctx.log);
  if (!found) ctx.log(`${PSQL_INSTALL_HINT}; measuring strata only`);
  return found;
}

export function psqlVersion(): string | null {
  if (!findPsql()) return null;
  const r = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The env var the generated projects' target reads its URL from. */
export const BENCH_URL_ENV = 'BENCH_DATABASE_URL';

/** `targets:` section appended to a generated project.yml (target `bench`). */
export function benchTargetYml(schema = 'bench', threads = 4): string {
  return `
targets:
  bench:
    type: postgres
    url: "{{ env_var('${BENCH_URL_ENV}') }}"
    schema: ${schema}
    threads: ${threads}
`;
}

/**
 * `checkpoint` (superuser or pg_checkpoint), ignoring a refusal: run untimed before each run so no
 * run pays for writing back what the previous one left dirty (a spread checkpoint in progress
 * competes with the commits' WAL flushes).
 */
export async function checkpoint(url: string): Promise<void> {
  await query(url, 'checkpoint').catch(() => undefined);
}
