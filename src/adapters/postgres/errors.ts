/**
 * The one place where node-postgres errors become StrataErrors.
 *
 * Two families: the database could not be reached or refused us (code 'CONNECTION', with a hint
 * saying what to check), or the server rejected a statement (code 'DB', a DbError carrying the
 * SQLSTATE, detail, hint and the position mapped to line:column of the executed SQL file).
 * Every message passes through scrubSecrets so a password in a URL never reaches a terminal.
 */
import { StrataError, type SourceLocation } from '../../errors/strata-error.js';
import { parsePostgresUrl, scrubSecrets, type TargetConfig } from './target.js';

export interface SqlErrorContext {
  /** The SQL text that was sent (needed to map the error position). */
  sql?: string;
  /** File holding that SQL, relative to the project root (e.g. target/run/.../model.sql). */
  sqlFile?: string;
  nodeId?: string;
  /** Where `sql` starts inside sqlFile when the file holds more than this statement (1-based). */
  startLine?: number;
  startColumn?: number;
  /** Used to describe the server in connection errors and to scrub its password. */
  target?: Partial<Pick<TargetConfig, 'name' | 'url' | 'host' | 'port' | 'user' | 'dbname' | 'password'>>;
}

/** Fields of a server-side error (pg's DatabaseError), kept so callers can branch on SQLSTATE. */
export interface DbErrorFields {
  sqlState?: string;
  severity?: string;
  detail?: string;
  dbHint?: string;
  /** 1-based character offset into the statement, as reported by the server. */
  position?: number;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export class DbError extends StrataError {
  readonly sqlState?: string;
  readonly fields: DbErrorFields;
  constructor(message: string, fields: DbErrorFields, options: ConstructorParameters<typeof StrataError>[2] = {}) {
    super('DB', message, options);
    this.name = 'DbError';
    this.fields = fields;
    if (fields.sqlState) this.sqlState = fields.sqlState;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), sqlState: this.sqlState, db: this.fields };
  }
}

export function isDbError(e: unknown): e is DbError {
  return e instanceof DbError;
}

/**
 * Maps a 1-based character position (PostgreSQL counts characters, not bytes or UTF-16 units)
 * to a 1-based line and column. Positions past the end clamp to the last character.
 */
export function positionToLineColumn(sql: string, position: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  let index = 1;
  for (const ch of sql) {
    if (index >= position) break;
    if (ch === '\n') {
      line += 1;
      column = 1;
    } else {
      column += 1;
    }
    index += 1;
  }
  return { line, column };
}

// Node socket / DNS error codes that mean "never reached a server".
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
]);

// pg's own messages for connection-level failures (it throws plain Errors for these).
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout expired|timeout exceeded when trying to connect|Client has encountered a connection error|SASL|does not support SSL|self[- ]signed certificate|certificate|Client was closed|Cannot use a pool after calling end/i;

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  errors?: unknown;
  severity?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  where?: unknown;
  schema?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Is this a server error (it carries a 5-character SQLSTATE and a severity)? */
function sqlStateOf(e: ErrorLike): string | undefined {
  const code = str(e.code);
  return code && /^[0-9A-Z]{5}$/.test(code) && str(e.severity) ? code : undefined;
}

/** AggregateError (localhost resolving to ::1 and 127.0.0.1) keeps the code on its members. */
function networkCodeOf(e: ErrorLike): string | undefined {
  const code = str(e.code);
  if (code && NETWORK_CODES.has(code)) return code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors as ErrorLike[]) {
      const c = str(inner?.code);
      if (c && NETWORK_CODES.has(c)) return c;
    }
  }
  return undefined;
}

function messageOf(e: ErrorLike): string {
  const m = str(e.message);
  if (m) return m;
  if (Array.isArray(e.errors)) {
    const inner = (e.errors as ErrorLike[]).map((x) => str(x?.message)).filter(Boolean);
    if (inner.length) return inner.join('; ');
  }
  return String(e);
}

/** Is this error about reaching/authenticating to the server rather than about a statement? */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof StrataError) return err.code === 'CONNECTION';
  if (!err || typeof err !== 'object') return false;
  const e = err as ErrorLike;
  const state = sqlStateOf(e);
  if (state) return isConnectionSqlState(state);
  return networkCodeOf(e) !== undefined || CONNECTION_MESSAGES.test(messageOf(e));
}

function isConnectionSqlState(state: string): boolean {
  return (
    state.startsWith('08') || // connection exception
    state.startsWith('28') || // invalid authorization
    state === '3D000' || // database does not exist
    state === '53300' || // too many connections
    state === '57P01' || // admin shutdown (server stopped under us)
    state === '57P02' ||
    state === '57P03' // cannot connect now (starting up / shutting down)
  );
}

/** "host:port/db as user" from whatever the target tells us, never the password. */
function describeServer(target: SqlErrorContext['target']): string {
  if (!target) return 'PostgreSQL';
  let host = target.host;
  let port = target.port;
  let db = target.dbname;
  let user = target.user;
  if (target.url) {
    try {
      const p = parsePostgresUrl(target.url);
      host = p.host ?? host;
      port = p.port ?? port;
      db = p.database ?? db;
      user = p.user ?? user;
    } catch {
      // describe with the separate fields only
    }
  }
  const where = `${host ?? 'localhost'}:${port ?? 5432}${db ? `/${db}` : ''}`;
  const who = user ? ` as ${user}` : '';
  const name = target.name ? ` (target "${target.name}")` : '';
  return `PostgreSQL at ${where}${who}${name}`;
}

