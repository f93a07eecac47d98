/**
 * The raw table of a loaded source: every declared column as text, plus
 *   _file      text        the file's uri          DEFAULT strata_meta.load_file()
 *   _line      bigint      physical line in the file (sent with every row)
 *   _batch_id  text        the load batch          DEFAULT strata_meta.load_batch()
 *   _loaded_at timestamptz the load transaction's start  DEFAULT strata_meta.load_time()
 * and a BRIN index on _file, which finds a file's rows for replacement.
 *
 * The defaults read transaction-local settings the loader sets per file (set_config(..., true)),
 * through IMMUTABLE wrappers (meta-schema migration 2) that COPY folds to constants once per
 * COPY. Measured on 1M rows x 32 columns (server-side COPY): bare columns 0.75 s; + these
 * columns with per-row current_setting() defaults 1.07 s; with all values sent on every row
 * 1.16 s; with folded defaults about the same as literal defaults (0.97 s), which would need an
 * ALTER TABLE (exclusive lock, serializing parallel loads) per file. Why BRIN: a btree on _file
 * added 0.45-0.6 s per 1M rows to the COPY, BRIN about 0.2 s; a file's rows are contiguous, so
 * its block ranges are few.
 *
 * An existing table with other columns is an error (its hint: `--full-refresh`); fullRefresh
 * truncates a matching table and drops and recreates one whose columns differ.
 */
import { createHash } from 'node:crypto';
import { isDbError, quoteIdent, relationSql, truncateIdentifier, type Database, type DbClient } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import type { SourceNode } from '../manifest/types.js';
import { forgetSource } from './ledger.js';
import { META_COLUMNS } from './spec.js';
import type { LoadSpec } from './types.js';

export const FILE_SETTING = 'strata.load_file';
export const BATCH_SETTING = 'strata.batch_id';
const FILE_DEFAULT = 'strata_meta.load_file()';
const BATCH_DEFAULT = 'strata_meta.load_batch()';
const TIME_DEFAULT = 'strata_meta.load_time()';

interface ColumnRow {
  name: string;
  dflt: string | null;
}

async function columnsOf(db: DbClient, relation: string): Promise<ColumnRow[] | undefined> {
  const res = await db.query<ColumnRow & { kind: string }>(
    `SELECT a.attname AS name, pg_get_expr(d.adbin, d.adrelid) AS dflt, c.relkind::text AS kind
       FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.oid = to_regclass($1)
      ORDER BY a.attnum`,
    [relation],
  );
  if (res.rows.length === 0) return undefined;
  if (res.rows[0]?.kind !== 'r' && res.rows[0]?.kind !== 'p') {
    throw new StrataError('LOAD', `${relation} exists but is not a table`, { hint: 'a loaded source needs its own table; drop the view or rename the source' });
  }
  return res.rows;
}

function createSql(relation: string, spec: LoadSpec): string {
  const cols = spec.columns.map((c) => `${quoteIdent(c)} text`);
  cols.push(`"_file" text COLLATE "C" DEFAULT ${FILE_DEFAULT}`, '"_line" bigint', `"_batch_id" text DEFAULT ${BATCH_DEFAULT}`, `"_loaded_at" timestamptz DEFAULT ${TIME_DEFAULT}`);
  return `CREATE TABLE IF NOT EXISTS ${relation} (\n  ${cols.join(',\n  ')}\n)`;
}

function indexName(node: SourceNode): string {
  const hash = createHash('sha1').update(`${node.relation.schema}.${node.relation.identifier}`).digest('hex').slice(0, 8);
  return truncateIdentifier(`${node.relation.identifier.slice(0, 40)}_${hash}_file`);
}

async function ensureSchema(db: DbClient, schema: string): Promise<void> {
  const found = await db.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount > 0) return;
  try {
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    // Two loaders creating the same schema at once: the loser's unique violation is harmless.
    if (!(isDbError(err) && (err.sqlState === '23505' || err.sqlState === '42P06'))) throw err;
  }
}

async function ensureFileIndex(db: DbClient, node: SourceNode, relation: string): Promise<void> {
  const res = await db.query(
    `SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = to_regclass($1) AND a.attname = '_file'`,
    [relation],
  );
  if (res.rowCount > 0) return;
  await db.query(`CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(node))} ON ${relation} USING brin ("_file") WITH (pages_per_range = 32)`);
}

function mismatch(node: SourceNode, relation: string, found: string[], expected: string[]): StrataError {
  return new StrataError('LOAD', `raw table ${relation} of source ${node.sourceName}.${node.name} has other columns than its load: block declares`, {
    details: [`table:    ${found.join(', ')}`, `expected: ${expected.join(', ')}`],
    hint: 'run `strata load --full-refresh` for this source (recreates the table and reloads every file), or alter the table to match',
    nodeId: node.uniqueId,
  });
}

