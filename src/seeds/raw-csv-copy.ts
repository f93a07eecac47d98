/**
 * Pass 2 when the scan found nothing to rewrite: the seed file's own bytes go to
 * `COPY ... FROM STDIN (FORMAT csv, HEADER true, ...)`, and the server parses them, as it does for
 * psql's \copy. No row is parsed or encoded in JavaScript.
 *
 * What makes the raw bytes load exactly what dbt's rules (and the re-encoding path) load:
 *  - the scan (csv-scan.ts) accepted the file's shape and found no NULL spelled other than as an
 *    empty field, no padded typed value, no blank line between rows, no lone `\.` line;
 *  - FORCE_NULL on every column: an empty *quoted* field is NULL too (CSV COPY would load '');
 *  - the byte range starts at the header (after a BOM and leading blank lines; HEADER skips it)
 *    and ends after the last row (trailing blank lines would be rows for COPY);
 *  - the file was checked for UTF-8 by the scan, and ENCODING 'UTF8' says so to the server.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { quoteIdent, quoteLiteral, relationSql, type CopySource, type SessionClient } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { RelationName } from '../manifest/types.js';
import { copyError, seedOrigin } from './copy-error.js';
import { locateCsvCopyLine } from './locate-row.js';
import type { LoadSeedOptions } from './load-seed.js';
import type { CopyPlan, SeedColumn } from './seed-schema.js';

export type RawCopyPlan = Extract<CopyPlan, { kind: 'raw' }>;

export function rawCsvCopySql(table: Pick<RelationName, 'schema' | 'identifier'>, columns: readonly SeedColumn[], delimiter: string): string {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const options = ['FORMAT csv', 'HEADER true', `DELIMITER ${quoteLiteral(delimiter)}`, `FORCE_NULL (${names})`, "ENCODING 'UTF8'"];
  return `COPY ${relationSql(table)} (${names}) FROM STDIN WITH (${options.join(', ')})`;
}

/** The planned byte range of the file, read in large chunks (fewer, bigger CopyData messages). */
export function rawCsvSource(file: string, plan: RawCopyPlan): Readable {
  return createReadStream(file, { start: plan.start, end: plan.end - 1, highWaterMark: 1024 * 1024 });
}

/**
 * COPY of the planned bytes (or `source`: the same bytes, streamed while pass 1 scans them), a
 * rejected row reported at its line in the file.
 */
export async function copyRawCsv(client: SessionClient, opts: LoadSeedOptions, columns: readonly SeedColumn[], plan: RawCopyPlan, source?: CopySource): Promise<number> {
  try {
    return await client.copyFrom(rawCsvCopySql(opts.table, columns, plan.delimiter), source ?? rawCsvSource(opts.file, plan), opts.nodeId ? { nodeId: opts.nodeId } : undefined);
  } catch (err) {
    throw await copyError(err, opts, columns, (n) => locateCsvCopyLine(opts.file, n, plan));
  }
}

/**
 * The server must have loaded exactly the rows pass 1 counted. A difference would mean its CSV
 * parser read the file differently from the scanner (or the file changed during the load): fail
 * rather than keep a table that is not the file.
 */
export function checkRawRowCount(copied: number, scanned: number, opts: LoadSeedOptions): void {
  if (copied === scanned) return;
  throw new StrataError('INTERNAL', `COPY loaded ${copied} rows, but the seed file has ${scanned}`, {
    ...seedOrigin(opts, 0),
    hint: 'did the file change during the load? If not, please report this with the file',
  });
}
