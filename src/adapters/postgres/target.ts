/**
 * Connection targets: what a profile says about where the database is, turned into the
 * options node-postgres understands, plus the helpers that keep passwords out of every string
 * strata prints.
 *
 * A target either names a server (`type: 'postgres'`, by `url` or by host/port/user/...) or asks
 * for the project's embedded server (`type: 'embedded'`); for the latter `url` is filled in by
 * open-target.ts once the embedded server is up.
 */
import type { ClientConfig } from 'pg';
import { StrataError } from '../../errors/strata-error.js';

export type TargetType = 'postgres' | 'embedded';

export interface TargetConfig {
  name: string;
  type: TargetType;
  /** postgres://user:password@host:port/dbname?sslmode=... (wins over the separate fields). */
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  dbname?: string;
  /** Default schema models are built in. */
  schema: string;
  /** How many nodes run at once (also the pool size). */
  threads: number;
}

/** What every connection strata opens reports in pg_stat_activity. */
export const APPLICATION_NAME = 'strata';

/** The database the embedded server creates for the project when the target names none. */
export const EMBEDDED_DATABASE = 'strata';

/**
 * What a target says about where it connects, known without connecting: the URL's database and
 * user, else the separate fields', else (embedded) the project database. Absent where only
 * node-postgres' defaults would say (PGDATABASE, PGUSER, the OS user: the environment of the run,
 * not the project). A URL that does not parse names nothing here: connecting reports it.
 */
export function namedConnection(target: Pick<TargetConfig, 'url' | 'dbname' | 'user' | 'host' | 'port'> & { type: string }): { database?: string; user?: string; host?: string; port?: number } {
  let fromUrl: ParsedUrl = {};
  if (target.url) {
    try {
      fromUrl = parsePostgresUrl(target.url);
    } catch {
      // reported when connecting
    }
  }
  const database = fromUrl.database ?? target.dbname ?? (target.type === 'embedded' ? EMBEDDED_DATABASE : undefined);
  const user = fromUrl.user ?? target.user;
  const host = fromUrl.host ?? target.host;
  const port = fromUrl.port ?? target.port;
  return { ...(database ? { database } : {}), ...(user ? { user } : {}), ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

const MASK = '****';

interface ParsedUrl {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: ClientConfig['ssl'];
  applicationName?: string;
  options?: string;
}

/**
 * Parses a libpq-style URL ourselves (rather than handing `connectionString` to pg) because pg
 * lets the URL silently override explicit fields and we want one documented rule: the URL wins,
 * the separate fields fill what the URL leaves out.
 */
export function parsePostgresUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StrataError('CONFIG', `invalid database URL: ${maskUrl(url)}`, {
      hint: 'expected postgres://user:password@host:port/dbname',
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StrataError('CONFIG', `database URL must start with postgres:// (got ${u.protocol}//)`, {
      hint: 'expected postgres://user:password@host:port/dbname',
    });
  }
  const out: ParsedUrl = {};
  const dec = (s: string): string => decodeURIComponent(s);
  // `new URL` keeps IPv6 brackets in hostname; libpq wants them gone.
  const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname) out.host = dec(hostname);
  if (u.port) out.port = Number(u.port);
  if (u.username) out.user = dec(u.username);
  if (u.password) out.password = dec(u.password);
  const db = u.pathname.replace(/^\//, '');
  if (db) out.database = dec(db);
  const q = u.searchParams;
  // libpq spells unix-socket directories as ?host=/var/run/postgresql.
  const qHost = q.get('host');
  if (qHost) out.host = qHost;
  const qPort = q.get('port');
  if (qPort) out.port = Number(qPort);
  const qUser = q.get('user');
  if (qUser) out.user = qUser;
  const qPassword = q.get('password');
  if (qPassword) out.password = qPassword;
  const qDb = q.get('dbname');
  if (qDb) out.database = qDb;
  const app = q.get('application_name');
  if (app) out.applicationName = app;
  const options = q.get('options');
  if (options) out.options = options;
  const sslmode = q.get('sslmode') ?? (q.get('ssl') === 'true' ? 'require' : null);
  if (sslmode) out.ssl = sslFromMode(sslmode);
  return out;
}

/** libpq semantics: `require` encrypts without verifying; `verify-*` verify the certificate. */
function sslFromMode(mode: string): ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      // pg cannot "try SSL then fall back"; plain connections are what local servers expect.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new StrataError('CONFIG', `unknown sslmode "${mode}" in database URL`, {
        hint: 'use one of disable, prefer, require, verify-ca, verify-full',
      });
  }
}

