/**
 * strata_meta.load_ledger (created by meta-schema migration 2): which file was loaded into which
 * source, and the decision new / changed / unchanged for a discovered file.
 *
 * A file's current load is its one row with status 'loaded' (a partial unique index holds that).
 * recordLoad runs inside the file's transaction, so the ledger row, the file's rows and the
 * removal of its previous rows commit or vanish together; a killed process leaves no row.
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { fnv1a32 } from '../state/index.js';
import type { LoadReason } from './events.js';
import { forgetLineHashes } from './line-hash-store.js';
import type { FileRef } from './types.js';

export interface LedgerEntry {
  fileUri: string;
  fileName: string;
  size: number;
  version: string;
  checksum: string | null;
  rowsLoaded: number;
  rowsQuarantined: number;
  batchId: string;
  /** How the `load:` block read the file (read-fingerprint.ts); null for loads before strata recorded it. */
  readAs: string | null;
}

/** "STRL": transaction-scoped advisory locks on one (source, file) while it loads. */
export const LOAD_LOCK_NAMESPACE = 0x5354524c;

// read_as through the row's JSON: a dry run (which upgrades nothing) may read a ledger from before
// the column existed (meta-schema version 4), where it is simply absent.
const ENTRY_COLUMNS = `file_uri AS "fileUri", file_name AS "fileName", size, version, checksum,
  rows_loaded AS "rowsLoaded", rows_quarantined AS "rowsQuarantined", batch_id AS "batchId", to_jsonb(l) ->> 'read_as' AS "readAs"`;

export async function ledgerExists(db: DbClient): Promise<boolean> {
  const res = await db.query<{ ok: boolean }>("SELECT to_regclass('strata_meta.load_ledger') IS NOT NULL AS ok");
  return res.rows[0]?.ok === true;
}

/** The current ('loaded') entries of a source, by file uri. Empty when the ledger does not exist. */
export async function readLedger(db: DbClient, sourceId: string): Promise<Map<string, LedgerEntry>> {
  if (!(await ledgerExists(db))) return new Map();
  const res = await db.query<LedgerEntry>(
    `SELECT ${ENTRY_COLUMNS} FROM strata_meta.load_ledger l WHERE source = $1 AND status = 'loaded'`,
    [sourceId],
  );
  return new Map(res.rows.map((r) => [r.fileUri, { ...r, size: Number(r.size), rowsLoaded: Number(r.rowsLoaded), rowsQuarantined: Number(r.rowsQuarantined) }]));
}

/** The current entry of one file (inside the file's transaction, after lockFile). */
export async function readLedgerEntry(db: DbClient, sourceId: string, uri: string): Promise<LedgerEntry | undefined> {
  const res = await db.query<LedgerEntry>(
    `SELECT ${ENTRY_COLUMNS} FROM strata_meta.load_ledger l WHERE source = $1 AND file_uri = $2 AND status = 'loaded'`,
    [sourceId, uri],
  );
  const r = res.rows[0];
  return r ? { ...r, size: Number(r.size) } : undefined;
}

/**
 * Same size and version as the loaded one, read the same way (`readAs`, read-fingerprint.ts):
 * unchanged. `reload` forces a load of known files. A file loaded before strata recorded how it
 * was read counts as read the current way.
 */
export function decide(ref: FileRef, entry: LedgerEntry | undefined, reload: boolean, readAs: string): LoadReason {
  if (!entry) return 'new';
  if (reload) return 'reload';
  if (entry.size !== ref.size || entry.version !== ref.version) return 'changed';
  return sameReading(entry, readAs) ? 'unchanged' : 'reread';
}

/** The loaded version was read as the `load:` block reads it now (or strata did not record how). */
export function sameReading(entry: LedgerEntry, readAs: string): boolean {
  return entry.readAs === null || entry.readAs === readAs;
}

/**
 * Files loaded before strata recorded how it read them, found unchanged: they are taken as read
 * the way the block reads them now, and recorded so, so that a later change of the block rereads
 * them too (instead of their never being checked).
 */
