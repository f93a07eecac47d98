/**
 * strata_meta.load_line_hashes (meta-schema migration 3): the line hashes (line-hashes.ts) of the
 * loaded version of each file of a keyed source, in parts of up to 2^20 hashes (one bytea of
 * 16 MiB each: a single value of a large file would pass 1 GB of hex text, beyond what a
 * JavaScript string holds).
 *
 * Written in the file's transaction, so they commit or roll back with its rows: after a failed
 * load the previous version's rows and hashes are both still there. A stored set is used only
 * when it describes exactly the loaded version: the ledger's checksum (sha1 of the file's bytes),
 * the same format fingerprint (what a hashed line means), and as many hashes as the ledger's
 * row count. Anything else (a file loaded before this table existed, a changed delimiter or
 * NULL string, a set from a load while the source had no key) means no prefilter: the full diff
 * runs and stores a set for next time.
 */
import { createHash } from 'node:crypto';
import type { DbClient } from '../adapters/postgres/index.js';
import { HASH_BYTES } from './hash-tables.js';
import type { LedgerEntry } from './ledger.js';
import type { LineHashes } from './line-hashes.js';
import { copyOptionsSql, lineFormat } from './line-format.js';
import type { LoadSpec } from './types.js';

/**
 * What a hashed line means (line-hashes.ts hashes simple lines as written, others as encoded for
 * COPY): COPY's options (delimiter, NULL string), the bytes' encoding, the columns, and what
 * reads a line as written: the null values, the quote, and which field counts make a good row.
 * `lines: raw` marks the hashing of simple lines as written and `hash` the function (sets stored
 * before, xxHash3-128 of every row encoded, do not fit: the first reload after the change takes
 * the full diff).
 */
export function formatFingerprint(spec: LoadSpec): string {
  const parts = {
    lines: 'raw',
    hash: 'murmur3-x86-128',
    copy: copyOptionsSql(lineFormat(spec)),
    encoding: spec.encoding,
    columns: spec.columns,
    nullValues: [...new Set(spec.nullValues)].sort(),
    quote: spec.quote,
    minColumns: spec.minColumns,
    extraColumns: spec.extraColumns,
  };
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex');
}

export interface StoredLineHashes {
  parts: Buffer[];
  /** Each value of the version's first key column was one run of adjacent rows (key-check.ts). */
  keysGrouped: boolean;
}

/** The stored hashes of the loaded version `entry` describes, or undefined when there are none that fit. */
export async function readLineHashes(tx: DbClient, sourceId: string, entry: LedgerEntry, spec: LoadSpec): Promise<StoredLineHashes | undefined> {
  if (entry.checksum === null) return undefined;
  // Only parts of this version and format come back: a stale set (another version, a changed
  // load: block) is not downloaded to be thrown away. A part missing shows in the byte count.
  const res = await tx.query<{ lines: string; keys_grouped: boolean; hashes: Buffer }>(
    `SELECT lines, keys_grouped, hashes FROM strata_meta.load_line_hashes
      WHERE source = $1 AND file_uri = $2 AND checksum = $3 AND format = $4 ORDER BY part`,
    [sourceId, entry.fileUri, entry.checksum, formatFingerprint(spec)],
  );
  const parts = res.rows;
  const lines = Number(entry.rowsLoaded);
  const fits = parts.length > 0 && parts.every((p) => Number(p.lines) === lines);
  const stored = parts.reduce((n, p) => n + p.hashes.length, 0);
  if (!fits || stored !== lines * HASH_BYTES) return undefined;
  return { parts: parts.map((p) => p.hashes), keysGrouped: parts.every((p) => p.keys_grouped) };
}

/** Replaces the file's stored hashes with those of the version being loaded (in its transaction). */
export async function writeLineHashes(tx: DbClient, sourceId: string, uri: string, spec: LoadSpec, checksum: string, hashes: LineHashes): Promise<void> {
  const parts = hashes.hashes.parts();
  await tx.query('DELETE FROM strata_meta.load_line_hashes WHERE source = $1 AND file_uri = $2', [sourceId, uri]);
  const lines = hashes.hashes.count;
  const format = formatFingerprint(spec);
  // An empty file still gets a (empty) part: its next version is prefiltered against nothing.
  const all = parts.length > 0 ? parts : [Buffer.alloc(0)];
  for (const [part, bytes] of all.entries()) {
    await tx.query(
      `INSERT INTO strata_meta.load_line_hashes (source, file_uri, part, checksum, format, lines, keys_grouped, hashes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [sourceId, uri, part, checksum, format, lines, hashes.keys.grouped, bytes],
    );
  }
}

/** Full refresh, or the raw table vanished: the source's stored hashes go with its ledger (or one file's, when it moved). */
export async function forgetLineHashes(tx: DbClient, sourceId: string, uri?: string): Promise<void> {
  if (uri === undefined) await tx.query('DELETE FROM strata_meta.load_line_hashes WHERE source = $1', [sourceId]);
  else await tx.query('DELETE FROM strata_meta.load_line_hashes WHERE source = $1 AND file_uri = $2', [sourceId, uri]);
}
