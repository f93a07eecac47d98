/**
 * .zip objects read in place with ranged GETs: yauzl's RandomAccessReader over S3, no temporary
 * file. The end-of-central-directory and the central directory come from one or a few ranged
 * reads (cached in blocks); each member's data is one ranged GET, streamed and inflated.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { S3Client } from '@aws-sdk/client-s3';
import { StrataError, isStrataError } from '../../errors/strata-error.js';
import { crc32 } from '../crc32.js';
import { objectChunks, readRange, toByteStream } from './s3-stream.js';
import type { BackoffOptions } from './retry.js';

export interface ZipObject {
  client: S3Client;
  bucket: string;
  key: string;
  /** The archive's size in bytes (from the listing or a HEAD). */
  size: number;
  /** The archive's ETag (bare): every range read is pinned to it with If-Match. */
  etag?: string;
  retry: BackoffOptions;
  idleTimeoutMs: number;
  endpoint?: string;
}

export interface ZipMember {
  name: string;
  uncompressedSize: number;
  compressedSize: number;
  crc32: number;
}

/** Small reads (directory records, local headers) fetch at least this much and keep it. */
const BLOCK = 64 * 1024;

class S3RangeReader extends yauzl.RandomAccessReader {
  private cache: { start: number; data: Buffer } | null = null;

  constructor(private readonly zip: ZipObject) {
    super();
  }

  private request(start: number, endExclusive: number) {
    const z = this.zip;
    return {
      client: z.client,
      bucket: z.bucket,
      key: z.key,
      range: { start, end: endExclusive - 1 },
      retry: z.retry,
      idleTimeoutMs: z.idleTimeoutMs,
      ...(z.etag ? { etag: z.etag } : {}),
      ...(z.endpoint ? { endpoint: z.endpoint } : {}),
    };
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return toByteStream(objectChunks(this.request(start, end)));
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    void this.readCached(buffer, offset, length, position).then(
      (n) => callback(null, n),
      (err: Error) => callback(err),
    );
  }

  private async readCached(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const c = this.cache;
    if (!c || position < c.start || position + length > c.start + c.data.length) {
      const end = Math.min(this.zip.size, position + Math.max(length, BLOCK));
      if (end <= position) return 0;
      this.cache = { start: position, data: await readRange(this.request(position, end)) };
    }
    const cache = this.cache as { start: number; data: Buffer };
    const from = position - cache.start;
    return cache.data.copy(buffer, offset, from, Math.min(from + length, cache.data.length));
  }

  override close(callback: (err: Error | null) => void): void {
    this.cache = null;
    setImmediate(() => callback(null));
  }
}

function zipUri(z: ZipObject, member?: string): string {
  return `s3://${z.bucket}/${z.key}${member === undefined ? '' : `!${member}`}`;
}

function zipError(z: ZipObject, err: unknown, member?: string): StrataError {
  if (isStrataError(err)) return err;
  const msg = (err as Error)?.message ?? String(err);
  const where = zipUri(z, member);
  if (member !== undefined) {
    return new StrataError('LOAD', `${where}: the zip member is corrupt (${msg})`, {
      hint: 'the archive is damaged or was truncated; check it with: unzip -t, and upload it again',
      cause: err,
    });
  }
  return new StrataError('LOAD', `${where} is not a readable zip archive (${msg})`, {
    hint: /signature not found|unexpected EOF|invalid/i.test(msg)
      ? 'the object looks truncated or is not a zip file; check it with: unzip -t, and upload it again'
      : 'check the archive with: unzip -t',
    cause: err,
  });
}

async function openZip(z: ZipObject): Promise<yauzl.ZipFile> {
  const reader = new S3RangeReader(z);
  try {
    const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) => {
      yauzl.fromRandomAccessReader(reader, z.size, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (err, zf) =>
        err ? reject(err) : resolve(zf),
      );
    });
    // Errors are taken by eachEntry while it walks; one arriving outside a walk must not crash.
    zipfile.on('error', () => {});
    return zipfile;
  } catch (err) {
    throw zipError(z, err);
  }
}

/** Walks the central directory; `visit` returns true to stop early. */
async function eachEntry(zipfile: yauzl.ZipFile, z: ZipObject, visit: (e: yauzl.Entry) => boolean): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry) => {
      let stop: boolean;
      try {
        stop = visit(entry);
      } catch (err) {
        return done(err);
      }
      if (stop) return done(null);
      zipfile.readEntry();
    };
    const done = (err: unknown) => {
      zipfile.removeListener('entry', onEntry);
      zipfile.removeListener('end', onEnd);
      zipfile.removeListener('error', onError);
      if (err) reject(zipError(z, err));
      else resolve();
    };
    const onEnd = () => done(null);
    const onError = (err: unknown) => done(err);
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

function checkSupported(z: ZipObject, entry: yauzl.Entry): void {
  if (entry.isEncrypted()) {
    throw new StrataError('LOAD', `${zipUri(z, entry.fileName)} is encrypted`, { hint: 'encrypted zip members cannot be loaded; upload an unencrypted archive' });
  }
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new StrataError('LOAD', `${zipUri(z, entry.fileName)} uses zip compression method ${entry.compressionMethod}`, {
      hint: 'only stored and deflated members can be loaded; re-create the archive with standard (deflate) compression',
    });
  }
}

/** The archive's members (files, not folders) whose names pass `select`, in archive order. */
export async function listZipMembers(z: ZipObject, select: (name: string) => boolean): Promise<ZipMember[]> {
  const zipfile = await openZip(z);
  const members: ZipMember[] = [];
  try {
    await eachEntry(zipfile, z, (entry) => {
      if (entry.fileName.endsWith('/') || !select(entry.fileName)) return false;
      checkSupported(z, entry);
      members.push({ name: entry.fileName, uncompressedSize: entry.uncompressedSize, compressedSize: entry.compressedSize, crc32: entry.crc32 });
      return false;
    });
  } finally {
    zipfile.close();
  }
  return members;
}

/**
 * One member's bytes, inflated. Sizes are checked by yauzl and the CRC-32 here (crc32.ts), so a
 * damaged member fails with a LOAD error instead of yielding wrong rows.
 */
export async function* zipMemberChunks(z: ZipObject, member: string): AsyncGenerator<Buffer, void, undefined> {
  const zipfile = await openZip(z);
  try {
    let found: yauzl.Entry | undefined;
    await eachEntry(zipfile, z, (entry) => {
      if (entry.fileName !== member) return false;
      found = entry;
      return true;
    });
    const entry = found as yauzl.Entry | undefined;
    if (!entry) {
      throw new StrataError('LOAD', `${zipUri(z)} has no member "${member}"`, {
        hint: 'the archive was replaced after it was listed; run the load again',
      });
    }
    checkSupported(z, entry);
    let stream: Readable;
    try {
      stream = await new Promise<Readable>((resolve, reject) => zipfile.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
    } catch (err) {
      throw zipError(z, err, member);
    }
    let crc = 0;
    try {
      for await (const chunk of stream) {
        const buf = chunk as Buffer;
        crc = crc32(buf, crc);
        yield buf;
      }
    } catch (err) {
      throw zipError(z, err, member);
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) {
      throw new StrataError('LOAD', `${zipUri(z, member)}: the zip member is corrupt (CRC-32 mismatch)`, {
        hint: 'the archive is damaged; check it with: unzip -t, and upload it again',
      });
    }
  } finally {
    zipfile.close();
  }
}
