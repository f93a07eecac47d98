/**
 * The S3 FileSource against a real S3-compatible HTTP server (s3rver) on loopback, through the
 * real AWS SDK. s3rver runs behind a thin fault-injecting front (a plain http.Server that hands
 * every request to s3rver unless a test installed a fault): that is how throttling, access
 * denied (s3rver has no policies), stalled and cut-off bodies are produced on the wire.
 */
import crypto, { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isStrataError, type StrataError } from '../../../src/errors/strata-error.js';
import { createS3Source, type S3FileSource, type S3SourceOptions } from '../../../src/load/s3/index.js';
import type { FileRef, LoadSpec } from '../../../src/load/types.js';

const require = createRequire(import.meta.url);

interface S3rverInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  configureBuckets(): Promise<void>;
  logger?: { close?: () => void; exceptions?: { unhandle?: () => void } };
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverInstance;

interface YazlZipFile {
  addBuffer(buffer: Buffer, name: string, options?: { compress?: boolean; mtime?: Date }): void;
  addEmptyDirectory(name: string, options?: { mtime?: Date }): void;
  end(): void;
  outputStream: Readable;
}
const yazl = require('yazl') as { ZipFile: new () => YazlZipFile };

/** A fault handles the request itself (returns true) or lets s3rver answer it (false). */
type Fault = (req: IncomingMessage, res: ServerResponse) => boolean;
interface Logged {
  method: string;
  url: string;
  range?: string;
}

let dir: string;
let s3rver: S3rverInstance;
let front: Server;
let endpoint: string;
let admin: S3Client;
let fault: Fault | null = null;
const log: Logged[] = [];
const sources: S3FileSource[] = [];

/**
 * s3rver signs its ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node ≥ 17)
 * only has in its legacy provider, so every truncated listing fails with InternalError. While
 * this file runs, 'des' is served by 3DES-EDE with the key repeated three times — mathematically
 * the same cipher — so s3rver's real pagination works.
 */
function shimSingleDes(): () => void {
  const c = crypto as unknown as Record<'createCipheriv' | 'createDecipheriv', (alg: string, key: Buffer, iv: Buffer | null) => unknown>;
  const original = { createCipheriv: c.createCipheriv, createDecipheriv: c.createDecipheriv };
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    c[name] = (alg, key, iv) => (alg.toLowerCase() === 'des' ? original[name]('des-ede3-cbc', Buffer.concat([key, key, key]), iv) : original[name](alg, key, iv));
  }
  return () => Object.assign(c, original);
}
let unshim: (() => void) | undefined;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

beforeAll(async () => {
  unshim = shimSingleDes();
  dir = mkdtempSync(join(tmpdir(), 'strata-s3rver-'));
  s3rver = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: 'data' }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  front = createServer((req, res) => {
    log.push({ method: req.method ?? '', url: req.url ?? '', ...(req.headers.range ? { range: req.headers.range } : {}) });
    if (fault?.(req, res)) return;
    handle(req, res);
  });
  endpoint = `http://127.0.0.1:${await listen(front)}`;
  admin = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  for (const s of sources) s.close();
  admin?.destroy();
  if (front) await closeServer(front);
  s3rver?.logger?.exceptions?.unhandle?.();
  s3rver?.logger?.close?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
  unshim?.();
});

afterEach(() => {
  fault = null;
});

/** Test sources: s3rver's dummy credentials, few attempts and millisecond backoff. */
function source(extra: Partial<S3SourceOptions> = {}): S3FileSource {
  const s = createS3Source({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 3,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...extra,
  });
  sources.push(s);
  return s;
}

const spec = (extra: Partial<LoadSpec> = {}): LoadSpec => ({
  files: [],
  format: 'delimited',
  delimiter: '|',
  quote: null,
  header: false,
  encoding: 'utf8',
  nullValues: [''],
  columns: ['a', 'b'],
  minColumns: 2,
  extraColumns: 'error',
  onBadRow: 'fail',
  maxBadRows: 0,
  allowEmpty: false,
  ...extra,
});

