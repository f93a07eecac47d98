/**
 * Reloading a changed file of a source with `load.key`: only the rows that differ are written.
 *
 * The agencies re-publish every monthly performance file each quarter, three months longer. A
 * plain reload deletes and re-inserts millions of identical rows, and every incremental model
 * downstream then sees them all as new (they carry the new `_batch_id`). With a key (columns that
 * identify a row within a file, e.g. loan id and reporting period) only the new version's lines
 * that differ are written, in the file's transaction, two ways:
 *
 * **Prefiltered** (the stored line hashes of the loaded version fit, line-hash-store.ts): the new
 * version streams through the validator, which hashes every good line; a line whose hash the
 * loaded version had is unchanged and is not sent at all, every other one (the delta) is COPYed
 * straight into the raw table, with this load's `_batch_id`. Then (applyPrefilteredDelta):
 *
 *   1. the new version's keys were unique and without NULLs (checked in the stream, on every
 *      line), so the delta's are too (its lines are some of the new version's);
 *   2. when every loaded line was matched by a new one (`unmatched` = 0: a release that only
 *      appends), the delta's rows are new rows and nothing else is done: no matched row can share
 *      a key with a delta line, the keys being unique, so the file's old rows are not read at all;
 *   3. otherwise the delta moves from the raw table into a temporary table (its rows are the
 *      file's rows of this batch), the lines equal in every column to the file's row of their
 *      key are dropped from it (a line respelled with the same values: line-hashes.ts hashes
 *      simple lines as written), the file's rows whose key is in the delta are DELETEd (the old
 *      versions of changed rows), and the two together must be exactly the `unmatched` lines:
 *      then every unmatched old row was respelled or changed, none vanished; the rest of the
 *      delta is INSERTed back with this load's `_batch_id`;
 *   4. the file's row count must then equal the new version's good lines.
 *
 * COPYing into the raw table, not into a temporary table and then INSERTing (what this did
 * before), saves the server a second write of every new row: at 1,000,000 loans the INSERTs took
 * 0.8-1 s per re-published monthly file, on the load's critical path.
 *
 * Otherwise (a row vanished, a key repeats or is NULL, a line that was good is bad now) the work
 * rolls back to a savepoint and the full diff below runs: the same rows as before this existed.
 *
 * **Full diff** (no fitting hashes: a file first loaded before they were stored, a changed
 * `load:` block; or the prefilter's fallback): the whole new version is COPYed into the temporary
 * table, then
 *
 *   1. the new version's keys must be unique (else: the plain replace below);
 *   2. DELETE the file's rows that are not in the new version, key and every column compared
 *      (rows that vanished or changed);
 *   3. INSERT the new version's rows that are not in the table (new or changed rows), with this
 *      load's `_batch_id`, `_line` (their line in the new version) and `_loaded_at`;
 *   4. check that the file now has exactly as many rows as the new version (it has fewer or more
 *      only when the old rows held duplicates); if not, fall back to the plain replace.
 *
 * Either way unchanged rows keep the `_batch_id`, `_line` and `_loaded_at` of the load that
 * brought them, so `_batch_id not in (seen batches)` in an incremental model takes exactly the
 * new and changed rows. The result is the same set of rows a plain reload gives; only the
 * metadata of unchanged rows differs. Both ways hash every good line, and the caller stores the
 * hashes for the next version.
 */
import { quoteIdent, relationSql, type SessionClient } from '../adapters/postgres/index.js';
import { PreviousLines } from './hash-tables.js';
import type { LedgerEntry } from './ledger.js';
import { readLineHashes } from './line-hash-store.js';
import { LineHashes } from './line-hashes.js';
import type { LineValidator } from './line-validator.js';
import type { FileTask } from './load-file.js';
import { deleteFileRows, summarizeFileIndex, withFileIndex } from './raw-table.js';

/** Name of the per-transaction table the new version is COPYed into (dropped at commit). */
const DELTA_TABLE = 'strata_keyed_reload';

/** Rolled back to when the prefiltered delta does not apply exactly. */
const PREFILTER_SAVEPOINT = 'strata_keyed_prefilter';

/** work_mem for the diff's hash joins (see raiseWorkMem). */
const DIFF_WORK_MEM = '256MB';

/**
 * The diff hashes whole rows of one file (the prefiltered delete, the delta's keys): with the
 * default 4MB it spills to disk in batches. Raised for this transaction only, never lowered
 * below the server's setting.
 */
async function raiseWorkMem(tx: SessionClient): Promise<void> {
  await tx.query(
    `SELECT set_config('work_mem', CASE WHEN pg_size_bytes(current_setting('work_mem')) < pg_size_bytes($1) THEN $1 ELSE current_setting('work_mem') END, true)`,
    [DIFF_WORK_MEM],
  );
}

