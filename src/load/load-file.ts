/**
 * One file, one transaction:
 *
 *   BEGIN
 *   advisory lock on (source, file); re-read its ledger entry (another process may have loaded it)
 *   set_config('strata.load_file' / 'strata.batch_id', ..., true)   -- feed the _file / _batch_id defaults
 *   DELETE its previous rows (when it was loaded before; a moved file: the rows of the file it was)
 *   COPY raw (columns..., _line) FROM STDIN  <- pipeline(file, decompress, LineValidator)
 *     (a changed file of a keyed source: only differing rows are written, keyed-reload.ts)
 *   keyed source: replace its stored line hashes (line-hash-store.ts)
 *   replace its quarantine rows; ledger: previous entry 'replaced', this one 'loaded'
 *   COMMIT
 *
 * Any failure (too many bad rows, truncated archive, server error) destroys the stream, so
 * pg-copy-streams sends CopyFail and the transaction rolls back: nothing of the file stays, and a
 * 'failed' ledger row is written afterwards. A killed process leaves an open transaction that
 * the server rolls back when the connection drops.
 */
import { pipeline } from 'node:stream';
import { isDbError, quoteIdent, relationSql, type Database, type SessionClient } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { SourceNode } from '../manifest/types.js';
import type { LoadReason } from './events.js';
import { decide, lockFile, readLedgerEntry, recordFailure, recordLoad, retireFile, type LoadRecord } from './ledger.js';
import { readFingerprint } from './read-fingerprint.js';
import { copyOptionsSql } from './line-format.js';
import { LineValidator } from './line-validator.js';
import { reloadKeyed, type KeyedReloadOutcome } from './keyed-reload.js';
import { writeLineHashes } from './line-hash-store.js';
import { LineHashes } from './line-hashes.js';
import { replaceQuarantine } from './quarantine.js';
import { BATCH_SETTING, deleteFileRows, FILE_SETTING, summarizeFileIndex } from './raw-table.js';
import { sourceBytesRead } from './source-stream.js';
import type { FileLoadResult, FileRef, FileSource, LoadSpec } from './types.js';

export interface FileTask {
  node: SourceNode;
  spec: LoadSpec;
  file: FileRef;
  reason: LoadReason;
  batchId: string;
  source: FileSource;
  /** The `files:` pattern that listed the file (a load thread rebuilds its FileSource from it). */
  pattern: string;
  /** reason `moved`: the loaded file that is gone whose bytes this one holds; its rows are replaced (moved-files.ts). */
  replaces?: { uri: string; displayName: string; checksum: string };
}

export interface FileProgress {
  bytes: number;
  totalBytes: number;
  rawBytes: number;
  rows: number;
  seconds: number;
}

interface Streams {
  validator?: LineValidator;
  read?: () => number | undefined;
}

interface Outcome {
  status: 'loaded' | 'unchanged';
  reason: LoadReason;
  rows: number;
  quarantined: number;
  checksum?: string;
  delta?: KeyedReloadOutcome;
}

const PROGRESS_MS = 250;

function copySql(task: FileTask, validator: LineValidator, into: string): string {
  const cols = [...task.spec.columns.map(quoteIdent), '"_line"'].join(', ');
  return `COPY ${into} (${cols}) FROM STDIN WITH ${copyOptionsSql(validator.format)}`;
}

/** Streams the file through a fresh LineValidator into COPY of `into`. */
async function copyFile(tx: SessionClient, task: FileTask, streams: Streams, into: string, hashes?: LineHashes): Promise<LineValidator> {
  const input = await task.source.open(task.file);
  const validator = new LineValidator(task.spec, task.file.displayName, hashes);
  streams.validator = validator;
  streams.read = () => sourceBytesRead(input);
  // Errors of the file stream reach COPY through the validator, which pipeline destroys with them.
  pipeline(input, validator, () => undefined);
  const copied = await tx.copyFrom(copySql(task, validator, into), validator);
  // The file's row count is the validator's (rows kept from COPY included): it must agree with the server's.
  if (copied !== validator.sent) throw new StrataError('LOAD', `the server took ${copied} rows, ${validator.sent} were sent`);
  return validator;
}

