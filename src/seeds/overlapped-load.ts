/**
 * Large seeds: pass 1 and pass 2 at once. Scanning a big file costs a noticeable part of what the
 * COPY costs, and the two use different processes (this one, the server's backend), so they can
 * overlap. After the first chunk the column types are guessed from the values seen so far, the
 * table is created with them, and every further chunk goes to COPY as soon as it is scanned.
 *
 * Exactness does not depend on the guess. COPY only ever receives bytes that were scanned, and
 * after each chunk the schema of everything scanned so far is compared with the guess: the first
 * difference (a column whose type widens, a value that needs re-encoding, a file the scanner gives
 * up on) aborts the COPY before the chunk that caused it is sent, rolls back to a savepoint, and
 * the load continues the sequential way (load-seed.ts) with the scan where it stopped. When the
 * whole file is scanned without a difference, the guess was the final schema.
 *
 * The savepoint needs a transaction block, which the runner always has; a caller in autocommit
 * mode gets the sequential load.
 */
import { Readable } from 'node:stream';
import type { SessionClient } from '../adapters/postgres/index.js';
import { csvError } from './csv-source.js';
import { checkRawRowCount, copyRawCsv } from './raw-csv-copy.js';
import type { LoadSeedOptions, LoadSeedResult } from './load-seed.js';
import type { CsvScanReader } from './csv-scan.js';
import type { SeedSchema, SeedSchemaScan } from './seed-schema.js';
import { createTable, ensureSchema } from './seed-table.js';

const SAVEPOINT = 'strata_seed_load';

/** Loads the seed while scanning it; undefined when it did not (the caller loads it sequentially). */
export async function loadWhileScanning(client: SessionClient, opts: LoadSeedOptions, scan: SeedSchemaScan): Promise<LoadSeedResult | undefined> {
  const reader = scan.reader;
  const guess = scan.current();
  // A file read in one chunk (most seeds) has nothing to overlap.
  if (!reader || reader.done || guess?.copy.kind !== 'raw' || !(await inTransactionBlock(client))) return undefined;
  const plan = guess.copy;
  const speculation: { failed?: string } = {};
  await ensureSchema(client, opts.table.schema);
  await client.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    await createTable(client, opts, guess.columns);
    // Two chunks ahead at most (Readable.from would buffer 16): the scan stays just ahead of COPY.
    const source = Readable.from(scannedBytes(scan, reader, guess, opts, speculation), { highWaterMark: 2 });
    const rows = await copyRawCsv(client, opts, guess.columns, plan, source);
    const final = scan.current() as SeedSchema;
    checkRawRowCount(rows, final.rows, opts);
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return { rows, columns: final.columns.map(({ name, type }) => ({ name, type })), warnings: final.warnings, copy: { mode: 'raw' } };
  } catch (err) {
    if (speculation.failed === undefined) throw err;
    await client.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    await client.query(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return undefined;
  }
}

/**
 * COPY's input: the bytes of each chunk once it is scanned. Stops with an error (which makes
 * COPY fail, and `speculation.failed` says why) before handing out a chunk that breaks the guess.
 */
async function* scannedBytes(scan: SeedSchemaScan, reader: CsvScanReader, guess: SeedSchema, opts: LoadSeedOptions, speculation: { failed?: string }): AsyncGenerator<Buffer> {
  let ready = reader.takeReady();
  if (ready.length > 0) yield ready;
  while (!reader.done) {
    try {
      await reader.step();
    } catch (err) {
      throw csvError(err, opts.file, opts);
    }
    speculation.failed = difference(guess, scan.current());
    if (speculation.failed !== undefined) throw new Error(`seed load restarted: ${speculation.failed}`);
    ready = reader.takeReady();
    if (ready.length > 0) yield ready;
  }
}

/**
 * In a transaction block, now() is the time the block began and the current statement started
 * later; in autocommit mode the server sets both from the same clock reading.
 */
async function inTransactionBlock(client: SessionClient): Promise<boolean> {
  const res = await client.query<{ block: boolean }>('SELECT now() <> statement_timestamp() AS block');
  return res.rows[0]?.block === true;
}

/** Why the schema of what was scanned so far is not the guess; undefined when it still is. */
function difference(guess: SeedSchema, now: SeedSchema | undefined): string | undefined {
  if (now === undefined) return 'the scanner gave up on the file';
  if (now.copy.kind !== 'raw') return now.copy.reason;
  const changed = now.columns.find((c, i) => c.type !== guess.columns[i]?.type);
  return changed ? `column "${changed.header}" is ${changed.type}, not ${guess.columns.find((g) => g.name === changed.name)?.type}` : undefined;
}