async function deltaHasDuplicateKeys(tx: SessionClient, keyCols: readonly string[]): Promise<boolean> {
  const duplicate = await tx.query(`SELECT 1 FROM ${DELTA_TABLE} GROUP BY ${keyCols.join(', ')} HAVING count(*) > 1 LIMIT 1`);
  return duplicate.rows.length > 0;
}

/** Every row of the delta table into the raw table (with this load's _file, _batch_id, _loaded_at); how many. */
async function insertDelta(tx: SessionClient, raw: string, columns: readonly string[]): Promise<number> {
  const res = await tx.query(`INSERT INTO ${raw} (${columns.join(', ')}, "_line") SELECT ${columns.join(', ')}, "_line" FROM ${DELTA_TABLE}`);
  return res.rowCount ?? 0;
}

function createDeltaTableSql(task: FileTask): string {
  // LIKE copies the column types and the defaults that fill _file, _batch_id and _loaded_at.
  return `CREATE TEMP TABLE ${DELTA_TABLE} (LIKE ${relationSql(task.node.relation)} INCLUDING DEFAULTS) ON COMMIT DROP`;
}

export interface KeyedReloadOutcome {
  /** 'delta': only differing rows written; 'replaced': keys not unique or counts off, plain replace. */
  mode: 'delta' | 'replaced';
  deleted: number;
  inserted: number;
  /** Prefiltered: unchanged lines recognised by their hash and never sent to the server. */
  skipped?: number;
}

/** Streams the file into `into` through a validator that reports every good row to `hashes`. */
export type CopyInto = (into: string, hashes: LineHashes) => Promise<LineValidator>;

export interface KeyedReload {
  validator: LineValidator;
  hashes: LineHashes;
  delta: KeyedReloadOutcome;
}

/** A prefilter against the previous version's line hashes, when stored ones fit the loaded version. */
async function prefilterFor(tx: SessionClient, task: FileTask, entry: LedgerEntry): Promise<LineHashes | undefined> {
  const stored = await readLineHashes(tx, task.node.uniqueId, entry, task.spec);
  return stored ? LineHashes.prefilter(task.spec, new PreviousLines(stored.parts), stored.keysGrouped) : undefined;
}

/** A changed file of a keyed source: prefiltered when possible, else the full diff (see the file comment). */
export async function reloadKeyed(tx: SessionClient, task: FileTask, entry: LedgerEntry, copy: CopyInto): Promise<KeyedReload> {
  const key = task.spec.key!;
  const previousRows = Number(entry.rowsLoaded);
  const prefilter = await prefilterFor(tx, task, entry);
  if (prefilter) {
    await tx.query(`SAVEPOINT ${PREFILTER_SAVEPOINT}`);
    const validator = await copy(relationSql(task.node.relation), prefilter);
    const delta = prefilter.keysUsable ? await applyPrefilteredDelta(tx, task, key, validator, prefilter.unmatched, previousRows) : undefined;
    if (delta) return { validator, hashes: prefilter, delta };
    // Also removes the rows COPYed into the raw table (and the delta table, if created).
    await tx.query(`ROLLBACK TO SAVEPOINT ${PREFILTER_SAVEPOINT}`);
  }
  await tx.query(createDeltaTableSql(task));
  const hashes = LineHashes.collect(task.spec);
  const validator = await copy(DELTA_TABLE, hashes);
  await analyzeDelta(tx, key);
  const delta = await applyKeyedReload(tx, task, key, validator.rows, previousRows);
  return { validator, hashes, delta };
}

/** Temporary tables get no autovacuum statistics: the diff is planned on real ones (row count and key columns). */
async function analyzeDelta(tx: SessionClient, key: readonly string[]): Promise<void> {
  await tx.query(`ANALYZE ${DELTA_TABLE} (${key.map(quoteIdent).join(', ')})`);
}

/**
 * Settles the delta of a prefiltered reload (the new version's lines the loaded one did not have,
 * already COPYed into the raw table); undefined when the result is not exactly the new version
 * (the caller rolls back). `unmatched`: loaded lines that no new line matched.
 */