async function put(key: string, body: Buffer | string, bucket = 'data'): Promise<void> {
  await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

async function openAndRead(src: S3FileSource, ref: FileRef): Promise<Buffer> {
  return readAll(await src.open(ref));
}

async function loadError(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (e) {
    if (isStrataError(e)) {
      expect(e.code).toBe('LOAD');
      expect(e.hint).toBeTruthy();
      expect(e.message).not.toMatch(/\n\s+at /);
      return e;
    }
    throw e;
  }
  throw new Error('expected a LOAD error');
}

/** Deterministic text of about `bytes` bytes, pipe-delimited rows. */
function rows(tag: string, bytes: number): Buffer {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const line = `${tag}|${i}|${createHash('md5').update(`${tag}${i}`).digest('hex')}\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join(''));
}

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

function zip(entries: Array<{ name: string; data?: Buffer; compress?: boolean; dir?: boolean }>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  const mtime = new Date('2024-01-01T00:00:00Z');
  for (const e of entries) {
    if (e.dir) z.addEmptyDirectory(e.name, { mtime });
    else z.addBuffer(e.data ?? Buffer.alloc(0), e.name, { compress: e.compress ?? true, mtime });
  }
  z.end();
  return readAll(z.outputStream);
}

const requestsFor = (key: string): Logged[] => log.filter((l) => l.url.split('?')[0] === `/data/${key}`);
const listRequests = (): Logged[] => log.filter((l) => l.method === 'GET' && /[?&]list-type=2/.test(l.url));

function s3ErrorXml(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault</RequestId></Error>`);
}

describe('list', () => {
  beforeAll(async () => {
    await put('loans/2023/q1.csv', 'a|1\n');
    await put('loans/2023/q2.csv', 'a|22\n');
    await put('loans/2024/q1.csv.gz', gzipSync('a|3\n'));
    await put('loans/2024/readme.md', '# hi');
    await put('loans/.hidden.csv', 'x|x\n');
    await put('loans/2024/q1.csv', 'a|4444\n');
    await put('other/q1.csv', 'a|5\n');
  });

  it('matches globs against whole keys and describes each object', async () => {
    const src = source();
    const refs = await src.list('s3://data/loans/2023/*.csv', spec());
    expect(refs).toEqual([
      { uri: 's3://data/loans/2023/q1.csv', displayName: 's3://data/loans/2023/q1.csv', size: 4, version: md5(Buffer.from('a|1\n')), compression: 'none' },
      { uri: 's3://data/loans/2023/q2.csv', displayName: 's3://data/loans/2023/q2.csv', size: 5, version: md5(Buffer.from('a|22\n')), compression: 'none' },
    ]);
    const uris = async (p: string) => (await src.list(p, spec())).map((r) => r.uri.replace('s3://data/', ''));
    expect(await uris('s3://data/loans/**/*.csv')).toEqual(['loans/2023/q1.csv', 'loans/2023/q2.csv', 'loans/2024/q1.csv']);
    expect(await uris('s3://data/loans/*/q?.csv*')).toEqual(['loans/2023/q1.csv', 'loans/2023/q2.csv', 'loans/2024/q1.csv', 'loans/2024/q1.csv.gz']);
    expect(await uris('s3://data/loans/202[4]/q1.*')).toEqual(['loans/2024/q1.csv', 'loans/2024/q1.csv.gz']);
    expect(await uris('s3://data/loans/*.csv')).toEqual([]); // dot-files are not matched by *
    expect(await uris('s3://data/**/q1.csv')).toEqual(['loans/2023/q1.csv', 'loans/2024/q1.csv', 'other/q1.csv']);
    const gz = await src.list('s3://data/loans/2024/*.gz', spec());
    expect(gz).toMatchObject([{ compression: 'gzip', size: gzipSync('a|3\n').length }]);
  });

  it('lists an exact key, and returns [] when nothing matches', async () => {
    const src = source();
    expect((await src.list('s3://data/loans/2023/q1.csv', spec())).map((r) => r.uri)).toEqual(['s3://data/loans/2023/q1.csv']);
    expect(await src.list('s3://data/loans/2023/q1.cs', spec())).toEqual([]);
    expect(await src.list('s3://data/nothing/here/*.csv', spec())).toEqual([]);
  });

  it('sends the static prefix to ListObjectsV2', async () => {
    log.length = 0;
    await source().list('s3://data/loans/2023/q*.csv', spec());
    const [req] = listRequests();
    expect(new URL(req?.url ?? '', endpoint).searchParams.get('prefix')).toBe('loans/2023/q');
  });

  it('follows continuation tokens across pages', async () => {
    const keys = Array.from({ length: 45 }, (_, i) => `many/file-${String(i).padStart(3, '0')}.csv`);
    for (const k of keys) await put(k, `${k}\n`);
    for (let i = 0; i < 10; i++) await put(`many/note-${i}.txt`, 'n');
    const src = source({ pageSize: 7 });

    log.length = 0;
    const csv = await src.list('s3://data/many/file-*.csv', spec());
    expect(csv.map((r) => r.uri)).toEqual(keys.map((k) => `s3://data/${k}`));
    expect(listRequests()).toHaveLength(7); // 45 keys under many/file-, 7 per page
    expect(listRequests().filter((l) => l.url.includes('continuation-token'))).toHaveLength(6);

    log.length = 0;
    const notes = await src.list('s3://data/many/*.txt', spec());
    expect(notes).toHaveLength(10);
    expect(listRequests()).toHaveLength(8); // 55 keys under many/
  });
});

