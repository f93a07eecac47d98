/**
 * A validation thread (threaded-validator.ts starts it): runs one file's LineValidation, with its
 * line hashes, at a time, on raw chunks posted by the loading thread, and posts back the COPY
 * rows with the counts, skipped-line runs and bad rows found so far. It takes the next file when
 * the previous one ended; after an error the loading thread ends it.
 */
import { parentPort } from 'node:worker_threads';
import { StrataError } from '../errors/strata-error.js';
import { LineHashes, type HashPlan } from './line-hashes.js';
import { LineValidation } from './line-validator.js';
import type { FromThread, ToThread } from './threaded-validator.js';

const port = parentPort!;

interface File {
  validation: LineValidation;
  hashes: LineHashes | undefined;
  out: Uint8Array[];
  /** Skipped-line runs and bad rows already posted (the last run may grow: it is posted again). */
  runsPosted: number;
  badPosted: number;
}

let file: File | undefined;

/** A structured clone of a Buffer arrives as a Uint8Array. */
const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

async function start(msg: Extract<ToThread, { type: 'start' }>): Promise<void> {
  const plan: HashPlan | undefined = msg.plan?.kind === 'prefilter' ? { ...msg.plan, previous: msg.plan.previous.map(asBuffer) } : msg.plan;
  const hashes = plan ? await LineHashes.create(msg.spec, plan) : undefined;
  const out: Uint8Array[] = [];
  const validation = new LineValidation(msg.spec, msg.fileName, (bytes) => out.push(bytes), hashes);
  file = { validation, hashes, out, runsPosted: 0, badPosted: 0 };
}

/** Output buffers of their own are moved, not copied; a small one may share Node's pool. */
function transferable(out: Uint8Array[]): ArrayBuffer[] {
  return out.filter((b) => b.buffer.byteLength > Buffer.poolSize).map((b) => b.buffer as ArrayBuffer);
}

function postProgress(f: File): void {
  const v = f.validation;
  const runs = v.skipped;
  const runsFrom = Math.max(0, f.runsPosted - 2);
  const msg: FromThread = {
    type: 'progress', out: f.out.splice(0), rows: v.rows, sent: v.sent, bytes: v.bytes, lines: v.lines,
    runsFrom, runs: runs === null ? null : runs.slice(runsFrom), bad: v.badRows.slice(f.badPosted),
  };
  f.runsPosted = runs?.length ?? 0;
  f.badPosted = v.badRows.length;
  port.postMessage(msg, transferable(msg.type === 'progress' ? msg.out : []));
}

function end(f: File): void {
  f.validation.finish();
  postProgress(f);
  const h = f.hashes;
  const parts = h?.parts() ?? [];
  const msg: FromThread = {
    type: 'end', checksum: f.validation.checksum!,
    ...(h ? { hashes: { keysUsable: h.keysUsable, unmatched: h.unmatched, keysGrouped: h.keysGrouped, parts } } : {}),
  };
  port.postMessage(msg, parts.map((p) => p.buffer as ArrayBuffer).filter((b) => b.byteLength > Buffer.poolSize));
  file = undefined;
}

async function handle(msg: ToThread): Promise<void> {
  const f = file;
  try {
    if (msg.type === 'start') return await start(msg);
    if (!file) throw new Error(`validation thread: '${msg.type}' without a file`);
    if (msg.type === 'chunk') {
      file.validation.feed(asBuffer(msg.bytes));
      postProgress(file);
    } else {
      end(file);
    }
  } catch (err) {
    // The counts and bad rows as far as the file got (a failed file's quarantine count); its
    // unsent rows are dropped, as the file fails.
    if (f) {
      f.out.length = 0;
      postProgress(f);
    }
    file = undefined;
    const e = err instanceof StrataError ? err : undefined;
    port.postMessage({
      type: 'error', code: e?.code ?? 'LOAD', message: (err as Error)?.message ?? String(err),
      ...(e?.hint ? { hint: e.hint } : {}), ...(e?.details ? { details: e.details } : {}),
    } satisfies FromThread);
  }
}

// Messages are handled one after another (starting a file awaits the hasher's wasm).
let queue = Promise.resolve();
port.on('message', (msg: ToThread) => {
  queue = queue.then(() => handle(msg));
});
