/**
 * Object bodies as async chunk sequences that survive a dying connection — but only while
 * nothing has been handed on. After the first byte went downstream a retry would duplicate or
 * skip data, so a body that breaks off then fails the file with a clear LOAD error (the loader's
 * transaction then keeps nothing of it).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type GetObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { StrataError, isStrataError } from '../../errors/strata-error.js';
import { interruptedError, s3Error, type S3ErrorContext } from './s3-errors.js';
import { backoffDelay, sleep, type BackoffOptions } from './retry.js';

export interface BodyRequest {
  client: S3Client;
  bucket: string;
  key: string;
  /** Inclusive byte range; the whole object when absent. */
  range?: { start: number; end: number };
  /** Only read this version (ETag, without quotes): a replaced object fails with 412. */
  etag?: string;
  retry: BackoffOptions;
  /** S3 sending nothing for this long while a chunk is awaited fails the body (0: never). */
  idleTimeoutMs: number;
  endpoint?: string;
}

function bodyOf(out: { Body?: unknown }): Readable {
  const body = out.Body;
  if (body instanceof Readable) return body;
  // An empty object can come back without a body.
  if (body === undefined || body === null) return Readable.from([]);
  throw new StrataError('LOAD', 'the S3 client returned a non-stream body', { hint: 'this is a bug in strata' });
}

/**
 * The object's bytes. The request itself is retried by the SDK (throttling, 5xx, timeouts,
 * network errors). If the body then fails before any chunk was yielded, the GET is repeated, up
 * to `retry.maxAttempts` times in all; once a chunk was yielded, a failure is final.
 */
export async function* objectChunks(req: BodyRequest): AsyncGenerator<Buffer, void, undefined> {
  const ctx: S3ErrorContext = { bucket: req.bucket, key: req.key, action: 'read', ...(req.endpoint ? { endpoint: req.endpoint } : {}) };
  const input: GetObjectCommandInput = { Bucket: req.bucket, Key: req.key };
  if (req.range) input.Range = `bytes=${req.range.start}-${req.range.end}`;
  if (req.etag) input.IfMatch = `"${req.etag}"`;
  let emitted = 0;
  for (let attempt = 1; ; attempt++) {
    let body: Readable;
    try {
      body = bodyOf(await req.client.send(new GetObjectCommand(input)));
    } catch (err) {
      throw s3Error(err, ctx);
    }
    try {
      const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | Uint8Array>;
      for (;;) {
        const next = await nextWithin(chunks, body, req.idleTimeoutMs);
        if (next.done) return;
        const buf = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        emitted += buf.length;
        yield buf;
      }
    } catch (err) {
      if (isStrataError(err)) throw err;
      if (emitted > 0) throw interruptedError(ctx, emitted, err);
      if (attempt >= req.retry.maxAttempts) {
        const e = err as { $metadata?: { attempts?: number } };
        if (err && typeof err === 'object') e.$metadata = { ...(e.$metadata ?? {}), attempts: attempt };
        throw s3Error(err, ctx);
      }
      await sleep(backoffDelay(attempt, req.retry));
    } finally {
      // ended, failed, or the consumer stopped early: release the connection either way
      body.destroy();
    }
  }
}

/**
 * The next chunk, or a TimeoutError when S3 sends nothing for `ms`. Only time spent waiting for
 * S3 counts: while the consumer holds a chunk (backpressure from a slow COPY) no timer runs,
 * which is why the client's own socket idle timeout is off for object bodies.
 */
function nextWithin<T>(chunks: AsyncIterator<T>, body: Readable, ms: number): Promise<IteratorResult<T>> {
  if (!(ms > 0)) return chunks.next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = Object.assign(new Error(`S3 sent no data for ${ms} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
      body.destroy(err);
      reject(err);
    }, ms);
  });
  return Promise.race([chunks.next(), timeout]).finally(() => clearTimeout(timer));
}

/** Chunks as a byte stream (not object mode); errors thrown by the generator become 'error'. */
export function toByteStream(chunks: AsyncIterable<Buffer>): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** A gzip stream inflated (concatenated gzip members included). A bad or cut-off stream → LOAD. */
export async function* gunzipChunks(source: AsyncIterable<Buffer>, uri: string): AsyncGenerator<Buffer, void, undefined> {
  const input = toByteStream(source);
  const gunzip = createGunzip();
  pipeline(input, gunzip, () => {
    // errors surface through the iteration below
  });
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (isStrataError(err)) throw err;
    const msg = (err as Error).message;
    throw new StrataError('LOAD', `${uri} is not a complete gzip file (${msg})`, {
      hint: msg.includes('unexpected end') ? 'the object looks truncated: upload it again' : 'the object is corrupt or not gzip-compressed; check it with: gzip -t',
      cause: err,
    });
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

/** Reads a whole (small) range into memory. */
export async function readRange(req: BodyRequest): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of objectChunks(req)) parts.push(chunk);
  return Buffer.concat(parts);
}