async function loadInTransaction(tx: SessionClient, task: FileTask, streams: Streams, startedAt: Date): Promise<Outcome> {
  const { node, file, spec } = task;
  await lockFile(tx, node.uniqueId, file.uri);
  const entry = await readLedgerEntry(tx, node.uniqueId, file.uri);
  // Another process may have loaded this very version since discovery: then there is nothing to do.
  if (task.reason !== 'reload' && decide(file, entry, false, readFingerprint(spec)) === 'unchanged') return { status: 'unchanged', reason: 'unchanged', rows: 0, quarantined: 0 };
  if (task.replaces) await retireMovedFile(tx, task, task.replaces);
  await tx.query('SELECT set_config($1, $2, true), set_config($3, $4, true)', [FILE_SETTING, file.uri, BATCH_SETTING, task.batchId]);
  let validator: LineValidator;
  let hashes: LineHashes | undefined;
  let delta: KeyedReloadOutcome | undefined;
  // A changed file of a keyed source: only differing rows are written (keyed-reload.ts).
  // --reload (reason 'reload') means load the file again whole: only a detected change is diffed.
  if (entry !== undefined && diffsByKey(task)) {
    ({ validator, hashes, delta } = await reloadKeyed(tx, task, entry, (into, h) => copyFile(tx, task, streams, into, h)));
  } else {
    // Otherwise its previous rows go (through the BRIN index on _file) and the new version is
    // COPYed in; a keyed source's lines are hashed on the way for its next reload.
    if (entry) await deleteFileRows(tx, relationSql(node.relation), file.uri);
    hashes = spec.key ? LineHashes.collect(spec) : undefined;
    validator = await copyFile(tx, task, streams, relationSql(node.relation), hashes);
  }
  if (hashes && validator.checksum) await writeLineHashes(tx, node.uniqueId, file.uri, spec, validator.checksum, hashes);
  await replaceQuarantine(tx, node.uniqueId, file, task.batchId, validator.badRows);
  const outcome = {
    status: 'loaded' as const, reason: task.reason, rows: validator.rows, quarantined: validator.badRows.length,
    ...(validator.checksum ? { checksum: validator.checksum } : {}),
    ...(delta ? { delta } : {}),
  };
  await recordLoad(tx, { ...record(task, startedAt), ...outcome });
  return outcome;
}

/**
 * The file this one is (moved or renamed): its rows, quarantine rows, line hashes and ledger entry
 * go in this transaction, so the rows are this file's alone, once. Only while that entry still
 * holds the bytes it was matched on (another process may have moved or reloaded it meanwhile).
 */
async function retireMovedFile(tx: SessionClient, task: FileTask, old: NonNullable<FileTask['replaces']>): Promise<void> {
  const source = task.node.uniqueId;
  await lockFile(tx, source, old.uri);
  if ((await readLedgerEntry(tx, source, old.uri))?.checksum !== old.checksum) return;
  await deleteFileRows(tx, relationSql(task.node.relation), old.uri);
  await retireFile(tx, source, old.uri);
}

function record(task: FileTask, startedAt: Date): LoadRecord {
  return {
    source: task.node.uniqueId, relation: relationSql(task.node.relation), file: task.file, batchId: task.batchId, startedAt, rows: 0, quarantined: 0,
    readAs: readFingerprint(task.spec),
  };
}

/** `COPY t, line 12, column x: "..."`: the row COPY rejected, counted in rows received. */
const COPY_CONTEXT = /^COPY [^,]*, line (\d+)/m;

