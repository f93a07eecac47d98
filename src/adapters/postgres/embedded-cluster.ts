/**
 * The embedded cluster on disk: initdb on first use, our settings file, and pg_ctl start/stop,
 * run as the right OS user. embedded-server.ts decides *when* to call these (under the lock).
 *
 * Settings live in data/strata.conf (included from postgresql.conf and rewritten at every
 * start); only the port is passed on pg_ctl's command line, because pg_ctl hands `-o` to a shell.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { StrataError } from '../../errors/strata-error.js';
import { checkUserAccess, isRoot, resolveServerUser, runTool, type OsUser, type PgBinaries } from './embedded-binaries.js';
import { readState, runningPostmaster, writeState, type PostmasterInfo, type ServerPaths, type ServerState } from './embedded-state.js';

/** What the cluster-level functions need from the caller's options. */
export interface ClusterOptions {
  /** false trades crash safety for speed (fsync off): for throwaway test servers. Default true. */
  durable?: boolean;
  /** Port to use when starting; default: the previous port if free, else any free port. */
  port?: number;
  /** Extra postgresql.conf settings applied when the server is (re)started. */
  settings?: Record<string, string | number | boolean>;
  /** When running as root: OS user to run postgres as (default $STRATA_PG_OS_USER or postgres). */
  osUser?: string;
  /** How long pg_ctl waits for the server to accept connections (default 60). */
  startTimeoutSeconds?: number;
}

const SUPERUSER = 'strata';
export const HOST = '127.0.0.1';
const MAX_LOG_BYTES = 20 * 1024 * 1024;

export function embeddedUrl(state: Pick<ServerState, 'user' | 'password'>, port: number, database: string): string {
  return `postgres://${encodeURIComponent(state.user)}:${encodeURIComponent(state.password)}@${HOST}:${port}/${encodeURIComponent(database)}`;
}

