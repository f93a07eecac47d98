/** The seed's table: its schema created when missing, the table created with the seed's column types. */
import { isDbError, quoteIdent, relationSql, type SessionClient } from '../adapters/postgres/index.js';
import { StrataError } from '../errors/strata-error.js';
import { seedOrigin } from './copy-error.js';
import type { LoadSeedOptions } from './load-seed.js';
import type { SeedColumn } from './seed-schema.js';

/**
 * Checks first, so the common case (schema exists) needs no DDL and no privilege. Two seeds
 * creating the same new schema concurrently can still race inside CREATE SCHEMA IF NOT EXISTS
 * (a unique violation on pg_namespace): the loser's error is ignored, the schema exists.
 */
export async function ensureSchema(client: SessionClient, schema: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount > 0) return;
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (err) {
    if (isDbError(err) && (err.sqlState === '23505' || err.sqlState === '42P06')) return;
    throw err;
  }
}

export async function createTable(client: SessionClient, opts: LoadSeedOptions, columns: readonly SeedColumn[]): Promise<void> {
  const body = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
  try {
    await client.query(`CREATE TABLE ${relationSql(opts.table)} (${body})`);
  } catch (err) {
    // With column_types the type text is the user's: a bad one is a seed problem, not a bug.
    const overrides = columns.filter((c) => c.overridden);
    if (!isDbError(err) || overrides.length === 0 || !['42704', '42601', '42P18', '22023'].includes(err.sqlState ?? '')) throw err;
    throw new StrataError('LOAD', `cannot create the seed table: ${err.message}`, {
      ...seedOrigin(opts, 0),
      hint: `check column_types (${overrides.map((c) => `${c.header}: ${c.type}`).join(', ')}): each value must be a PostgreSQL type`,
      details: err.details,
      cause: err,
    });
  }
}
