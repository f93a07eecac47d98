/**
 * The project's embedded PostgreSQL (target `type: embedded`): a private server under
 * <project>/.strata/pg, initialised on first use and listening on 127.0.0.1 only.
 *
 * Lifecycle: `strata db start` starts it and leaves it running (keepRunning). Any other command
 * calls ensureEmbeddedServer: if the server runs it is reused and left running; if not, the
 * command starts it and its handle's stop() shuts it down again when the command ends, unless
 * another command is still using it (leases, see embedded-state.ts), in which case the last one
 * out stops it. pg_ctl daemonizes the server, so it survives the process that started it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../../errors/strata-error.js';
import { queryOnce } from './connection.js';
import {
  embeddedUrl, HOST, initIfNeeded, prepareDir, serverUser, startServer, stopServer, writeConf, type ClusterOptions,
} from './embedded-cluster.js';
import { findPgBinaries } from './embedded-binaries.js';
import {
  addLease, clearLeases, liveLeases, readState, removeLease, runningPostmaster, serverPaths, withServerLock, writeState,
  type PostmasterInfo,
} from './embedded-state.js';
import { checkIdentifierLength, quoteIdent } from './quoting.js';
import { EMBEDDED_DATABASE, maskUrl, type TargetConfig } from './target.js';

export { embeddedUrl } from './embedded-cluster.js';

export interface EmbeddedServerOptions extends ClusterOptions {
  /** Database created for the project (default "strata"). */
  database?: string;
  /** Leave the server running when this process is done (`strata db start`). */
  keepRunning?: boolean;
  /** Progress messages ("initialising ...", "started ..."); postgres' own log goes to the log file. */
  onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  /** Connection URL of the project database (contains the password: mask before printing). */
  url: string;
  /** Same server, `postgres` database (for CREATE/DROP DATABASE). */
  adminUrl: string;
  port: number;
  pid: number;
  database: string;
  user: string;
  /** Did this call start the server (vs. reuse a running one)? */
  startedHere: boolean;
  dataDir: string;
  logFile: string;
  /** Releases this process' use; stops the server if it is no longer needed. Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedStatus {
  initialized: boolean;
  running: boolean;
  pid?: number;
  port?: number;
  /** Masked URL of the project database, when running. */
  url?: string;
  database?: string;
  keepRunning: boolean;
  major?: number;
  osUser?: string | null;
  dataDir: string;
  logFile: string;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const target: TargetConfig = { name: 'embedded-admin', type: 'postgres', url: adminUrl, schema: 'public', threads: 1 };
  const exists = await queryOnce(target, 'SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount > 0) return;
  try {
    await queryOnce(target, `CREATE DATABASE ${quoteIdent(database)}`);
  } catch (err) {
    // Created concurrently by another strata process: fine.
    if (!(err instanceof StrataError && /already exists/.test(err.message))) throw err;
  }
}

/**
 * A server found running may still be in crash recovery or shutting down (postmaster.pid's
 * status line); wait for "ready" rather than failing the command with "starting up".
 */
async function waitUntilReady(dataDir: string, info: PostmasterInfo, timeoutMs = 60_000): Promise<PostmasterInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  let current: PostmasterInfo | undefined = info;
  // "" = servers that do not write a status line; treat as ready.
  while (current && current.status !== 'ready' && current.status !== '' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    current = await runningPostmaster(dataDir, false);
  }
  return current;
}

