/**
 * On-disk bookkeeping of a project's embedded server, all under <project>/.strata/pg/:
 *
 *   data/               PGDATA (created by initdb)
 *   strata-server.json  credentials + who started it and whether to keep it running (mode 0600)
 *   postgres.log        the server's log (never the console)
 *   server.lock         held while starting/stopping, so two commands do not race
 *   leases/<pid>-<n>    one file per command currently using the server
 *
 * Whether the server runs is never taken from the state file alone: the truth is data/
 * postmaster.pid plus a check that its pid is alive and really is a postmaster for this data
 * directory (pids get reused, e.g. after a container restart).
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StrataError } from '../../errors/strata-error.js';

export interface ServerPaths {
  root: string;
  dataDir: string;
  stateFile: string;
  logFile: string;
  lockFile: string;
  leaseDir: string;
}

export function serverPaths(projectDir: string): ServerPaths {
  // Absolute: the path is matched against the postmaster's command line (isOurPostmaster).
  const root = join(resolve(projectDir), '.strata', 'pg');
  return {
    root,
    dataDir: join(root, 'data'),
    stateFile: join(root, 'strata-server.json'),
    logFile: join(root, 'postgres.log'),
    lockFile: join(root, 'server.lock'),
    leaseDir: join(root, 'leases'),
  };
}

export interface ServerState {
  version: 1;
  /** Superuser created by initdb. */
  user: string;
  /** Its password (scram-sha-256 on 127.0.0.1); the file is readable by its owner only. */
  password: string;
  auth: 'scram-sha-256';
  /** Project database created on first start. */
  database: string;
  /** OS user the server runs as when strata runs as root; null otherwise. */
  osUser: string | null;
  /** Last known port/pid (null when stopped); verified against postmaster.pid before use. */
  port: number | null;
  pid: number | null;
  /** true after `strata db start`: commands leave it running when they end. */
  keepRunning: boolean;
  startedAt: string | null;
  /** PostgreSQL major version of the data directory. */
  major: number;
}

export async function readState(paths: ServerPaths): Promise<ServerState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(paths.stateFile, 'utf8')) as Partial<ServerState>;
    if (parsed.version !== 1 || typeof parsed.password !== 'string' || typeof parsed.user !== 'string') return undefined;
    return parsed as ServerState;
  } catch {
    return undefined;
  }
}

/** Write-then-rename so a concurrent reader never sees half a file. */
export async function writeState(paths: ServerPaths, state: ServerState): Promise<void> {
  const tmp = `${paths.stateFile}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, paths.stateFile);
}

// ---- processes ---------------------------------------------------------------------------------

export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user (e.g. the postgres OS user).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PostmasterInfo {
  pid: number;
  port: number;
  /** Last line of postmaster.pid: "ready", "starting", "stopping" or "" (older servers). */
  status: string;
}

/** Parses data/postmaster.pid (pid, data dir, start time, port, socket dir, host, shm key, status). */
export async function readPostmasterPid(dataDir: string): Promise<PostmasterInfo | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid)) return undefined;
  return { pid, port: Number.isInteger(port) ? port : 0, status: (lines[7] ?? '').trim() };
}

/**
 * Is `pid` a live postmaster for this data directory? On Linux its command line (started by
 * pg_ctl as `postgres -D <dataDir> ...`) must name the directory; elsewhere liveness must do.
 */
export async function isOurPostmaster(pid: number, dataDir: string): Promise<boolean> {
  if (!isPidAlive(pid)) return false;
  if (process.platform !== 'linux') return true;
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((arg) => /postgres/.test(arg)) && cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

/** The running postmaster of this data dir, or undefined (removing a stale postmaster.pid). */
export async function runningPostmaster(dataDir: string, removeStale: boolean): Promise<PostmasterInfo | undefined> {
  const info = await readPostmasterPid(dataDir);
  if (!info) return undefined;
  if (await isOurPostmaster(info.pid, dataDir)) return info;
  // Left behind by a crash / kill -9 / container restart. PostgreSQL only ignores such a file if
  // the pid is dead; if the pid was reused by another process it refuses to start, so remove it.
  if (removeStale) await rm(join(dataDir, 'postmaster.pid'), { force: true });
  return undefined;
}

// ---- lock --------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs fn while holding .strata/pg/server.lock (created exclusively, holding our pid). A lock
 * whose pid is dead is stale and taken over. Waits up to timeoutMs for a live holder.
 */
export async function withServerLock<T>(paths: ServerPaths, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  await mkdir(paths.root, { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(paths.lockFile, 'wx', 0o644);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(paths.lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && !isPidAlive(holder)) {
      await rm(paths.lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new StrataError('LOCK', `another strata process (pid ${holder}) is starting or stopping the embedded PostgreSQL`, {
        hint: `wait for it, or remove ${paths.lockFile} if no strata process is running`,
      });
    }
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    await rm(paths.lockFile, { force: true });
  }
}

// ---- leases ------------------------------------------------------------------------------------

let leaseCounter = 0;

/** Records that this process uses the server; returns the lease to release later. */
export async function addLease(paths: ServerPaths): Promise<string> {
  await mkdir(paths.leaseDir, { recursive: true });
  leaseCounter += 1;
  const file = join(paths.leaseDir, `${process.pid}-${leaseCounter}`);
  await writeFile(file, new Date().toISOString());
  return file;
}

export async function removeLease(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Leases whose process is still alive; dead ones are deleted on the way. */
export async function liveLeases(paths: ServerPaths): Promise<string[]> {
  if (!existsSync(paths.leaseDir)) return [];
  const live: string[] = [];
  for (const name of await readdir(paths.leaseDir)) {
    const pid = Number.parseInt(name.split('-')[0] ?? '', 10);
    const file = join(paths.leaseDir, name);
    if (isPidAlive(pid)) live.push(file);
    else await rm(file, { force: true });
  }
  return live;
}

export async function clearLeases(paths: ServerPaths): Promise<void> {
  await rm(paths.leaseDir, { recursive: true, force: true });
}
