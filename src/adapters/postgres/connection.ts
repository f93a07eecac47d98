/**
 * A small wrapper over pg.Pool: the only object the rest of strata uses to talk to PostgreSQL.
 *
 * Why a wrapper: (1) every error leaves here as a StrataError (errors.ts), with the SQL file and
 * node attached when the caller passes them; (2) idle *and* checked-out clients get an 'error'
 * listener, because a server restart or pg_terminate_backend otherwise emits an unhandled
 * 'error' event and kills the whole process; (3) callers only see the structural interfaces
 * below, never pg's types, so the driver stays an implementation detail of this folder.
 */
// First: the probe must be in place while pg loads (see pg-runtime-probe.ts).
import { endPgRuntimeProbe } from './pg-runtime-probe.js';
import pg from 'pg';
import type { CustomTypesConfig, PoolClient } from 'pg';
import { StrataError } from '../../errors/strata-error.js';
import { copyFromSource, copyToSink, type CopySink, type CopySource } from './copy.js';
import { toStrataError, type SqlErrorContext } from './errors.js';
import { connectionConfig, scrubSecrets, type TargetConfig } from './target.js';

endPgRuntimeProbe();

export type Row = Record<string, unknown>;

export interface FieldInfo {
  name: string;
  /** PostgreSQL type oid of the column. */
  dataTypeID: number;
}

export interface QueryResult<R = Row> {
  rows: R[];
  /** Rows returned or affected (0 for DDL). */
  rowCount: number;
  fields: FieldInfo[];
  /** The command tag: SELECT, INSERT, CREATE, ... */
  command: string;
  /** For a multi-statement query: every statement's command tag, row count and rows, in order. */
  statements?: Array<{ command: string; rowCount: number; rows: Row[] }>;
}

/** Where a statement came from, so a failure points at the file the user can open. */
export type QueryOptions = Omit<SqlErrorContext, 'sql' | 'target'>;

export interface DbClient {
  /**
   * Runs one statement (or, without params, several separated by `;`, in which case the result
   * of the last one is returned). Rejects with a StrataError ('DB' / 'CONNECTION').
   */
  query<R = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

/** A client held for a while (a transaction, a COPY, session settings). */
export interface SessionClient extends DbClient {
  /** Server process id of this session (for pg_cancel_backend / diagnostics). */
  readonly backendPid: number | undefined;
  /** COPY ... FROM STDIN fed from a stream / iterable; resolves to the number of rows copied. */
  copyFrom(sql: string, source: CopySource, options?: QueryOptions): Promise<number>;
  /** COPY ... TO STDOUT written to a stream; resolves to the number of rows copied. */
  copyTo(sql: string, sink: CopySink, options?: QueryOptions): Promise<number>;
}

export interface Database extends DbClient {
  readonly target: TargetConfig;
  /** Borrows one connection for fn; it goes back to the pool afterwards (destroyed if broken). */
  withClient<T>(fn: (client: SessionClient) => Promise<T>): Promise<T>;
  /** BEGIN / fn / COMMIT on one connection, ROLLBACK when fn throws. */
  withTransaction<T>(fn: (client: SessionClient) => Promise<T>): Promise<T>;
  /**
   * Opens up to `count` connections at once (capped by the pool size) and leaves them idle in the
   * pool. Connecting costs a round trip, a server process and authentication: a caller about to
   * run several queries side by side pays that once, in parallel, instead of one connection after
   * another as each query finds the pool busy.
   */
  warm(count: number): Promise<void>;
  /** Cancels the statement running in another session (Ctrl-C during a run). */
  cancel(backendPid: number): Promise<boolean>;
  /** Closes all connections; further queries fail. Safe to call twice. */
  close(): Promise<void>;
}

export interface PoolOptions {
  /** Pool size; defaults to target.threads + 1 (one spare for introspection / cancel). */
  max?: number;
  /** Server NOTICE / WARNING messages (e.g. "relation already exists, skipping"). */
  onNotice?: (message: string) => void;
  /** Called after every statement, for --debug logging. SQL is passed as sent (not scrubbed). */
  onQuery?: (info: { sql: string; durationMs: number; rowCount: number; error?: StrataError }) => void;
  /** Errors of idle connections (they are dropped and replaced); default: ignored. */
  onIdleError?: (error: StrataError) => void;
}

// ---- result types -------------------------------------------------------------------------------
// pg parses timestamps into JS Dates in the *client's* time zone and bigint into strings. For a
// transformation tool values must round-trip unchanged, so date/time types stay as the server's
// text, and int8 becomes a number when it fits exactly (count(*) is int8) and a string otherwise.
const OID = { int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184, interval: 1186 };
const ARRAY_OID = { int8: 1016, date: 1182, timestamp: 1115, timestamptz: 1185, text: 1009 };

function parseInt8(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

const textArray = pg.types.getTypeParser(ARRAY_OID.text) as (v: string) => Array<string | null>;
const overrides = new Map<number, (v: string) => unknown>([
  [OID.int8, parseInt8],
  [OID.date, (v) => v],
  [OID.timestamp, (v) => v],
  [OID.timestamptz, (v) => v],
  // pg would build a PostgresInterval object; the server's text ("1 day 02:00:00") round-trips.
  [OID.interval, (v) => v],
  [ARRAY_OID.date, textArray],
  [ARRAY_OID.timestamp, textArray],
  [ARRAY_OID.timestamptz, textArray],
  [ARRAY_OID.int8, (v) => textArray(v).map((x) => (x === null ? null : parseInt8(x)))],
]);

/**
 * The pool's reading of a column's text by its type oid; run_query()'s worker thread gets the
 * server's text and reads it with this on the main thread (sync-query.ts), so both give the same values.
 */
export function textParser(oid: number): (text: string) => unknown {
  return overrides.get(oid) ?? pg.types.getTypeParser(oid, 'text');
}

const typeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : textParser(oid)) as CustomTypesConfig['getTypeParser'],
};

