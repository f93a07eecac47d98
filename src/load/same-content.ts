/**
 * A file whose modification time changed but whose size did not may still hold the very bytes
 * that were loaded: a quarterly release is downloaded again whole, and copies, `touch`, checkouts
 * and syncs all reset mtimes. Reloading it would delete and re-insert millions of identical rows
 * and make every incremental model downstream reprocess them. So before such a file is reloaded,
 * its sha1 (the checksum the loader records while streaming, over the same bytes) is compared with
 * the ledger's; equal means unchanged, and the ledger takes the new version so the next run
 * decides from size and version alone again. Reading a file to hash it costs a fraction of loading it.
 */
import { createHash } from 'node:crypto';
import type { DbClient } from '../adapters/postgres/index.js';
import type { LedgerEntry } from './ledger.js';
import type { FileRef, FileSource } from './types.js';

/** sha1 (hex) of the bytes `source.open(file)` yields: what the line validator hashes while loading. */
export async function sha1Of(source: FileSource, file: FileRef): Promise<string> {
  const hash = createHash('sha1');
  const stream = await source.open(file);
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Whether a file that `decide` called changed holds the same bytes as its ledger entry. */
export async function sameContent(source: FileSource, file: FileRef, entry: LedgerEntry): Promise<boolean> {
  if (entry.checksum === null || entry.size !== file.size) return false;
  return (await sha1Of(source, file)) === entry.checksum;
}

/** Records the file's new version on its current ledger entry (same bytes, new mtime or etag). */
export async function refreshLedgerVersion(db: DbClient, sourceId: string, file: FileRef): Promise<void> {
  await db.query(
    `UPDATE strata_meta.load_ledger SET version = $3 WHERE source = $1 AND file_uri = $2 AND status = 'loaded'`,
    [sourceId, file.uri, file.version],
  );
}
