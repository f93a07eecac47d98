/**
 * Loads one seed CSV into a new table with COPY, dbt-compatible in types and null handling.
 *
 *   1. Read the file once to infer column types (seed-schema.ts); header problems fail here,
 *      before anything touches the database.
 *   2. CREATE SCHEMA if missing, CREATE TABLE with the inferred / overridden types.
 *   3. Read the file again, streaming re-encoded rows into `COPY ... FROM STDIN` (never INSERT).
 *
 * Memory stays flat whatever the file size: neither pass keeps rows. The caller owns the
 * transaction and the table name (the runner passes a staged name and swaps it in afterwards);
 * a failed load can leave a partial table under that name, which the caller drops.
 */
import { isDbError, quoteIdent, relationSql, type SessionClient } from '../adapters/postgres/index.js';
import { StrataError, type SourceLocation } from '../errors/strata-error.js';
import type { RelationName } from '../manifest/types.js';
import { copyChunks, copyOptionsSql, type CopyFormat } from './copy-encoding.js';
import { locateRecordLine, readCsvRecords, type CsvSourceOptions } from './csv-source.js';
import { inferSeedSchema, type SeedColumn, type SeedSchemaOptions } from './seed-schema.js';

export interface LoadSeedOptions extends SeedSchemaOptions {
  /** Path of the CSV file to read. */
  file: string;
  /** Table to create (must not exist); its schema is created when missing. */
  table: RelationName;
  /** COPY payload encoding; `text` (default) measured faster, `csv` kept for comparison. */
  copyFormat?: CopyFormat;
}

export interface LoadSeedResult {
  rows: number;
  columns: Array<{ name: string; type: string }>;
  warnings: string[];
}

export async function loadSeed(client: SessionClient, opts: LoadSeedOptions): Promise<LoadSeedResult> {
  const schema = await inferSeedSchema(opts.file, opts);
  await ensureSchema(client, opts.table.schema);
  await createTable(client, opts, schema.columns);
  const rows = await copyRows(client, opts, schema.columns);
  return { rows, columns: schema.columns.map(({ name, type }) => ({ name, type })), warnings: schema.warnings };
}

/**
 * Checks first, so the common case (schema exists) needs no DDL and no privilege. Two seeds
 * creating the same new schema concurrently can still race inside CREATE SCHEMA IF NOT EXISTS
 * (a unique violation on pg_namespace): the loser's error is ignored, the schema exists.
 */
async function ensureSchema(client: SessionClient, schema: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount > 0) return;
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    if (isDbError(err) && (err.sqlState === '23505' || err.sqlState === '42P06')) return;
    throw err;
  }
}

function origin(opts: LoadSeedOptions, line: number): { location: SourceLocation; nodeId?: string } {
  return {
    location: { file: opts.displayFile ?? opts.file, line, column: 0 },
    ...(opts.nodeId ? { nodeId: opts.nodeId } : {}),
  };
}

async function createTable(client: SessionClient, opts: LoadSeedOptions, columns: SeedColumn[]): Promise<void> {
  const body = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  try {
    await client.query(`CREATE TABLE ${relationSql(opts.table)} (${body})`);
  } catch (err) {
    // With column_types the type text is the user's: a bad one is a seed problem, not a bug.
    const overrides = columns.filter((c) => c.overridden);
    if (!isDbError(err) || overrides.length === 0 || !['42704', '42601', '42P18', '22023'].includes(err.sqlState ?? '')) throw err;
    throw new StrataError('LOAD', `cannot create the seed table: ${err.message}`, {
      ...origin(opts, 0),
      hint: `check column_types (${overrides.map((c) => `${c.header}: ${c.type}`).join(', ')}): each value must be a PostgreSQL type`,
      details: err.details,
      cause: err,
    });
  }
}

async function copyRows(client: SessionClient, opts: LoadSeedOptions, columns: SeedColumn[]): Promise<number> {
  const format = opts.copyFormat ?? 'text';
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const sql = `COPY ${relationSql(opts.table)} (${names}) FROM STDIN${copyOptionsSql(format)}`;
  // Inferred non-text values are sent trimmed: agate strips them before casting, COPY would not
  // always. Text and column_types values go verbatim, as dbt binds them.
  const enc = { trim: columns.map((c) => !c.overridden && c.type !== 'text') };
  try {
    return await client.copyFrom(sql, copyChunks(readCsvRecords(opts.file, opts), enc, format), opts.nodeId ? { nodeId: opts.nodeId } : undefined);
  } catch (err) {
    throw await copyError(err, opts, columns);
  }
}

/** `COPY t, line 3, column amount: "abc"` (the first CONTEXT line of a COPY error). */
const COPY_CONTEXT = /^COPY .*?, line (\d+)(?:, column (.*?))?(?:: .*)?$/m;

/**
 * A row the server rejected -> a LOAD error at the CSV line of that row. COPY counts rows from 1
 * and we never send the header, so COPY's "line n" is data record n of the file.
 */
async function copyError(err: unknown, opts: LoadSeedOptions, columns: SeedColumn[]): Promise<unknown> {
  if (!isDbError(err)) return err;
  const m = COPY_CONTEXT.exec(err.fields.where ?? '');
  if (!m) return err;
  const row = Number(m[1]);
  const column = columns.find((c) => c.name === m[2]);
  const line = await locateRecordLine(opts.file, row, opts as CsvSourceOptions);
  const what = column ? `column "${column.header}" (${column.type})` : m[2] !== undefined ? `column "${m[2]}"` : 'row';
  const hint = column?.overridden
    ? `the value does not fit the column_types override "${column.type}"; fix the value or the type`
    : column
      ? `strata inferred ${column.type} from the file; set column_types for "${column.header}" to load it differently`
      : undefined;
  return new StrataError('LOAD', `${what}, data row ${row}: ${err.message}`, {
    ...origin(opts, line),
    ...(hint ? { hint } : {}),
    details: err.details,
    cause: err,
  });
}