describe('open', () => {
  const plain = rows('plain', 3_000_000);
  const gz = rows('gz', 1_500_000);
  const m1 = rows('m1', 700_000);
  const m2 = rows('m2', 5_000);
  const m3 = rows('m3', 300_000);
  let archive: Buffer;

  beforeAll(async () => {
    await put('open/plain.csv', plain);
    await put('open/empty.csv', '');
    await put('open/gz.csv.gz', gzipSync(gz));
    // two gzip members back to back, as `cat a.gz b.gz` makes
    await put('open/multi.csv.gz', Buffer.concat([gzipSync(m1), gzipSync(m2)]));
    archive = await zip([
      { name: 'historical_data_time_Q1.txt', data: m1 },
      { name: 'historical_data_Q1.txt', data: m2, compress: false },
      { name: 'sub/', dir: true },
      { name: 'sub/historical_data_time_Q2.txt', data: m3 },
      { name: 'sub/empty_time.txt', data: Buffer.alloc(0) },
      { name: '.DS_Store', data: Buffer.from('junk') },
    ]);
    await put('open/archive.zip', archive);
  });

  it('streams a plain object byte for byte', async () => {
    const src = source();
    const [ref] = await src.list('s3://data/open/plain.csv', spec());
    expect(ref?.size).toBe(plain.length);
    const got = await openAndRead(src, ref as FileRef);
    expect(got.length).toBe(plain.length);
    expect(got.equals(plain)).toBe(true);
    const [empty] = await src.list('s3://data/open/empty.csv', spec());
    expect((await openAndRead(src, empty as FileRef)).length).toBe(0);
  });

  it('inflates .gz objects, concatenated members included', async () => {
    const src = source();
    const [ref] = await src.list('s3://data/open/gz.csv.gz', spec());
    expect((await openAndRead(src, ref as FileRef)).equals(gz)).toBe(true);
    const [multi] = await src.list('s3://data/open/multi.csv.gz', spec());
    expect((await openAndRead(src, multi as FileRef)).equals(Buffer.concat([m1, m2]))).toBe(true);
  });

  it('expands a .zip into one ref per selected member and streams each with ranged GETs', async () => {
    const src = source();
    log.length = 0;
    const refs = await src.list('s3://data/open/*.zip', spec({ members: 'historical_data_time_*.txt' }));
    expect(refs).toEqual([
      {
        uri: 's3://data/open/archive.zip!historical_data_time_Q1.txt',
        displayName: 's3://data/open/archive.zip!historical_data_time_Q1.txt',
        size: m1.length,
        version: md5(archive),
        member: 'historical_data_time_Q1.txt',
        compression: 'zip',
      },
      {
        uri: 's3://data/open/archive.zip!sub/historical_data_time_Q2.txt',
        displayName: 's3://data/open/archive.zip!sub/historical_data_time_Q2.txt',
        size: m3.length,
        version: md5(archive),
        member: 'sub/historical_data_time_Q2.txt',
        compression: 'zip',
      },
    ]);
    // the central directory came from ranged reads only, near the end of the archive
    const listing = requestsFor('open/archive.zip');
    expect(listing.length).toBeGreaterThan(0);
    expect(listing.every((l) => l.method === 'GET' && /^bytes=\d+-\d+$/.test(l.range ?? ''))).toBe(true);
    const firstByte = Math.min(...listing.map((l) => Number(/bytes=(\d+)/.exec(l.range ?? '')?.[1])));
    expect(firstByte).toBeGreaterThan(archive.length - 70_000);

    log.length = 0;
    expect((await openAndRead(src, refs[0] as FileRef)).equals(m1)).toBe(true);
    expect((await openAndRead(src, refs[1] as FileRef)).equals(m3)).toBe(true);
    const gets = requestsFor('open/archive.zip').filter((l) => l.method === 'GET');
    expect(gets.every((l) => /^bytes=\d+-\d+$/.test(l.range ?? ''))).toBe(true);
  });

  it('without members selects every file member (not folders or dot-files); stored and empty members work', async () => {
    const src = source();
    const refs = await src.list('s3://data/open/archive.zip', spec());
    expect(refs.map((r) => r.member)).toEqual(['historical_data_time_Q1.txt', 'historical_data_Q1.txt', 'sub/historical_data_time_Q2.txt', 'sub/empty_time.txt']);
    const stored = refs.find((r) => r.member === 'historical_data_Q1.txt') as FileRef;
    expect((await openAndRead(src, stored)).equals(m2)).toBe(true);
    const empty = refs.find((r) => r.member === 'sub/empty_time.txt') as FileRef;
    expect((await openAndRead(src, empty)).length).toBe(0);
    expect(await src.list('s3://data/open/archive.zip', spec({ members: 'nomatch_*.txt' }))).toEqual([]);
  });

  it('a stream destroyed early releases its connection', async () => {
    const src = source();
    const [ref] = await src.list('s3://data/open/plain.csv', spec());
    const stream = await src.open(ref as FileRef);
    stream.destroy();
    await new Promise((r) => setTimeout(r, 20));
    // the source still works
    expect((await openAndRead(src, ref as FileRef)).equals(plain)).toBe(true);
  });
});