/** The node-postgres options for a target (pool size and error handling live in connection.ts). */
export function connectionConfig(target: TargetConfig): ClientConfig {
  if (target.type === 'embedded' && !target.url) {
    throw new StrataError('INTERNAL', `embedded target "${target.name}" has no URL yet (start the server first)`);
  }
  const fromUrl = target.url ? parsePostgresUrl(target.url) : {};
  const config: ClientConfig = {
    application_name: fromUrl.applicationName ?? APPLICATION_NAME,
    // Fail fast on an unreachable host instead of hanging for the OS TCP timeout.
    connectionTimeoutMillis: 15_000,
    keepAlive: true,
  };
  const host = fromUrl.host ?? target.host;
  const port = fromUrl.port ?? target.port;
  const user = fromUrl.user ?? target.user;
  const password = fromUrl.password ?? target.password;
  const database = fromUrl.database ?? target.dbname;
  // Unset fields fall back to pg's defaults (PGHOST, PGUSER, ... then localhost:5432).
  if (host !== undefined) config.host = host;
  if (port !== undefined) config.port = port;
  if (user !== undefined) config.user = user;
  if (password !== undefined) config.password = password;
  if (database !== undefined) config.database = database;
  if (fromUrl.ssl !== undefined) config.ssl = fromUrl.ssl;
  if (fromUrl.options !== undefined) config.options = fromUrl.options;
  return config;
}

/** A URL for display: same shape, password replaced by ****. */
export function maskUrl(url: string): string {
  return url
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]*)@/gi, (_m, head: string) => `${head}${MASK}@`)
    .replace(/([?&]password=)[^&\s]*/gi, `$1${MASK}`);
}

/** The target with its password removed, for `strata debug` and logs. */
export function maskTarget(target: TargetConfig): TargetConfig {
  const out: TargetConfig = { ...target };
  if (out.url) out.url = maskUrl(out.url);
  if (out.password !== undefined) out.password = MASK;
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes passwords from arbitrary text (log lines, driver messages, stack traces): any URL
 * credentials, `password=...` keywords, and the literal password of the target (plain and
 * URL-encoded). Literal passwords shorter than 3 characters are not replaced on their own, as
 * that would garble ordinary words; URL forms are still masked.
 */
export function scrubSecrets(text: string, target?: Pick<TargetConfig, 'url' | 'password'>): string {
  let out = maskUrl(text).replace(/\b(password\s*[=:]\s*)('[^']*'|"[^"]*"|\S+)/gi, `$1${MASK}`);
  const secrets = new Set<string>();
  if (target?.password) secrets.add(target.password);
  if (target?.url) {
    try {
      const p = parsePostgresUrl(target.url).password;
      if (p) secrets.add(p);
    } catch {
      // An unparsable URL has already been masked by the regex above.
    }
  }
  const envPassword = process.env['PGPASSWORD'];
  if (envPassword) secrets.add(envPassword);
  for (const s of secrets) {
    if (s.length < 3) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) {
      out = out.replace(new RegExp(escapeRegExp(form), 'g'), MASK);
    }
  }
  return out;
}

/** Replaces the database name in a URL (test databases, the embedded project database). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  u.searchParams.delete('dbname');
  return u.toString();
}
