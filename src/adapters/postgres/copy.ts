/**
 * COPY FROM STDIN / TO STDOUT through pg-copy-streams (seeds and raw loading stream CSV this
 * way: one round trip instead of batched INSERTs). Kept here so pg-copy-streams, like pg, is only
 * imported inside src/adapters/postgres.
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';

/** Anything that yields the COPY payload: a Readable, or an (async) iterable of chunks. */
export type CopySource = Readable | AsyncIterable<string | Buffer | Uint8Array> | Iterable<string | Buffer | Uint8Array>;
export type CopySink = Writable;

export async function copyFromSource(client: PoolClient, sql: string, source: CopySource): Promise<number> {
  const stream = client.query(copyStreams.from(sql));
  const input = source instanceof Readable ? source : Readable.from(source);
  await pipeline(input, stream);
  return stream.rowCount;
}

export async function copyToSink(client: PoolClient, sql: string, sink: CopySink): Promise<number> {
  const stream = client.query(copyStreams.to(sql));
  await pipeline(stream, sink);
  return stream.rowCount;
}