/** Any failure -> a StrataError that names the file (and the line, for a row the server rejected). */
export function fileError(err: unknown, task: FileTask, validator?: LineValidator): StrataError {
  const name = task.file.displayName;
  if (err instanceof StrataError && err.code === 'LOAD') return err;
  if (isDbError(err)) {
    const m = COPY_CONTEXT.exec(err.fields.where ?? '');
    const line = m && validator ? validator.lineOfCopyRow(Number(m[1])) : undefined;
    const at = line !== undefined ? `: line ${line}` : '';
    return new StrataError('LOAD', `${name}${at}: the database rejected the load: ${err.message}`, { ...(err.details ? { details: err.details } : {}), ...(err.hint ? { hint: err.hint } : {}), cause: err });
  }
  if (err instanceof StrataError) {
    return new StrataError(err.code, `${name}: ${err.message}`, { ...(err.hint ? { hint: err.hint } : {}), ...(err.details ? { details: err.details } : {}), cause: err });
  }
  return new StrataError('LOAD', `${name}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function startProgress(task: FileTask, streams: Streams, t0: number, onProgress?: (p: FileProgress) => void): NodeJS.Timeout | undefined {
  if (!onProgress) return undefined;
  const timer = setInterval(() => {
    const v = streams.validator;
    if (!v) return;
    const stored = streams.read?.();
    onProgress({ bytes: stored ?? v.bytes, totalBytes: task.file.size, rawBytes: v.bytes, rows: v.rows, seconds: (performance.now() - t0) / 1000 });
  }, PROGRESS_MS);
  timer.unref();
  return timer;
}

/** A changed file of a keyed source is diffed by key (keyed-reload.ts) instead of replaced whole. */
function diffsByKey(task: FileTask): boolean {
  return (task.reason === 'changed' || task.reason === 'reread') && task.spec.key !== undefined;
}

/** Loads one file in its own transaction (on its own pooled connection); never throws. */
export async function loadFile(db: Database, task: FileTask, onProgress?: (p: FileProgress) => void): Promise<FileLoadResult> {
  const t0 = performance.now();
  const startedAt = new Date();
  const streams: Streams = {};
  const timer = startProgress(task, streams, t0, onProgress);
  const base = { source: task.node.uniqueId, file: task.file, batchId: task.batchId, ...(task.replaces ? { movedFrom: task.replaces.displayName } : {}) };
  try {
    // Replacing rows: summarize the BRIN ranges loaded since the last vacuum first (outside the
    // transaction: it locks the table against other summarizations until it ends). A changed file
    // of a keyed source is diffed instead (keyed-reload.ts): it summarizes inside its transaction,
    // and only when it reads the file's old rows, which a release that only appended lines never does.
    if (task.reason !== 'new' && !diffsByKey(task)) await summarizeFileIndex(db, relationSql(task.node.relation)).catch(() => undefined);
    const out = await db.withTransaction((tx) => loadInTransaction(tx, task, streams, startedAt));
    const bytes = streams.validator?.bytes ?? 0;
    return {
      ...base, status: out.status, reason: out.reason, rows: out.rows, quarantined: out.quarantined, bytes, seconds: (performance.now() - t0) / 1000,
      ...(out.delta ? { delta: out.delta } : {}),
    };
  } catch (err) {
    const e = fileError(err, task, streams.validator);
    const v = streams.validator;
    // Nothing of the file stays, so rows_loaded is 0; the bad rows seen are kept as a count.
    const rec = { ...record(task, startedAt), quarantined: v?.badRows.length ?? 0 };
    await recordFailure(db, rec, e.message).catch(() => undefined);
    return {
      ...base, status: 'failed', reason: task.reason, rows: 0, quarantined: 0, bytes: v?.bytes ?? 0, seconds: (performance.now() - t0) / 1000,
      error: { code: e.code, message: e.details?.length ? `${e.message}: ${e.details.join('; ')}` : e.message, ...(e.hint ? { hint: e.hint } : {}) },
    };
  } finally {
    if (timer) clearInterval(timer);
  }
}
