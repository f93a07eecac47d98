/**
 * Reloading a changed file of a source with `load.key`: only the rows that differ are written.
 *
 * The agencies re-publish every monthly performance file each quarter, three months longer. A
 * plain reload deletes and re-inserts millions of identical rows, and every incremental model
 * downstream then sees them all as new (they carry the new `_batch_id`). With a key (columns that
 * identify a row within a file, e.g. loan id and reporting period) the new version is COPYed into
 * a temporary table instead, and then, in the file's transaction:
 *
 *   1. the new version's keys must be unique (else: the plain replace below);
 *   2. DELETE the file's rows that are not in the new version, key and every column compared
 *      (rows that vanished or changed);
 *   3. INSERT the new version's rows that are not in the table (new or changed rows), with this
 *      load's `_batch_id`, `_line` (their line in the new version) and `_loaded_at`;
 *   4. check that the file now has exactly as many rows as the new version (it has fewer or more
 *      only when the old rows held duplicates); if not, fall back to the plain replace.
 *
 * Unchanged rows keep the `_batch_id`, `_line` and `_loaded_at` of the load that brought them, so
 * `_batch_id not in (seen batches)` in an incremental model takes exactly the new and changed rows.
 * The result is the same set of rows a plain reload gives; only the metadata of unchanged rows differs.
 */
import { quoteIdent, relationSql, type SessionClient } from '../adapters/postgres/index.js';
import type { FileTask } from './load-file.js';
import { deleteFileRows, withFileIndex } from './raw-table.js';

/** Name of the per-transaction table the new version is COPYed into (dropped at commit). */
export const DELTA_TABLE = 'strata_keyed_reload';

/** work_mem for the diff's hash joins (see applyKeyedReload). */
const DIFF_WORK_MEM = '256MB';

export function createDeltaTableSql(task: FileTask): string {
  // LIKE copies the column types and the defaults that fill _file, _batch_id and _loaded_at.
  return `CREATE TEMP TABLE ${DELTA_TABLE} (LIKE ${relationSql(task.node.relation)} INCLUDING DEFAULTS) ON COMMIT DROP`;
}

export interface KeyedReloadOutcome {
  /** 'delta': only differing rows written; 'replaced': keys not unique or counts off, plain replace. */
  mode: 'delta' | 'replaced';
  deleted: number;
  inserted: number;
}

/**
 * After the new version was COPYed into DELTA_TABLE (`rows` rows): apply it to the raw table.
 * `previousRows` is the ledger's row count of the version being replaced.
 */
export async function applyKeyedReload(tx: SessionClient, task: FileTask, key: readonly string[], rows: number, previousRows: number): Promise<KeyedReloadOutcome> {
  const raw = relationSql(task.node.relation);
  const columns = task.spec.columns.map(quoteIdent);
  const keyCols = key.map(quoteIdent);
  const rest = columns.filter((c) => !keyCols.includes(c));
  const sameRow = [
    ...keyCols.map((c) => `t.${c} = r.${c}`),
    ...(rest.length ? [`(${rest.map((c) => `t.${c}`).join(', ')}) IS NOT DISTINCT FROM (${rest.map((c) => `r.${c}`).join(', ')})`] : []),
  ].join(' AND ');

  // The diff hashes whole rows of one file: with the default 4MB it spills to disk in batches.
  // Raised for this transaction only, never lowered below the server's setting.
  await tx.query(
    `SELECT set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes($1) THEN $1 ELSE current_setting('work_mem') END, true)`,
    [DIFF_WORK_MEM],
  );
  // All in one withFileIndex: the file's old rows through the BRIN index on _file, and no JIT for
  // statements over a whole file's rows (the uniqueness check included).
  const diff = await withFileIndex(tx, async () => {
    const duplicate = await tx.query(`SELECT 1 FROM ${DELTA_TABLE} GROUP BY ${keyCols.join(', ')} HAVING count(*) > 1 LIMIT 1`);
    if (duplicate.rows.length > 0) return undefined;
    const deleted = await tx.query(
      `DELETE FROM ${raw} AS r WHERE r."_file" = $1 AND NOT EXISTS (SELECT FROM ${DELTA_TABLE} AS t WHERE ${sameRow})`,
      [task.file.uri],
    );
    const inserted = await tx.query(
      `INSERT INTO ${raw} (${columns.join(', ')}, "_line")
       SELECT ${columns.map((c) => `t.${c}`).join(', ')}, t."_line" FROM ${DELTA_TABLE} AS t
        WHERE NOT EXISTS (SELECT FROM ${raw} AS r WHERE r."_file" = $1 AND ${sameRow})`,
      [task.file.uri],
    );
    return { deleted: deleted.rowCount ?? 0, inserted: inserted.rowCount ?? 0 };
  });
  if (diff && previousRows - diff.deleted + diff.inserted === rows) return { mode: 'delta', ...diff };
  // Duplicate keys (a multiset cannot be diffed by key) or duplicates among the old rows: replace.
  const deleted = await deleteFileRows(tx, raw, task.file.uri);
  await tx.query(`INSERT INTO ${raw} (${columns.join(', ')}, "_line") SELECT ${columns.join(', ')}, "_line" FROM ${DELTA_TABLE}`);
  return { mode: 'replaced', deleted, inserted: rows };
}