async function applyPrefilteredDelta(
  tx: SessionClient, task: FileTask, key: readonly string[], validator: LineValidator, unmatched: number, previousRows: number,
): Promise<KeyedReloadOutcome | undefined> {
  const raw = relationSql(task.node.relation);
  const columns = task.spec.columns.map(quoteIdent);
  const keyCols = key.map(quoteIdent);
  // The delta's keys are unique: they are some of the new version's, which the stream checked
  // (keysUsable). Statistics and memory are for the statements over the file's old rows, which
  // only a version with unmatched old lines needs.
  if (unmatched === 0) {
    // Only new rows (2. in the file comment): the COPY's count was checked against the lines sent.
    return previousRows + validator.sent === validator.rows ? { mode: 'delta', deleted: 0, inserted: validator.sent, skipped: validator.rows - validator.sent } : undefined;
  }
  let respelled = 0;
  let deleted = 0;
  await tx.query(createDeltaTableSql(task));
  const compared = await withFileIndex(tx, async () => {
    await raiseWorkMem(tx);
    await summarizeInTransaction(tx, raw);
    // The lines sent are the file's rows of this batch: moved to the delta table, to be compared.
    const moved = await tx.query(
      `WITH sent AS (DELETE FROM ${raw} AS r WHERE r."_file" = $1 AND r."_batch_id" = $2 RETURNING ${columns.join(', ')}, "_line")
       INSERT INTO ${DELTA_TABLE} (${columns.join(', ')}, "_line") SELECT * FROM sent`,
      [task.file.uri, task.batchId],
    );
    if (moved.rowCount !== validator.sent) return false;
    await analyzeDelta(tx, key);
    // A line respelled with the same values (line-hashes.ts) is its old row: it stays as it is.
    const same = await tx.query(
      `DELETE FROM ${DELTA_TABLE} AS t USING ${raw} AS r WHERE r."_file" = $1 AND ${sameRowSql(columns, keyCols)}`,
      [task.file.uri],
    );
    respelled = same.rowCount ?? 0;
    const gone = await tx.query(
      `DELETE FROM ${raw} AS r WHERE r."_file" = $1 AND EXISTS (SELECT FROM ${DELTA_TABLE} AS t WHERE ${sameKeySql(keyCols)})`,
      [task.file.uri],
    );
    deleted = gone.rowCount ?? 0;
    return true;
  });
  if (!compared || deleted + respelled !== unmatched) return undefined;
  const inserted = await insertDelta(tx, raw, columns);
  if (inserted !== validator.sent - respelled || previousRows - deleted + inserted !== validator.rows) return undefined;
  return { mode: 'delta', deleted, inserted, skipped: validator.rows - validator.sent };
}

/** The delta row t has the raw row r's key (t, r aliases). */
function sameKeySql(keyCols: readonly string[]): string {
  return keyCols.map((c) => `t.${c} = r.${c}`).join(' AND ');
}

/** The delta row t is the raw row r: same key, same values. */
function sameRowSql(columns: readonly string[], keyCols: readonly string[]): string {
  const rest = columns.filter((c) => !keyCols.includes(c));
  if (rest.length === 0) return sameKeySql(keyCols);
  return `${sameKeySql(keyCols)} AND (${rest.map((c) => `t.${c}`).join(', ')}) IS NOT DISTINCT FROM (${rest.map((c) => `r.${c}`).join(', ')})`;
}

/**
 * After the new version was COPYed into DELTA_TABLE (`rows` rows): apply it to the raw table.
 * `previousRows` is the ledger's row count of the version being replaced.
 */
async function applyKeyedReload(tx: SessionClient, task: FileTask, key: readonly string[], rows: number, previousRows: number): Promise<KeyedReloadOutcome> {
  const raw = relationSql(task.node.relation);
  const columns = task.spec.columns.map(quoteIdent);
  const keyCols = key.map(quoteIdent);
  const sameRow = sameRowSql(columns, keyCols);
  await raiseWorkMem(tx);
  // All in one withFileIndex: the file's old rows through the BRIN index on _file, and no JIT for
  // statements over a whole file's rows (the uniqueness check included).
  await summarizeInTransaction(tx, raw);
  const diff = await withFileIndex(tx, async () => {
    if (await deltaHasDuplicateKeys(tx, keyCols)) return undefined;
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
  await insertDelta(tx, raw, columns);
  return { mode: 'replaced', deleted, inserted: rows };
}

/**
 * Brings the BRIN summary of _file up to date before a keyed reload reads the file's old rows
 * (load-file.ts leaves it to this point: a prefiltered reload that only appends never reads them).
 * Inside the file's transaction, so other files of the source that also summarize wait for this
 * one to commit; the first one does the work. Under a savepoint: a failure (e.g. a server without
 * the function) only means the index reads more ranges.
 */
async function summarizeInTransaction(tx: SessionClient, raw: string): Promise<void> {
  await tx.query('SAVEPOINT strata_brin_summarize');
  try {
    await summarizeFileIndex(tx, raw);
    await tx.query('RELEASE SAVEPOINT strata_brin_summarize');
  } catch {
    await tx.query('ROLLBACK TO SAVEPOINT strata_brin_summarize');
  }
}