function startError(message: string, paths: ServerPaths, output?: string, cause?: unknown): StrataError {
  const details = (output ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-15);
  return new StrataError('CONNECTION', message, {
    hint: `see ${paths.logFile}`,
    ...(details.length ? { details } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** Root only: the server runs as the owner of an existing data dir, else as a resolved OS user. */
export async function serverUser(paths: ServerPaths, opts: ClusterOptions): Promise<OsUser | undefined> {
  if (!isRoot()) return undefined;
  if (existsSync(join(paths.dataDir, 'PG_VERSION'))) {
    const st = await stat(paths.dataDir);
    if (st.uid !== 0) return { name: (await readState(paths))?.osUser ?? String(st.uid), uid: st.uid, gid: st.gid };
  }
  return resolveServerUser(opts.osUser);
}

export async function prepareDir(paths: ServerPaths, user: OsUser | undefined, bins: PgBinaries): Promise<void> {
  await mkdir(paths.root, { recursive: true });
  // 0700: the directory holds the credentials file and the cluster.
  await chmod(paths.root, 0o700);
  if (user) {
    await chown(paths.root, user.uid, user.gid);
    await checkUserAccess(user, bins, paths.root);
  }
}

/** Appends to postgres.log (kept owned by the server's user, since pg_ctl appends to it too). */
async function appendLog(paths: ServerPaths, text: string, user: OsUser | undefined): Promise<void> {
  await appendFile(paths.logFile, text.endsWith('\n') ? text : `${text}\n`);
  if (user) await chown(paths.logFile, user.uid, user.gid);
}

export async function initIfNeeded(paths: ServerPaths, bins: PgBinaries, user: OsUser | undefined, database: string, log: (l: string) => void): Promise<ServerState> {
  const versionFile = join(paths.dataDir, 'PG_VERSION');
  if (existsSync(versionFile)) {
    const state = await readState(paths);
    if (!state) {
      // Without the file we do not know the superuser's password (it is only stored there).
      throw new StrataError('CONNECTION', `the embedded PostgreSQL in ${paths.root} exists but ${paths.stateFile} is missing`, {
        hint: `restore the file, or delete ${paths.root} to start over (this deletes the embedded database's data)`,
      });
    }
    const major = Number.parseInt(await readFile(versionFile, 'utf8'), 10);
    if (major !== bins.major) {
      throw new StrataError('CONNECTION', `the embedded database was created by PostgreSQL ${major} but strata now ships PostgreSQL ${bins.major}`, {
        hint: `dump what you need with the old version, then delete ${paths.root} to re-create it`,
      });
    }
    return state;
  }
  // A data dir without PG_VERSION is a half-finished initdb: start over.
  await rm(paths.dataDir, { recursive: true, force: true });
  log(`initialising embedded PostgreSQL ${bins.major} in ${paths.root}`);
  const password = randomBytes(18).toString('base64url');
  const pwFile = join(paths.root, `.pwfile-${process.pid}`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) await chown(pwFile, user.uid, user.gid);
    const res = await runTool(bins.initdb, [
      `--pgdata=${paths.dataDir}`, `--username=${SUPERUSER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--locale=C',
      // Locale-independent, ICU-free collation with full Unicode case mapping (PostgreSQL 17+).
      '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
      // The cluster is brand new: nothing is lost by skipping initdb's fsync (saves seconds).
      '--no-sync', '--no-instructions',
    ], user, paths.root);
    await appendLog(paths, `--- initdb ${new Date().toISOString()}\n${res.output}`, user);
    if (res.code !== 0) throw startError('initdb failed for the embedded PostgreSQL', paths, res.output);
  } finally {
    await rm(pwFile, { force: true });
  }
  await appendFile(join(paths.dataDir, 'postgresql.conf'), "\n# strata's settings (rewritten at every start)\ninclude_if_exists = 'strata.conf'\n");
  const state: ServerState = {
    version: 1, user: SUPERUSER, password, auth: 'scram-sha-256', database, osUser: user?.name ?? null,
    port: null, pid: null, keepRunning: false, startedAt: null, major: bins.major,
  };
  await writeState(paths, state);
  return state;
}

function confValue(v: string | number | boolean): string {
  return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
}

export async function writeConf(paths: ServerPaths, opts: ClusterOptions, user: OsUser | undefined): Promise<void> {
  const settings: Record<string, string | number | boolean> = {
    listen_addresses: HOST,
    // TCP only: no socket files to own, no 107-byte socket path limit.
    unix_socket_directories: '',
    max_connections: 100,
    log_line_prefix: '%m [%p] %q%u@%d ',
    ...(opts.durable === false ? { fsync: false, synchronous_commit: false, full_page_writes: false } : {}),
    ...opts.settings,
  };
  const text = Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`).join('\n');
  const file = join(paths.dataDir, 'strata.conf');
  await writeFile(file, `# Written by strata at every start of the embedded server.\n${text}\n`, { mode: 0o600 });
  if (user) await chown(file, user.uid, user.gid);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServer(paths: ServerPaths, bins: PgBinaries, user: OsUser | undefined, state: ServerState, opts: ClusterOptions): Promise<PostmasterInfo> {
  const logSize = await stat(paths.logFile).then((s) => s.size, () => 0);
  if (logSize > MAX_LOG_BYTES) await rename(paths.logFile, `${paths.logFile}.1`);
  let port = opts.port ?? (state.port && (await isPortFree(state.port)) ? state.port : await freePort());
  const timeout = String(opts.startTimeoutSeconds ?? 60);
  for (let attempt = 1; ; attempt++) {
    await appendLog(paths, `--- strata: starting on ${HOST}:${port} at ${new Date().toISOString()}`, user);
    const before = await stat(paths.logFile).then((s) => s.size, () => 0);
    const res = await runTool(bins.pgCtl, ['start', '-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', timeout, '-s', '-o', `-p ${port}`], user, paths.root);
    if (res.code === 0) {
      const info = await runningPostmaster(paths.dataDir, false);
      if (info) return info;
    }
    const logTail = (await readFile(paths.logFile, 'utf8').catch(() => '')).slice(before);
    // pg_ctl gave up waiting but the server may still come up: do not leave it behind.
    if (await runningPostmaster(paths.dataDir, false)) await stopServer(paths, bins, user);
    const portTaken = /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(logTail);
    if (portTaken && opts.port === undefined && attempt < 5) {
      // Another process grabbed the port between our probe and postgres' bind: pick another.
      port = await freePort();
      continue;
    }
    throw startError(`the embedded PostgreSQL did not start (pg_ctl exit code ${res.code})`, paths, `${res.output}\n${logTail}`);
  }
}

export async function stopServer(paths: ServerPaths, bins: PgBinaries, user: OsUser | undefined): Promise<void> {
  const res = await runTool(bins.pgCtl, ['stop', '-D', paths.dataDir, '-m', 'fast', '-w', '-t', '60', '-s'], user, paths.root);
  if (res.code === 0) return;
  const info = await runningPostmaster(paths.dataDir, false);
  if (!info) return;
  // pg_ctl could not stop it in time: immediate shutdown (crash-safe, recovery runs next start).
  try {
    process.kill(info.pid, 'SIGQUIT');
  } catch {
    // lacking permission: reported below
  }
  for (let i = 0; i < 100 && (await runningPostmaster(paths.dataDir, false)); i++) await new Promise((r) => setTimeout(r, 100));
  if (await runningPostmaster(paths.dataDir, false)) throw startError(`cannot stop the embedded PostgreSQL (pid ${info.pid})`, paths, res.output);
}