/** Starts (or reuses) the project's embedded server and makes sure its database exists. */
export async function ensureEmbeddedServer(projectDir: string, opts: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const paths = serverPaths(projectDir);
  const log = opts.onLog ?? (() => undefined);
  const tooLong = opts.database ? checkIdentifierLength(opts.database) : undefined;
  if (tooLong) throw new StrataError('IDENTIFIER', tooLong);

  const started = await withServerLock(paths, async () => {
    const bins = await findPgBinaries();
    const user = await serverUser(paths, opts);
    await prepareDir(paths, user, bins);
    let state = await initIfNeeded(paths, bins, user, opts.database ?? EMBEDDED_DATABASE, log);
    const database = opts.database ?? state.database;
    let info = await runningPostmaster(paths.dataDir, true);
    if (info) info = await waitUntilReady(paths.dataDir, info);
    const startedHere = !info;
    if (!info) {
      await writeConf(paths, opts, user);
      info = await startServer(paths, bins, user, state, opts);
      log(`started embedded PostgreSQL ${bins.major} on ${HOST}:${info.port} (log: ${paths.logFile})`);
    }
    state = {
      ...state,
      pid: info.pid,
      port: info.port,
      keepRunning: startedHere ? opts.keepRunning === true : state.keepRunning || opts.keepRunning === true,
      startedAt: startedHere ? new Date().toISOString() : state.startedAt,
      osUser: user?.name ?? null,
    };
    await writeState(paths, state);
    try {
      await ensureDatabase(embeddedUrl(state, info.port, 'postgres'), database);
    } catch (err) {
      if (startedHere) await stopServer(paths, bins, user).catch(() => undefined);
      throw err;
    }
    return { state, info, startedHere, database, lease: await addLease(paths), bins, user };
  });

  let released = false;
  const { state, info, database } = started;
  return {
    url: embeddedUrl(state, info.port, database),
    adminUrl: embeddedUrl(state, info.port, 'postgres'),
    port: info.port,
    pid: info.pid,
    database,
    user: state.user,
    startedHere: started.startedHere,
    dataDir: paths.dataDir,
    logFile: paths.logFile,
    stop: async () => {
      if (released) return;
      released = true;
      await withServerLock(paths, async () => {
        await removeLease(started.lease);
        const current = await readState(paths);
        if (!current || current.keepRunning) return;
        if ((await liveLeases(paths)).length > 0) return; // someone else still uses it
        if (await runningPostmaster(paths.dataDir, false)) await stopServer(paths, started.bins, started.user);
        await writeState(paths, { ...current, pid: null, port: null, startedAt: null });
      });
    },
  };
}

/** `strata db status`: reads the files and checks the pid; does not start anything. */
export async function embeddedStatus(projectDir: string): Promise<EmbeddedStatus> {
  const paths = serverPaths(projectDir);
  const state = await readState(paths);
  const initialized = existsSync(join(paths.dataDir, 'PG_VERSION'));
  const info = initialized ? await runningPostmaster(paths.dataDir, false) : undefined;
  const status: EmbeddedStatus = { initialized, running: info !== undefined, keepRunning: state?.keepRunning ?? false, dataDir: paths.dataDir, logFile: paths.logFile };
  if (state) {
    status.database = state.database;
    status.major = state.major;
    status.osUser = state.osUser;
  }
  if (info) {
    status.pid = info.pid;
    status.port = info.port;
    if (state) status.url = maskUrl(embeddedUrl(state, info.port, state.database));
  }
  return status;
}

/** The unmasked URL of the running server's project database, or undefined when it is stopped. */
export async function embeddedUrlIfRunning(projectDir: string): Promise<string | undefined> {
  const paths = serverPaths(projectDir);
  const state = await readState(paths);
  const info = await runningPostmaster(paths.dataDir, false);
  return state && info ? embeddedUrl(state, info.port, state.database) : undefined;
}

/** `strata db stop`: stops the server whoever started it. */
export async function stopEmbeddedServer(projectDir: string): Promise<{ wasRunning: boolean }> {
  const paths = serverPaths(projectDir);
  if (!existsSync(paths.root)) return { wasRunning: false };
  return withServerLock(paths, async () => {
    const info = await runningPostmaster(paths.dataDir, true);
    if (info) {
      const bins = await findPgBinaries();
      await stopServer(paths, bins, await serverUser(paths, {}));
    }
    await clearLeases(paths);
    const state = await readState(paths);
    if (state) await writeState(paths, { ...state, pid: null, port: null, keepRunning: false, startedAt: null });
    return { wasRunning: info !== undefined };
  });
}
