/**
 * The validation of a file on a thread of its own (validate-thread.ts), as a Transform on the
 * loading thread: raw chunks in, COPY rows out, as LineValidator.
 *
 * Why: splitting, validating, encoding, hashing and key-checking cost ~1.9 µs of CPU per line
 * of a keyed reload, all on the one thread where every file of every source is loaded, while
 * the sources' files load in parallel. On a thread per file being loaded, parallel sources use
 * every core, and the loading thread only moves bytes (file, gunzip, zip and S3 streams stay
 * here: chunks are copied into a buffer moved to the thread, and COPY rows come back moved).
 *
 * Threads are kept for the next file (starting one costs ~30 ms of CPU: a V8 isolate, this
 * module and hash-wasm's) and never keep the process alive. At most MAX_IN_FLIGHT bytes of
 * input wait on the thread, so memory stays bounded as with LineValidator; counts, bad rows and
 * the runs of lines not sent come back with every chunk, so progress, the quarantine of a failed
 * file and the line of a row the server rejects are known as they are on this thread.
 */
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../errors/strata-error.js';
import { StrataError } from '../errors/strata-error.js';
import { lineFormat, type LineFormat } from './line-format.js';
import type { HashPlan, LineHashResult } from './line-hashes.js';
import { lineOfCopyRow, type BadRow, type Validation } from './line-validator.js';
import type { LoadSpec } from './types.js';

export type ToThread =
  | { type: 'start'; spec: LoadSpec; fileName: string; plan?: HashPlan }
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' };

export type FromThread =
  | {
    type: 'progress'; out: Uint8Array[]; rows: number; sent: number; bytes: number; lines: number;
    /** The skipped-line runs from index runsFrom on (null: too many to keep). */
    runsFrom: number; runs: number[] | null; bad: BadRow[];
  }
  | { type: 'end'; checksum: string; hashes?: { keysUsable: boolean; unmatched: number; keysGrouped: boolean; parts: Uint8Array[] } }
  | { type: 'error'; code: string; message: string; hint?: string; details?: string[] };

/** Input bytes posted to the thread and not yet validated, at most. */
const MAX_IN_FLIGHT = 1 << 20;

/**
 * Files smaller than this are validated on the loading thread: handing chunks over costs more
 * than it saves. STRATA_LOAD_THREAD_MIN_BYTES overrides it (tests use 0 to run every file on a thread).
 */
const THREAD_MIN_BYTES = 1 << 20;

/**
 * Validation threads at once: one core fewer than the machine has, the loading thread taking the
 * last. More would only take turns on the cores (the server's included) and cost each its own
 * heap and JIT warm-up: measured on 2 cores, a first load with a thread per source (4) took
 * 7.2-8.1 s instead of 6.0-6.4 s, with 3 s more CPU.
 */
const MAX_THREADS = Math.max(0, availableParallelism() - 1);
let threadsInUse = 0;

/** Whether a file of this size gets a validation thread: a big enough one, when one is free. */
export function useValidationThread(fileBytes: number): boolean {
  const min = Number(process.env['STRATA_LOAD_THREAD_MIN_BYTES'] ?? THREAD_MIN_BYTES);
  return fileBytes >= (Number.isFinite(min) ? min : THREAD_MIN_BYTES) && threadsInUse < MAX_THREADS;
}