interface RawResult {
  rows: unknown[];
  rowCount: number | null;
  fields?: Array<{ name: string; dataTypeID: number }>;
  command: string;
}

function normalize<R>(raw: RawResult | RawResult[]): QueryResult<R> {
  // pg returns an array of results for a multi-statement simple query.
  const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (!last) return { rows: [], rowCount: 0, fields: [], command: '' };
  return {
    rows: last.rows as R[],
    rowCount: last.rowCount ?? 0,
    fields: (last.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    command: last.command ?? '',
    ...(Array.isArray(raw) ? { statements: raw.map((r) => ({ command: r.command ?? '', rowCount: r.rowCount ?? 0, rows: r.rows as Row[] })) } : {}),
  };
}

class PooledSession implements SessionClient {
  constructor(
    private readonly client: PoolClient,
    private readonly owner: PgDatabase,
  ) {}

  get backendPid(): number | undefined {
    const pid = (this.client as unknown as { processID?: number | null }).processID;
    return pid ?? undefined;
  }

  query<R = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    return this.owner.run<R>(this.client, sql, params, options);
  }

  async copyFrom(sql: string, source: CopySource, options?: QueryOptions): Promise<number> {
    try {
      return await copyFromSource(this.client, sql, source);
    } catch (err) {
      throw this.owner.mapError(err, sql, options);
    }
  }

  async copyTo(sql: string, sink: CopySink, options?: QueryOptions): Promise<number> {
    try {
      return await copyToSink(this.client, sql, sink);
    } catch (err) {
      throw this.owner.mapError(err, sql, options);
    }
  }
}

class PgDatabase implements Database {
  private readonly pool: pg.Pool;
  private closed = false;