/** Sets the _file / _batch_id / _loaded_at defaults when the table was created without them. */
async function ensureDefaults(db: DbClient, relation: string, cols: ColumnRow[]): Promise<void> {
  const wanted: Array<[string, string]> = [['_file', FILE_DEFAULT], ['_batch_id', BATCH_DEFAULT], ['_loaded_at', TIME_DEFAULT]];
  for (const [name, expr] of wanted) {
    if (cols.find((c) => c.name === name)?.dflt === expr) continue;
    await db.query(`ALTER TABLE ${relation} ALTER COLUMN ${quoteIdent(name)} SET DEFAULT ${expr}`);
  }
}

/** Full refresh: TRUNCATE keeps dependent views; DROP (columns changed) fails if views depend on the table. */
async function refresh(db: Database, node: SourceNode, relation: string, matches: boolean): Promise<void> {
  try {
    await db.withTransaction(async (tx) => {
      await tx.query(matches ? `TRUNCATE ${relation}` : `DROP TABLE ${relation}`);
      await forgetSource(tx, node.uniqueId);
    });
  } catch (err) {
    if (!(isDbError(err) && err.sqlState === '2BP01')) throw err;
    throw new StrataError('LOAD', `cannot recreate raw table ${relation}: other objects depend on it`, {
      details: err.details ?? [],
      hint: 'drop the dependent views first (strata run recreates them), then load again',
      nodeId: node.uniqueId,
      cause: err,
    });
  }
}

/**
 * Runs `work` (statements that read one file's rows) with the planner held to the BRIN index on
 * _file, in the current transaction. JIT goes off too: the costs that enable_seqscan = off inflates
 * would otherwise make the server JIT-compile, about a second per statement. A failure leaves the
 * settings to the transaction's rollback.
 */
export async function withFileIndex<T>(tx: DbClient, work: () => Promise<T>): Promise<T> {
  await tx.query('SET LOCAL jit = off');
  await tx.query('SET LOCAL enable_seqscan = off');
  const result = await work();
  await tx.query('SET LOCAL enable_seqscan TO DEFAULT');
  return result;
}

/** Deletes one file's rows from a raw table through the BRIN index on _file; returns how many. */
export async function deleteFileRows(tx: DbClient, relation: string, uri: string): Promise<number> {
  return withFileIndex(tx, async () => (await tx.query(`DELETE FROM ${relation} WHERE "_file" = $1`, [uri])).rowCount ?? 0);
}

/** Brings the BRIN summary of _file up to date, so that deleting a file's rows reads only its ranges. */
export async function summarizeFileIndex(db: DbClient, relation: string): Promise<void> {
  await db.query(
    `SELECT brin_summarize_new_values(i.indexrelid::regclass)
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_am am ON am.oid = c.relam AND am.amname = 'brin'
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] AND a.attname = '_file'
      WHERE i.indrelid = to_regclass($1)`,
    [relation],
  );
}

/**
 * Read-only (dry run): does the raw table exist? Throws the column-mismatch error a real run
 * would fail with (not with fullRefresh, which would recreate the table).
 */
export async function rawTableExists(db: DbClient, node: SourceNode, spec: LoadSpec, fullRefresh: boolean): Promise<boolean> {
  const relation = relationSql(node.relation);
  const cols = await columnsOf(db, relation);
  if (!cols) return false;
  const expected = [...spec.columns, ...META_COLUMNS];
  if (!fullRefresh && cols.map((c) => c.name).join('\0') !== expected.join('\0')) throw mismatch(node, relation, cols.map((c) => c.name), expected);
  return true;
}

/**
 * Makes the raw table ready for loading. Returns true when it had to be created (then any
 * ledger entries of the source are stale and were dropped: the files load again).
 */
export async function prepareRawTable(db: Database, node: SourceNode, spec: LoadSpec, fullRefresh: boolean): Promise<boolean> {
  const relation = relationSql(node.relation);
  const expected = [...spec.columns, ...META_COLUMNS];
  let cols = await columnsOf(db, relation);
  const matches = cols !== undefined && cols.map((c) => c.name).join('\0') === expected.join('\0');
  if (cols && !matches && !fullRefresh) throw mismatch(node, relation, cols.map((c) => c.name), expected);
  if (cols && fullRefresh) {
    await refresh(db, node, relation, matches);
    if (!matches) cols = undefined;
  }
  if (cols) {
    await ensureDefaults(db, relation, cols);
    await ensureFileIndex(db, node, relation);
    return false;
  }
  await ensureSchema(db, node.relation.schema);
  await db.withTransaction(async (tx) => {
    await tx.query(createSql(relation, spec));
    await ensureFileIndex(tx, node, relation);
    await forgetSource(tx, node.uniqueId);
  });
  return true;
}
