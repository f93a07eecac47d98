/**
 * Loads one seed CSV into a new table with COPY, dbt-compatible in types and null handling.
 *
 *   1. Read the file once to infer column types and plan pass 2 (seed-schema.ts); header
 *      problems fail here, before anything touches the database.
 *   2. CREATE SCHEMA if missing, CREATE TABLE with the inferred / overridden types.
 *   3. Read the file again into `COPY ... FROM STDIN` (never INSERT): its raw bytes as CSV when
 *      pass 1 found nothing the server would load differently (raw-csv-copy.ts), else re-encoded
 *      row by row (copy-encoding.ts).
 *
 * A file larger than one read of pass 1 has passes 1 and 3 overlapped when it can
 * (overlapped-load.ts); the result is the same.
 *
 * Memory stays flat whatever the file size: neither pass keeps rows. The caller owns the
 * transaction and the table name (the runner passes a staged name and swaps it in afterwards);
 * a failed load can leave a partial table under that name, which the caller drops.
 */
import { quoteIdent, relationSql, type SessionClient } from '../adapters/postgres/index.js';
import type { RelationName } from '../manifest/types.js';
import { copyError } from './copy-error.js';
import { copyChunks, copyOptionsSql, type CopyFormat } from './copy-encoding.js';
import { readCsvRecords } from './csv-source.js';
import { locateReencodedLine } from './locate-row.js';
import { loadWhileScanning } from './overlapped-load.js';
import { checkRawRowCount, copyRawCsv } from './raw-csv-copy.js';
import { SeedSchemaScan, type SeedColumn, type SeedSchemaOptions } from './seed-schema.js';
import { createTable, ensureSchema } from './seed-table.js';

export interface LoadSeedOptions extends SeedSchemaOptions {
  /** Path of the CSV file to read. */
  file: string;
  /** Table to create (must not exist); its schema is created when missing. */
  table: RelationName;
  /**
   * `auto` (default): the raw file when the plan allows, else rows re-encoded as COPY text.
   * `text` / `csv`: always re-encode, in that COPY format (for comparisons and tests).
   */
  copyFormat?: CopyFormat | 'auto';
}

export interface LoadSeedResult {
  rows: number;
  columns: Array<{ name: string; type: string }>;
  warnings: string[];
  /** How the rows reached COPY, and why they were re-encoded when they were. */
  copy: { mode: 'raw' } | { mode: 'reencoded'; format: CopyFormat; reason: string };
}

export async function loadSeed(client: SessionClient, opts: LoadSeedOptions): Promise<LoadSeedResult> {
  const format = opts.copyFormat ?? 'auto';
  const scan = await SeedSchemaScan.start(opts.file, opts);
  try {
    if (format === 'auto') {
      const loaded = await loadWhileScanning(client, opts, scan);
      if (loaded) return loaded;
    }
    const schema = await scan.finish();
    await ensureSchema(client, opts.table.schema);
    await createTable(client, opts, schema.columns);
    const plan = schema.copy;
    const columns = schema.columns.map(({ name, type }) => ({ name, type }));
    if (format === 'auto' && plan.kind === 'raw') {
      const rows = await copyRawCsv(client, opts, schema.columns, plan);
      checkRawRowCount(rows, schema.rows, opts);
      return { rows, columns, warnings: schema.warnings, copy: { mode: 'raw' } };
    }
    const encoding = format === 'auto' ? 'text' : format;
    const rows = await copyRows(client, opts, schema.columns, encoding);
    const reason = plan.kind === 'reencode' ? plan.reason : `copyFormat ${encoding} was asked for`;
    return { rows, columns, warnings: schema.warnings, copy: { mode: 'reencoded', format: encoding, reason } };
  } finally {
    await scan.close();
  }
}

/** Pass 2 the csv-parse way: every record re-encoded as a COPY row. */
async function copyRows(client: SessionClient, opts: LoadSeedOptions, columns: SeedColumn[], format: CopyFormat): Promise<number> {
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const sql = `COPY ${relationSql(opts.table)} (${names}) FROM STDIN${copyOptionsSql(format)}`;
  // Inferred non-text values are sent trimmed: agate strips them before casting, COPY would not
  // always. Text and column_types values go verbatim, as dbt binds them.
  const enc = { trim: columns.map((c) => !c.overridden && c.type !== 'text') };
  try {
    return await client.copyFrom(sql, copyChunks(readCsvRecords(opts.file, opts), enc, format), opts.nodeId ? { nodeId: opts.nodeId } : undefined);
  } catch (err) {
    // COPY counts the rows it received from 1 and we never send the header: line n is data row n.
    throw await copyError(err, opts, columns, (n) => locateReencodedLine(opts.file, n, opts));
  }
}