  constructor(
    readonly target: TargetConfig,
    private readonly options: PoolOptions,
  ) {
    const max = options.max ?? Math.max(1, target.threads) + 1;
    this.pool = new pg.Pool({
      ...connectionConfig(target),
      max,
      idleTimeoutMillis: 30_000,
      // A forgotten close() must not keep the CLI alive: idle clients do not hold the event loop.
      allowExitOnIdle: true,
      types: typeParsers,
    });
    // Idle clients: the pool re-emits their errors here; without a listener Node would crash.
    this.pool.on('error', (err) => options.onIdleError?.(this.mapError(err)));
    // Checked-out clients: pg-pool removes its idle listener while a client is lent out, so a
    // connection dropped between two statements would be an unhandled 'error' event. The error
    // also surfaces on the next query, so swallowing it here loses nothing.
    this.pool.on('connect', (client) => {
      client.on('error', () => undefined);
      if (options.onNotice) {
        const onNotice = options.onNotice;
        client.on('notice', (n) => onNotice(scrubSecrets(n.message ?? String(n), target)));
      }
    });
  }

  mapError(err: unknown, sql?: string, options?: QueryOptions): StrataError {
    return toStrataError(err, { ...options, ...(sql !== undefined ? { sql } : {}), target: this.target });
  }

  async run<R>(
    client: pg.Pool | PoolClient,
    sql: string,
    params: readonly unknown[] | undefined,
    options: QueryOptions | undefined,
  ): Promise<QueryResult<R>> {
    if (this.closed) throw new StrataError('INTERNAL', 'query on a closed database pool');
    const started = performance.now();
    try {
      const raw = (await client.query(sql, params as unknown[] | undefined)) as unknown as RawResult | RawResult[];
      const result = normalize<R>(raw);
      this.options.onQuery?.({ sql, durationMs: performance.now() - started, rowCount: result.rowCount });
      return result;
    } catch (err) {
      const mapped = this.mapError(err, sql, options);
      this.options.onQuery?.({ sql, durationMs: performance.now() - started, rowCount: 0, error: mapped });
      throw mapped;
    }
  }

  query<R = Row>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    return this.run<R>(this.pool, sql, params, options);
  }

  async withClient<T>(fn: (client: SessionClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new StrataError('INTERNAL', 'withClient on a closed database pool');
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.mapError(err);
    }
    let broken = false;
    try {
      return await fn(new PooledSession(client, this));
    } catch (err) {
      // After a failure the session may be broken or left inside an aborted transaction; a
      // fresh connection costs milliseconds, a poisoned one would fail the next node.
      broken = true;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  withTransaction<T>(fn: (client: SessionClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        // ROLLBACK fails only if the connection is gone; the original error matters more.
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async warm(count: number): Promise<void> {
    if (this.closed) throw new StrataError('INTERNAL', 'warm on a closed database pool');
    const opened = await Promise.allSettled(Array.from({ length: Math.max(0, count) }, () => this.pool.connect()));
    for (const c of opened) if (c.status === 'fulfilled') c.value.release();
    const failed = opened.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failed) throw this.mapError(failed.reason);
  }

  async cancel(backendPid: number): Promise<boolean> {
    // A separate connection: the pool may be full of exactly the sessions we want to cancel.
    const client = new pg.Client(connectionConfig(this.target));
    client.on('error', () => undefined);
    try {
      await client.connect();
      const res = await client.query<{ ok: boolean }>('SELECT pg_cancel_backend($1) AS ok', [backendPid]);
      return res.rows[0]?.ok === true;
    } catch (err) {
      throw this.mapError(err);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Opens a pool for a target (embedded targets must already carry their URL; see open-target.ts). */
export function createPool(target: TargetConfig, options: PoolOptions = {}): Database {
  return new PgDatabase(target, options);
}

/** Connects once and runs one statement; for admin tasks (create/drop database, probes). */
export async function queryOnce<R = Row>(
  target: TargetConfig,
  sql: string,
  params?: readonly unknown[],
): Promise<QueryResult<R>> {
  const db = createPool(target, { max: 1 });
  try {
    return await db.query<R>(sql, params);
  } finally {
    await db.close();
  }
}
