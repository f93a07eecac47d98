/**
 * The programmatic side of `strata db start|stop|status|url` and `strata debug`.
 *
 * Each function returns `{ data, text }`: data for --json and tests, text (already free of
 * passwords, except `db url` which exists to hand the URL to psql) for the terminal.
 */
import { StrataError } from '../errors/strata-error.js';
import {
  embeddedStatus, embeddedUrlIfRunning, ensureEmbeddedServer, maskTarget, maskUrl, openTarget, scrubSecrets, stopEmbeddedServer,
  toStrataError, type Capabilities, type EmbeddedStatus, type TargetConfig,
} from '../adapters/postgres/index.js';

export interface CommandOutput<T> {
  data: T;
  text: string;
}

export interface DbStartOptions {
  database?: string;
  port?: number;
  onLog?: (line: string) => void;
}

export interface DbStartData {
  /** Masked URL of the project database. */
  url: string;
  port: number;
  pid: number;
  database: string;
  alreadyRunning: boolean;
  logFile: string;
}

/** `strata db start`: starts the embedded server (if needed) and leaves it running. */
export async function dbStart(projectDir: string, opts: DbStartOptions = {}): Promise<CommandOutput<DbStartData>> {
  const server = await ensureEmbeddedServer(projectDir, {
    keepRunning: true,
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.onLog ? { onLog: opts.onLog } : {}),
  });
  // keepRunning is recorded in the state file, so releasing our lease does not stop it.
  await server.stop();
  const data: DbStartData = {
    url: maskUrl(server.url),
    port: server.port,
    pid: server.pid,
    database: server.database,
    alreadyRunning: !server.startedHere,
    logFile: server.logFile,
  };
  const head = data.alreadyRunning ? 'embedded PostgreSQL is already running' : 'embedded PostgreSQL started';
  const text = [`${head} on 127.0.0.1:${data.port} (pid ${data.pid})`, `url: ${data.url}`, `log: ${data.logFile}`, 'stop it with `strata db stop`'].join('\n');
  return { data, text };
}

/** `strata db stop`. */
export async function dbStop(projectDir: string): Promise<CommandOutput<{ wasRunning: boolean }>> {
  const data = await stopEmbeddedServer(projectDir);
  return { data, text: data.wasRunning ? 'embedded PostgreSQL stopped' : 'embedded PostgreSQL is not running' };
}

/** `strata db status`. */
export async function dbStatus(projectDir: string): Promise<CommandOutput<EmbeddedStatus>> {
  const data = await embeddedStatus(projectDir);
  const lines: string[] = [];
  if (!data.initialized) {
    lines.push('embedded PostgreSQL: not created yet (created on first use, or with `strata db start`)');
  } else if (data.running) {
    lines.push(`embedded PostgreSQL ${data.major ?? ''}: running on 127.0.0.1:${data.port} (pid ${data.pid})`.replace('  ', ' '));
    if (data.url) lines.push(`url: ${data.url}`);
    lines.push(data.keepRunning ? 'kept running (started by `strata db start`)' : 'started by a command; stops when that command ends');
  } else {
    lines.push('embedded PostgreSQL: stopped');
  }
  lines.push(`data: ${data.dataDir}`, `log: ${data.logFile}`);
  return { data, text: lines.join('\n') };
}

/**
 * `strata db url`: the URL of the running embedded server's project database, password
 * included unless `mask` (it is meant for `psql "$(strata db url)"`). Fails when it is stopped,
 * since the port is only known while it runs.
 */
export async function dbUrl(projectDir: string, opts: { mask?: boolean } = {}): Promise<CommandOutput<{ url: string }>> {
  const url = await embeddedUrlIfRunning(projectDir);
  if (!url) {
    throw new StrataError('CONNECTION', 'the embedded PostgreSQL is not running', { hint: 'start it with `strata db start`' });
  }
  const shown = opts.mask ? maskUrl(url) : url;
  return { data: { url: shown }, text: shown };
}

export interface DebugData {
  /** The target with its password masked. */
  target: TargetConfig;
  connection: { ok: boolean; error?: { code: string; message: string; hint?: string } };
  server?: { version: string; versionNum: number; capabilities: Capabilities };
  embedded?: EmbeddedStatus;
}

/**
 * `strata debug`: resolves the target, connects once and reports the server version. For an
 * embedded target the server is started if needed (and stopped again if this call started it).
 * Connection failures are reported in the data, not thrown.
 */
export async function debugTarget(projectDir: string, target: TargetConfig): Promise<CommandOutput<DebugData>> {
  const data: DebugData = { target: maskTarget(target), connection: { ok: false } };
  try {
    const opened = await openTarget(projectDir, target, { max: 1 });
    try {
      data.target = maskTarget(opened.target);
      data.connection = { ok: true };
      const caps = opened.capabilities;
      data.server = { version: caps.versionString, versionNum: caps.version, capabilities: caps };
    } finally {
      await opened.close();
    }
  } catch (err) {
    const e = toStrataError(err, { target });
    const message = scrubSecrets(e.message, target);
    data.connection = { ok: false, error: { code: e.code, message, ...(e.hint ? { hint: e.hint } : {}) } };
  }
  if (target.type === 'embedded') data.embedded = await embeddedStatus(projectDir);

  const t = data.target;
  const lines = [`target: ${t.name} (${t.type})`];
  if (t.url) lines.push(`  url: ${t.url}`);
  for (const key of ['host', 'port', 'user', 'password', 'dbname'] as const) {
    if (t[key] !== undefined) lines.push(`  ${key}: ${String(t[key])}`);
  }
  lines.push(`  schema: ${t.schema}`, `  threads: ${t.threads}`);
  if (data.connection.ok && data.server) {
    const c = data.server.capabilities;
    lines.push('connection: OK', `server: PostgreSQL ${data.server.version} (MERGE: ${c.supportsMerge ? 'yes' : 'no'})`);
  } else {
    const err = data.connection.error;
    lines.push(`connection: FAILED${err ? ` [${err.code}] ${err.message}` : ''}`);
    if (err?.hint) lines.push(`  hint: ${err.hint}`);
  }
  if (data.embedded) lines.push(`embedded data: ${data.embedded.dataDir}`);
  return { data, text: lines.join('\n') };
}