describe('errors', () => {
  const archiveOf = (n: number) =>
    zip([
      { name: 'a.txt', data: rows(`a${n}`, 200_000) },
      { name: 'b.txt', data: rows(`b${n}`, 200_000) },
    ]);

  it('a missing bucket', async () => {
    const src = source();
    const listErr = await loadError(src.list('s3://no-such-bucket/x/*.csv', spec()));
    expect(listErr.message).toBe('S3 bucket "no-such-bucket" does not exist (listing s3://no-such-bucket/x/*.csv)');
    expect(listErr.hint).toContain(endpoint);
    const readErr = await loadError(src.open({ uri: 's3://no-such-bucket/x/a.csv', displayName: '', size: 1, version: '', compression: 'none' }));
    expect(readErr.message).toMatch(/no-such-bucket/);
  });

  it('a missing key (plain, gzip and zip)', async () => {
    const src = source();
    for (const [key, compression] of [['gone/a.csv', 'none'], ['gone/a.csv.gz', 'gzip']] as const) {
      const e = await loadError(src.open({ uri: `s3://data/${key}`, displayName: '', size: 1, version: '', compression }));
      expect(e.message).toBe(`S3 object s3://data/${key} does not exist`);
      expect(e.hint).toContain('aws s3 ls s3://data/gone/');
    }
    const z = await loadError(src.open({ uri: 's3://data/gone/a.zip!m.txt', displayName: '', size: 1, version: '', member: 'm.txt', compression: 'zip' }));
    expect(z.message).toBe('S3 object s3://data/gone/a.zip does not exist');
  });

  it('unknown credentials (s3rver checks the access key id)', async () => {
    const src = source({ credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'nope' } });
    await put('cred/a.csv', 'a|1\n');
    log.length = 0;
    const e = await loadError(src.list('s3://data/cred/*.csv', spec()));
    expect(e.message).toMatch(/^S3 rejected the AWS credentials while listing s3:\/\/data\/cred\/\*\.csv \(InvalidAccessKeyId: /);
    expect(e.hint).toContain('AWS_ACCESS_KEY_ID');
    expect(listRequests()).toHaveLength(1); // a client error is not retried
    const r = await loadError(src.open({ uri: 's3://data/cred/a.csv', displayName: '', size: 4, version: '', compression: 'none' }));
    expect(r.message).toMatch(/^S3 rejected the AWS credentials while reading s3:\/\/data\/cred\/a\.csv/);
  });

  it('access denied (a 403 AccessDenied answered by the front: s3rver has no policies)', async () => {
    await put('locked/a.csv', 'a|1\n');
    await put('locked/a.zip', await archiveOf(1));
    fault = (req, res) => {
      if (!req.url?.startsWith('/data/locked') && !/prefix=locked/.test(req.url ?? '')) return false;
      if (req.method === 'HEAD') {
        res.writeHead(403).end(); // HEAD errors have no body
        return true;
      }
      s3ErrorXml(res, 403, 'AccessDenied', 'Access Denied');
      return true;
    };
    const src = source();
    const list = await loadError(src.list('s3://data/locked/*.csv', spec()));
    expect(list.message).toBe('access denied listing s3://data/locked/*.csv (AccessDenied: Access Denied)');
    expect(list.hint).toContain('s3:ListBucket on arn:aws:s3:::data');
    const get = await loadError(src.open({ uri: 's3://data/locked/a.csv', displayName: '', size: 4, version: '', compression: 'none' }));
    expect(get.message).toBe('access denied reading s3://data/locked/a.csv (AccessDenied: Access Denied)');
    expect(get.hint).toContain('s3:GetObject on arn:aws:s3:::data/locked/a.csv');
    const head = await loadError(src.open({ uri: 's3://data/locked/a.zip!a.txt', displayName: '', size: 4, version: '', member: 'a.txt', compression: 'zip' }));
    expect(head.message).toMatch(/^access denied reading s3:\/\/data\/locked\/a\.zip/);
  });

  it('a truncated .gz fails the stream, naming the object', async () => {
    const full = gzipSync(rows('trunc', 400_000));
    await put('bad/cut.csv.gz', full.subarray(0, Math.floor(full.length / 2)));
    await put('bad/notgzip.csv.gz', 'plain text, not gzip\n');
    const src = source();
    const [cut] = await src.list('s3://data/bad/cut.csv.gz', spec());
    const e = await loadError(openAndRead(src, cut as FileRef));
    expect(e.message).toBe('s3://data/bad/cut.csv.gz is not a complete gzip file (unexpected end of file)');
    expect(e.hint).toContain('truncated');
    const [notgz] = await src.list('s3://data/bad/notgzip.csv.gz', spec());
    const e2 = await loadError(openAndRead(src, notgz as FileRef));
    expect(e2.message).toMatch(/^s3:\/\/data\/bad\/notgzip\.csv\.gz is not a complete gzip file \(incorrect header check\)/);
  });

  it('a truncated .zip fails listing (and opening), naming the object', async () => {
    const full = await archiveOf(2);
    await put('bad/cut.zip', full.subarray(0, Math.floor(full.length * 0.6)));
    const src = source();
    const e = await loadError(src.list('s3://data/bad/cut.zip', spec()));
    expect(e.message).toMatch(/^s3:\/\/data\/bad\/cut\.zip is not a readable zip archive \(End of central directory record signature not found/);
    expect(e.hint).toContain('truncated');
    const o = await loadError(openAndRead(src, { uri: 's3://data/bad/cut.zip!a.txt', displayName: '', size: 1, version: '', member: 'a.txt', compression: 'zip' }));
    expect(o.message).toMatch(/^s3:\/\/data\/bad\/cut\.zip is not a readable zip archive/);
  });

  it('corrupt zip member data fails the member stream (inflate error or CRC-32)', async () => {
    const stored = rows('stored', 50_000);
    const deflated = rows('deflated', 300_000);
    const good = await zip([
      { name: 'stored.txt', data: stored, compress: false },
      { name: 'deflated.txt', data: deflated },
    ]);
    const bad = Buffer.from(good);
    const at = bad.indexOf(stored) + 1000;
    bad[at] = (bad[at] as number) ^ 0xff; // one byte of the stored member
    const deflatedStart = bad.indexOf(Buffer.from('deflated.txt')) + 'deflated.txt'.length;
    for (let i = 500; i < 600; i++) bad[deflatedStart + i] = (bad[deflatedStart + i] as number) ^ 0x5a;
    await put('bad/corrupt.zip', bad);
    const src = source();
    const refs = await src.list('s3://data/bad/corrupt.zip', spec());
    expect(refs.map((r) => r.member)).toEqual(['stored.txt', 'deflated.txt']);
    const s = await loadError(openAndRead(src, refs[0] as FileRef));
    expect(s.message).toBe('s3://data/bad/corrupt.zip!stored.txt: the zip member is corrupt (CRC-32 mismatch)');
    const d = await loadError(openAndRead(src, refs[1] as FileRef));
    expect(d.message).toMatch(/^s3:\/\/data\/bad\/corrupt\.zip!deflated\.txt: the zip member is corrupt/);
  });

  it('an object replaced after listing is refused (GetObject carries If-Match; the 412 is answered by the front, s3rver ignores If-Match)', async () => {
    await put('bad/moving.csv', 'old|1\n');
    const src = source();
    const [ref] = (await src.list('s3://data/bad/moving.csv', spec())) as [FileRef];
    await put('bad/moving.csv', 'new|2\n');
    const seen: Array<string | undefined> = [];
    fault = (req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/data/bad/moving.csv') return false;
      seen.push(req.headers['if-match']);
      if (req.headers['if-match'] === `"${md5(Buffer.from('new|2\n'))}"`) return false;
      s3ErrorXml(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      return true;
    };
    const e = await loadError(src.open(ref));
    expect(seen).toEqual([`"${md5(Buffer.from('old|1\n'))}"`]);
    expect(e.message).toBe('S3 object s3://data/bad/moving.csv changed while it was being read');
  });

  it('a zip replaced after listing is refused', async () => {
    await put('bad/moving.zip', await archiveOf(3));
    const src = source();
    const [ref] = await src.list('s3://data/bad/moving.zip', spec());
    await put('bad/moving.zip', await archiveOf(4));
    const e = await loadError(src.open(ref as FileRef));
    expect(e.message).toBe('S3 object s3://data/bad/moving.zip changed after it was listed');
    const gone = await loadError(src.open({ ...(ref as FileRef), uri: 's3://data/bad/moving.zip!nope.txt', member: 'nope.txt', version: '' }));
    expect(gone.message).toBe('s3://data/bad/moving.zip has no member "nope.txt"');
  });
});

describe('retries', () => {
  const body = rows('retry', 300_000);
  let ref: FileRef;

  beforeAll(async () => {
    await put('retry/a.csv', body);
    [ref] = (await source().list('s3://data/retry/a.csv', spec())) as [FileRef];
  });

  const isGet = (req: IncomingMessage, key: string) => req.method === 'GET' && req.url?.split('?')[0] === `/data/${key}`;
  const objectHeaders = { 'content-type': 'text/csv', 'content-length': String(body.length), etag: `"${md5(body)}"`, 'accept-ranges': 'bytes' };

  it('an unreachable endpoint fails after maxAttempts with a clear error', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await closeServer(closed);
    const src = source({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 3 });
    const t0 = Date.now();
    const e = await loadError(src.list('s3://data/retry/*.csv', spec()));
    expect(e.message).toMatch(new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port} while listing s3://data/retry/\\*\\.csv after 3 attempts \\(ECONNREFUSED`));
    expect(e.hint).toContain('s3.endpoint');
    const o = await loadError(src.open(ref));
    expect(o.message).toMatch(/^cannot reach .* while reading s3:\/\/data\/retry\/a\.csv after 3 attempts/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a server stopped mid-run: listing worked, opening then fails after retries', async () => {
    const handle = s3rver.callback();
    const second = createServer((req, res) => handle(req, res));
    const port = await listen(second);
    const src = source({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const [r] = await src.list('s3://data/retry/a.csv', spec());
    await closeServer(second);
    const e = await loadError(src.open(r as FileRef));
    expect(e.message).toMatch(/^cannot reach .* while reading s3:\/\/data\/retry\/a\.csv after 2 attempts \((ECONNREFUSED|ECONNRESET)/);
  });

  it('SlowDown (503) is retried with backoff, then succeeds', async () => {
    let n = 0;
    fault = (req, res) => {
      if (!/list-type=2/.test(req.url ?? '') || ++n > 2) return false;
      s3ErrorXml(res, 503, 'SlowDown', 'Please reduce your request rate.');
      return true;
    };
    log.length = 0;
    const refs = await source({ maxAttempts: 3 }).list('s3://data/retry/*.csv', spec());
    expect(refs.map((r) => r.uri)).toEqual(['s3://data/retry/a.csv']);
    expect(listRequests()).toHaveLength(3);
  });

  it('SlowDown that does not stop fails after maxAttempts', async () => {
    fault = (req, res) => {
      s3ErrorXml(res, 503, 'SlowDown', 'Please reduce your request rate.');
      return true;
    };
    log.length = 0;
    const src = source({ maxAttempts: 2 });
    const e = await loadError(src.list('s3://data/retry/*.csv', spec()));
    expect(e.message).toBe('S3 is throttling requests while listing s3://data/retry/*.csv: still failing after 2 attempts (SlowDown: Please reduce your request rate.)');
    expect(listRequests()).toHaveLength(2);
    const o = await loadError(src.open(ref));
    expect(o.message).toMatch(/^S3 is throttling requests while reading s3:\/\/data\/retry\/a\.csv: still failing after 2 attempts/);
  });

  it('a request that hangs times out and is retried', async () => {
    let n = 0;
    fault = (req) => /list-type=2/.test(req.url ?? '') && ++n === 1; // first listing: never answered
    log.length = 0;
    const refs = await source({ idleTimeoutMs: 300 }).list('s3://data/retry/*.csv', spec());
    expect(refs).toHaveLength(1);
    expect(listRequests()).toHaveLength(2);
  });

  it('a body that dies before its first byte is fetched again', async () => {
    let n = 0;
    fault = (req, res) => {
      if (!isGet(req, 'retry/a.csv') || ++n > 1) return false;
      res.writeHead(200, objectHeaders);
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    log.length = 0;
    const got = await openAndRead(source(), ref);
    expect(got.equals(body)).toBe(true);
    expect(requestsFor('retry/a.csv')).toHaveLength(2);
  });

  it('a body that stalls before its first byte times out and is fetched again', async () => {
    let n = 0;
    fault = (req, res) => {
      if (!isGet(req, 'retry/a.csv') || ++n > 1) return false;
      res.writeHead(200, objectHeaders);
      res.flushHeaders(); // …and then nothing
      return true;
    };
    log.length = 0;
    const got = await openAndRead(source({ idleTimeoutMs: 300 }), ref);
    expect(got.equals(body)).toBe(true);
    expect(requestsFor('retry/a.csv')).toHaveLength(2);
  });

  it('a consumer that stops reading for longer than the idle timeout is not cut off', async () => {
    await put('retry/big.csv', rows('big', 3_000_000));
    const src = source({ idleTimeoutMs: 150 });
    const [big] = (await src.list('s3://data/retry/big.csv', spec())) as [FileRef];
    const stream = await src.open(big);
    const parts: Buffer[] = [];
    let paused = false;
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      if (!paused) {
        paused = true;
        await new Promise((r) => setTimeout(r, 600)); // backpressure: S3 sends nothing meanwhile
      }
    }
    expect(Buffer.concat(parts).length).toBe(big.size);
  });

  it('a body that dies after bytes were emitted fails clearly, without a retry', async () => {
    fault = (req, res) => {
      if (!isGet(req, 'retry/a.csv')) return false;
      res.writeHead(200, objectHeaders);
      res.write(body.subarray(0, 64 * 1024));
      setTimeout(() => res.socket?.destroy(), 50);
      return true;
    };
    log.length = 0;
    const stream = await source().open(ref);
    let received = 0;
    const e = await loadError(
      (async () => {
        for await (const chunk of stream) received += (chunk as Buffer).length;
      })(),
    );
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(body.length);
    expect(e.message).toMatch(/^the download of s3:\/\/data\/retry\/a\.csv broke off after \d+ bytes \(/);
    expect(e.hint).toBe('nothing of this file was kept; run the load again');
    expect(requestsFor('retry/a.csv')).toHaveLength(1);
  });

  it('a gzip body that dies after bytes were emitted fails with the download error, not a gzip error', async () => {
    const gz = gzipSync(body);
    await put('retry/a.csv.gz', gz);
    const [gref] = (await source().list('s3://data/retry/a.csv.gz', spec())) as [FileRef];
    fault = (req, res) => {
      if (!isGet(req, 'retry/a.csv.gz')) return false;
      res.writeHead(200, { ...objectHeaders, 'content-length': String(gz.length), etag: `"${md5(gz)}"` });
      res.write(gz.subarray(0, 16 * 1024));
      setTimeout(() => res.socket?.destroy(), 50);
      return true;
    };
    const e = await loadError(openAndRead(source(), gref));
    expect(e.message).toMatch(/^the download of s3:\/\/data\/retry\/a\.csv\.gz broke off after \d+ bytes/);
  });

  it('a zip member range read that dies before its first byte is fetched again', async () => {
    const member = rows('zipretry', 400_000);
    const archive = await zip([{ name: 'm.txt', data: member }]);
    await put('retry/a.zip', archive);
    const src = source();
    const [mref] = (await src.list('s3://data/retry/a.zip', spec())) as [FileRef];
    let failed = 0;
    fault = (req, res) => {
      // the member's data: the range that starts near the beginning of the archive
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? -1);
      if (!isGet(req, 'retry/a.zip') || start < 0 || start > 100 || failed > 0) return false;
      failed++;
      res.writeHead(206, { 'content-type': 'application/zip', 'content-length': '1000', 'content-range': `bytes ${start}-${start + 999}/${archive.length}` });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 20);
      return true;
    };
    expect((await openAndRead(src, mref)).equals(member)).toBe(true);
    expect(failed).toBe(1);
  });
});