export async function adoptReading(db: DbClient, sourceId: string, uris: string[], readAs: string): Promise<void> {
  if (uris.length === 0) return;
  await db.query(
    `UPDATE strata_meta.load_ledger SET read_as = $3 WHERE source = $1 AND file_uri = ANY($2) AND status = 'loaded' AND read_as IS NULL`,
    [sourceId, uris, readAs],
  );
}

/** Serializes loads of the same file of the same source (other processes included) until commit. */
export async function lockFile(tx: DbClient, sourceId: string, uri: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOAD_LOCK_NAMESPACE | 0, fnv1a32(`${sourceId}\n${uri}`) | 0]);
}

export interface LoadRecord {
  source: string;
  relation: string;
  file: FileRef;
  batchId: string;
  startedAt: Date;
  checksum?: string;
  rows: number;
  quarantined: number;
  /** How the `load:` block read the file (read-fingerprint.ts). */
  readAs: string;
}

/** Inside the file's transaction: the previous entry becomes 'replaced', this one 'loaded'. */
export async function recordLoad(tx: DbClient, rec: LoadRecord): Promise<void> {
  await tx.query(
    `UPDATE strata_meta.load_ledger SET status = 'replaced' WHERE source = $1 AND file_uri = $2 AND status = 'loaded'`,
    [rec.source, rec.file.uri],
  );
  await insertEntry(tx, rec, 'loaded', null);
}

/** After a rolled-back attempt (own statement, outside the failed transaction). */
export async function recordFailure(db: DbClient, rec: LoadRecord, error: string): Promise<void> {
  await insertEntry(db, rec, 'failed', error);
}

async function insertEntry(db: DbClient, rec: LoadRecord, status: string, error: string | null): Promise<void> {
  await db.query(
    `INSERT INTO strata_meta.load_ledger (source, relation, file_uri, file_name, size, version, checksum,
       rows_loaded, rows_quarantined, batch_id, started_at, finished_at, status, error, read_as)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, clock_timestamp(), $12, $13, $14)`,
    [
      rec.source, rec.relation, rec.file.uri, rec.file.displayName, rec.file.size, rec.file.version, rec.checksum ?? null,
      rec.rows, rec.quarantined, rec.batchId, rec.startedAt.toISOString(), status, error, rec.readAs,
    ],
  );
}

/**
 * A loaded file found again under another identity (moved, renamed): inside the new file's
 * transaction, its entry becomes 'replaced' and its quarantine rows and line hashes go (its rows
 * are deleted by the caller), so the new identity is the only one holding those rows.
 */
export async function retireFile(tx: DbClient, sourceId: string, uri: string): Promise<void> {
  await tx.query(`UPDATE strata_meta.load_ledger SET status = 'replaced' WHERE source = $1 AND file_uri = $2 AND status = 'loaded'`, [sourceId, uri]);
  await tx.query('DELETE FROM strata_meta.quarantine WHERE source = $1 AND file_uri = $2', [sourceId, uri]);
  await forgetLineHashes(tx, sourceId, uri);
}

/** Full refresh, or the raw table vanished: the source's ledger, quarantine rows and line hashes go. */
export async function forgetSource(tx: DbClient, sourceId: string): Promise<void> {
  await tx.query(`UPDATE strata_meta.load_ledger SET status = 'replaced' WHERE source = $1 AND status = 'loaded'`, [sourceId]);
  await tx.query('DELETE FROM strata_meta.quarantine WHERE source = $1', [sourceId]);
  await forgetLineHashes(tx, sourceId);
}

/**
 * A token that changes whenever the loaded content of a source changes (a file loaded, replaced
 * or reloaded): a hash of its current files and their batches. Undefined when strata has loaded
 * nothing into the source (then it is not a strata-loaded source for state purposes).
 */
export async function dataVersionOfSource(db: DbClient, sourceId: string): Promise<string | undefined> {
  if (!(await ledgerExists(db))) return undefined;
  const res = await db.query<{ v: string | null }>(
    `SELECT md5(string_agg(file_uri || ' ' || batch_id, E'\\n' ORDER BY file_uri)) AS v
       FROM strata_meta.load_ledger WHERE source = $1 AND status = 'loaded'`,
    [sourceId],
  );
  return res.rows[0]?.v ?? undefined;
}
