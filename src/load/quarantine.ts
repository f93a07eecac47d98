/**
 * strata_meta.quarantine: the rows a load set aside (line number, reason, raw text cut to 1 KB),
 * replaced for a file in the same transaction that loads it.
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { quoteLiteral } from '../adapters/postgres/index.js';
import type { BadRow } from './line-validator.js';
import type { FileRef } from './types.js';

const INSERT_BATCH = 1000;

/** Deletes the file's earlier quarantine rows and inserts `rows` (batched, one statement per 1,000). */
export async function replaceQuarantine(tx: DbClient, source: string, file: FileRef, batchId: string, rows: readonly BadRow[]): Promise<void> {
  await tx.query('DELETE FROM strata_meta.quarantine WHERE source = $1 AND file_uri = $2', [source, file.uri]);
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    const part = rows.slice(i, i + INSERT_BATCH);
    await tx.query(
      `INSERT INTO strata_meta.quarantine (source, file_uri, file_name, line, reason, raw, batch_id)
       SELECT $1, $2, $3, u.line, u.reason, u.raw, $4
         FROM unnest($5::bigint[], $6::text[], $7::text[]) AS u(line, reason, raw)`,
      [source, file.uri, file.displayName, batchId, part.map((b) => b.line), part.map((b) => b.reason), part.map((b) => b.raw)],
    );
  }
}

/** The statement a user runs to see quarantined rows (of one load batch, or of one source). */
export function quarantineQuery(filter: { batchId?: string; sourceId?: string } = {}): string {
  const conds: string[] = [];
  if (filter.batchId !== undefined) conds.push(`batch_id = ${quoteLiteral(filter.batchId)}`);
  if (filter.sourceId !== undefined) conds.push(`source = ${quoteLiteral(filter.sourceId)}`);
  const where = conds.length ? ` where ${conds.join(' and ')}` : '';
  return `select file_name, line, reason, raw from strata_meta.quarantine${where} order by file_name, line;`;
}