/** Loads the thread's module; from the TypeScript sources (under the test runner) through tsx. */
const BOOTSTRAP = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.module);
})().catch((e) => parentPort.postMessage({ type: 'error', code: 'LOAD', message: 'validation thread: ' + String((e && e.stack) || e) }));
`;

const idle: Worker[] = [];

function spawn(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    execArgv: [],
    workerData: {
      module: new URL('./validate-thread.js', import.meta.url).href,
      ...(fromSources ? { tsx: import.meta.resolve('tsx/esm/api') } : {}),
    },
  });
  worker.unref();
  // A thread that ended (it should not) is not handed out again; one in use reports it itself.
  worker.on('error', () => undefined);
  worker.on('exit', () => {
    const i = idle.indexOf(worker);
    if (i >= 0) idle.splice(i, 1);
  });
  return worker;
}

class HashesFromThread implements LineHashResult {
  constructor(
    readonly keysUsable: boolean,
    readonly unmatched: number,
    readonly keysGrouped: boolean,
    private readonly hashParts: Buffer[],
  ) {}

  parts(): Buffer[] {
    return this.hashParts;
  }
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export class ThreadedValidator extends Transform implements Validation {
  readonly format: LineFormat;
  readonly badRows: BadRow[] = [];
  rows = 0;
  sent = 0;
  bytes = 0;
  lines = 0;
  checksum: string | undefined;
  /** The line hashes, once the input has ended (when a plan was given). */
  hashes: LineHashResult | undefined;
  private worker: Worker | undefined;
  private posted = 0;
  private skipped: number[] | null = [];
  /** The write callback held back while MAX_IN_FLIGHT bytes wait on the thread. */
  private waiting: TransformCallback | undefined;
  private flushed: TransformCallback | undefined;
  private readonly onMessage = (msg: FromThread): void => this.received(msg);
  private readonly onError = (err: Error): void => this.fail(new StrataError('LOAD', `validation thread failed: ${err.message}`, { cause: err }));
  private readonly onExit = (code: number): void => this.fail(new StrataError('LOAD', `validation thread ended (exit code ${code})`));

  constructor(spec: LoadSpec, fileName: string, plan?: HashPlan) {
    super();
    this.format = lineFormat(spec);
    const worker = (this.worker = idle.pop() ?? spawn());
    threadsInUse++;
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
    worker.postMessage({ type: 'start', spec, fileName, ...(plan ? { plan } : {}) } satisfies ToThread);
  }

  lineOfCopyRow(n: number): number | undefined {
    return lineOfCopyRow(this.skipped, n);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.worker) return callback(new StrataError('LOAD', 'validation thread gone'));
    // A copy of its own, moved to the thread: the chunk may be a view of a shared pool.
    const bytes = new Uint8Array(chunk.length);
    bytes.set(chunk);
    this.worker.postMessage({ type: 'chunk', bytes } satisfies ToThread, [bytes.buffer]);
    this.posted += chunk.length;
    if (this.posted - this.bytes < MAX_IN_FLIGHT) callback();
    else this.waiting = callback;
  }

  override _flush(callback: TransformCallback): void {
    if (!this.worker) return callback(new StrataError('LOAD', 'validation thread gone'));
    this.flushed = callback;
    this.worker.postMessage({ type: 'end' } satisfies ToThread);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // Destroyed mid-file (COPY failed, the file stream broke): the thread's state is that file's.
    this.release(false);
    callback(err);
  }

  private received(msg: FromThread): void {
    if (msg.type === 'progress') {
      this.rows = msg.rows;
      this.sent = msg.sent;
      this.bytes = msg.bytes;
      this.lines = msg.lines;
      this.badRows.push(...msg.bad);
      if (msg.runs === null) this.skipped = null;
      else if (this.skipped !== null) {
        this.skipped.length = msg.runsFrom;
        for (const r of msg.runs) this.skipped.push(r);
      }
      for (const out of msg.out) this.push(asBuffer(out));
      const waiting = this.waiting;
      if (waiting && this.posted - this.bytes < MAX_IN_FLIGHT) {
        this.waiting = undefined;
        waiting();
      }
    } else if (msg.type === 'end') {
      this.checksum = msg.checksum;
      const h = msg.hashes;
      if (h) this.hashes = new HashesFromThread(h.keysUsable, h.unmatched, h.keysGrouped, h.parts.map(asBuffer));
      this.release(true);
      const flushed = this.flushed;
      this.flushed = undefined;
      flushed?.();
    } else {
      this.fail(new StrataError(msg.code as ErrorCode, msg.message, { ...(msg.hint ? { hint: msg.hint } : {}), ...(msg.details ? { details: msg.details } : {}) }));
    }
  }

  private fail(err: Error): void {
    this.release(false);
    const cb = this.waiting ?? this.flushed;
    this.waiting = this.flushed = undefined;
    if (cb) cb(err);
    else this.destroy(err);
  }

  /** Back to the idle threads after a clean end; else ended (it may be mid-file). */
  private release(reuse: boolean): void {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    threadsInUse--;
    worker.off('message', this.onMessage);
    worker.off('error', this.onError);
    worker.off('exit', this.onExit);
    if (reuse) idle.push(worker);
    else void worker.terminate();
  }
}