function connectionHint(state: string | undefined, netCode: string | undefined, message: string): string {
  if (netCode === 'ECONNREFUSED' || netCode === 'ENOENT') {
    return 'is PostgreSQL running and listening there? For a local database without a server, use a target with `type: embedded` (or run `strata db start`).';
  }
  if (netCode === 'ENOTFOUND' || netCode === 'EAI_AGAIN') return 'the host name does not resolve; check `host` / the URL.';
  if (netCode === 'ETIMEDOUT' || netCode === 'EHOSTUNREACH' || netCode === 'ENETUNREACH' || /timeout/i.test(message)) {
    return 'the server did not answer in time; check the host, port, firewall or VPN.';
  }
  if (state === '28P01' || /SASL|password/i.test(message)) {
    return 'check the password (profile `password`, the URL, or PGPASSWORD).';
  }
  if (state === '28000') return "the server's pg_hba.conf does not allow this user/host/database combination, or the role does not exist.";
  if (state === '3D000') return 'create the database first (e.g. `createdb <name>`) or fix `dbname` in the profile.';
  if (state === '53300') return 'the server has no free connection slots; lower `threads` or close other sessions.';
  if (state === '57P03') return 'the server is starting up or shutting down; retry in a moment.';
  if (state === '57P01' || state === '57P02') return 'the server was shut down while strata was connected.';
  if (/SSL|certificate/i.test(message)) return 'check `sslmode` in the URL (disable / require / verify-full).';
  return 'check the target in your profile (host, port, user, password, dbname).';
}

function locationFor(ctx: SqlErrorContext, position: number | undefined): SourceLocation | undefined {
  if (!ctx.sqlFile) return undefined;
  if (position === undefined || ctx.sql === undefined) return { file: ctx.sqlFile, line: 0, column: 0 };
  const { line, column } = positionToLineColumn(ctx.sql, position);
  const startLine = ctx.startLine ?? 1;
  const startColumn = ctx.startColumn ?? 1;
  return {
    file: ctx.sqlFile,
    line: startLine + line - 1,
    column: line === 1 ? startColumn + column - 1 : column,
  };
}

/**
 * Turns anything thrown by pg (or by strata's pool wrapper) into a StrataError. Already-mapped
 * StrataErrors pass through unchanged; unknown non-pg errors become 'INTERNAL'.
 */
export function toStrataError(err: unknown, ctx: SqlErrorContext = {}): StrataError {
  if (err instanceof StrataError) return err;
  const scrub = (s: string): string => scrubSecrets(s, ctx.target);
  const e: ErrorLike = err && typeof err === 'object' ? (err as ErrorLike) : { message: String(err) };
  const message = scrub(messageOf(e));
  const state = sqlStateOf(e);
  const netCode = networkCodeOf(e);
  const nodeOpt = ctx.nodeId ? { nodeId: ctx.nodeId } : {};

  if (isConnectionFailure(err)) {
    const details: string[] = [];
    if (state) details.push(`SQLSTATE ${state}`);
    const detail = str(e.detail);
    if (detail) details.push(`DETAIL: ${scrub(detail)}`);
    return new StrataError('CONNECTION', `cannot connect to ${describeServer(ctx.target)}: ${message}`, {
      ...nodeOpt,
      hint: connectionHint(state, netCode, message),
      cause: err,
      ...(details.length ? { details } : {}),
    });
  }

  if (state) {
    const rawPos = str(e.position);
    const position = rawPos !== undefined && /^\d+$/.test(rawPos) ? Number(rawPos) : undefined;
    const fields: DbErrorFields = { sqlState: state };
    const assign = (k: keyof DbErrorFields, v: unknown): void => {
      const s = str(v);
      if (s !== undefined) (fields as Record<string, unknown>)[k] = scrub(s);
    };
    assign('severity', e.severity);
    assign('detail', e.detail);
    assign('dbHint', e.hint);
    assign('where', e.where);
    assign('schema', e.schema);
    assign('table', e.table);
    assign('column', e.column);
    assign('constraint', e.constraint);
    if (position !== undefined) fields.position = position;

    const details = [`SQLSTATE ${state}`];
    if (fields.detail) details.push(`DETAIL: ${fields.detail}`);
    if (fields.where) details.push(`CONTEXT: ${fields.where}`);
    const location = locationFor(ctx, position);
    if (!location && position !== undefined && ctx.sql !== undefined) {
      const { line, column } = positionToLineColumn(ctx.sql, position);
      details.push(`at line ${line}, column ${column} of the executed SQL`);
    }
    return new DbError(message, fields, {
      ...nodeOpt,
      ...(location ? { location } : {}),
      ...(fields.dbHint ? { hint: fields.dbHint } : {}),
      details,
      cause: err,
    });
  }

  return new StrataError('INTERNAL', `database driver error: ${message}`, { ...nodeOpt, cause: err });
}
