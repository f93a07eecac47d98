/**
 * Synchronous queries for templates: `run_query()` is called from inside a nunjucks render, which is
 * synchronous, so it cannot await. A worker thread owns its own connection; the caller posts the
 * SQL and blocks on Atomics.wait until the worker has written the JSON result into shared memory.
 *
 * Only used while rendering templates that read `execute` (dbt's introspective macros such as
 * get_column_values); everything else uses the pool.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { StrataError } from '../../errors/strata-error.js';
import { textParser } from './connection.js';
import { connectionConfig, scrubSecrets, type TargetConfig } from './target.js';

/** Largest result a template may pull into memory (run_query is for small lookups). */
const MAX_RESULT_BYTES = 32 * 1024 * 1024;
const TIMEOUT_MS = 10 * 60 * 1000;

export interface SyncQueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** Each column's type OID (templates read bigint and numeric values as numbers: query-table.ts). */
  types?: number[];
}

// The worker is plain CommonJS evaluated from a string, so it runs the same from src/ (tests) and
// dist/ (the CLI) without a build step of its own. It keeps every value as the server's text, which
// the caller reads as the pool does (readValues): pg's own parsers made dates and timestamps JS
// Dates in the process's time zone, sent as UTC ISO texts (east of UTC, a date was the day before).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
const control = new Int32Array(workerData.control);
const data = new Uint8Array(workerData.data);
const client = new pg.Client({ ...workerData.config, types: { getTypeParser: () => (text) => text } });
const ready = client.connect();
client.on('error', () => {});
function reply(status, payload) {
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  if (bytes.length > data.length) {
    status = 2;
    const msg = new TextEncoder().encode(JSON.stringify({ message: 'run_query() result is larger than ' + data.length + ' bytes' }));
    data.set(msg);
    control[1] = msg.length;
  } else {
    data.set(bytes);
    control[1] = bytes.length;
  }
  Atomics.store(control, 0, status);
  Atomics.notify(control, 0);
}
parentPort.on('message', async (msg) => {
  if (msg.close) { await client.end().catch(() => {}); parentPort.close(); return; }
  try {
    await ready;
    const res = await client.query(msg.sql);
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    reply(1, { columns: (last.fields || []).map((f) => f.name), types: (last.fields || []).map((f) => f.dataTypeID), rows: last.rows || [] });
  } catch (e) {
    reply(2, { message: e.message, position: e.position, code: e.code });
  }
});
`;

export class SyncQueryChannel {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #data: Uint8Array;
  readonly #target: TargetConfig;
  #exited = false;

  constructor(target: TargetConfig) {
    this.#target = target;
    const control = new SharedArrayBuffer(8);
    const data = new SharedArrayBuffer(MAX_RESULT_BYTES);
    this.#control = new Int32Array(control);
    this.#data = new Uint8Array(data);
    const pgPath = createRequire(import.meta.url).resolve('pg');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pgPath, control, data, config: connectionConfig(target) } });
    this.#worker.unref();
    this.#worker.once('exit', () => { this.#exited = true; });
  }

  /** Runs `sql` and blocks until the result is there. Throws StrataError('DB') on failure. */
  query(sql: string): SyncQueryResult {
    Atomics.store(this.#control, 0, 0);
    this.#worker.postMessage({ sql });
    const waited = Atomics.wait(this.#control, 0, 0, TIMEOUT_MS);
    if (waited === 'timed-out') throw new StrataError('DB', 'run_query() did not answer within 10 minutes');
    const status = Atomics.load(this.#control, 0);
    const length = Atomics.load(this.#control, 1);
    const payload = JSON.parse(new TextDecoder().decode(this.#data.slice(0, length))) as SyncQueryResult & { message?: string; code?: string };
    if (status !== 1) {
      throw new StrataError('DB', `run_query() failed: ${scrubSecrets(payload.message ?? 'unknown error', this.#target)}`, {
        ...(payload.code ? { details: [`SQLSTATE ${payload.code}`] } : {}),
        hint: 'the query passed to run_query() is shown in the error; check it in psql',
      });
    }
    return readValues(payload);
  }

  async close(): Promise<void> {
    // The worker is unref'd so that an idle channel never keeps the process alive; while it is
    // closed, it must: the caller awaits its exit, and with nothing else left on the event loop
    // the process would end right here with exit code 0, before the run's summary and exit code.
    if (this.#exited) return; // (a worker that died: its 'exit' will not come again)
    this.#worker.ref();
    this.#worker.postMessage({ close: true });
    await new Promise((resolve) => this.#worker.once('exit', resolve));
  }
}

/** The worker's texts read as the pool reads them (connection.ts' textParser), each column by its type. */
function readValues(result: SyncQueryResult): SyncQueryResult {
  // A row holds one value per name: of two columns with the same name, the last one's.
  const parsers = new Map(result.columns.map((name, i) => [name, textParser(result.types?.[i] ?? 0)]));
  for (const row of result.rows) {
    for (const [name, parse] of parsers) {
      const text = row[name];
      if (typeof text === 'string') row[name] = parse(text);
    }
  }
  return result;
}
