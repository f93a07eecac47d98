/**
 * The S3 FileSource: lists `s3://bucket/prefix/pattern` with ListObjectsV2 (paginated, filtered
 * with picomatch), expands .zip objects into their members (central directory read with ranged
 * GETs), and streams objects: plain, gunzipped, or one zip member inflated — never through a
 * temporary file. Credentials come from the standard AWS chain.
 */
import type { Readable } from 'node:stream';
import { HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { StrataError } from '../../errors/strata-error.js';
import type { FileRef, FileSource, LoadSpec } from '../types.js';
import { s3Error, type S3ErrorContext } from './s3-errors.js';
import { BackoffRetryStrategy, type BackoffOptions } from './retry.js';
import { gunzipChunks, objectChunks, toByteStream } from './s3-stream.js';
import { compressionOf, formatS3Uri, keyMatcher, memberMatcher, normalizeEtag, parseS3Uri, refLocation } from './s3-uri.js';
import { listZipMembers, zipMemberChunks, type ZipObject } from './s3-zip.js';

export interface S3SourceOptions {
  /** A non-AWS endpoint (MinIO, Ceph, R2, a local test server), e.g. `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Default: AWS_REGION / AWS_DEFAULT_REGION, else the AWS profile's region; `us-east-1` with a custom endpoint. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`). Default: true with a custom endpoint, false for AWS. */
  forcePathStyle?: boolean;
  /** Static credentials — for tests only. Without them the standard AWS credential chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Attempts per request, the first included (and per object body, see `open`). Default 5. */
  maxAttempts?: number;
  /** First retry delay, doubled each retry. Default 100 ms. */
  retryBaseDelayMs?: number;
  /** Longest single retry delay. Default 20 s. */
  retryMaxDelayMs?: number;
  /** Connecting to the endpoint may take this long. Default 10 s. */
  connectionTimeoutMs?: number;
  /**
   * S3 sending nothing for this long — no response, or no data while strata waits for the next
   * chunk — fails the request, which is then retried. Time a slow consumer spends not reading
   * does not count. Default 60 s.
   */
  idleTimeoutMs?: number;
  /** Keys per ListObjectsV2 page (MaxKeys, at most 1000). Default 1000. */
  pageSize?: number;
}

export interface S3FileSource extends FileSource {
  /** The SDK client used for listing and HEAD requests. */
  readonly client: S3Client;
  /** Closes the clients' idle connections. */
  close(): void;
}

interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

/** Zip central directories read at the same time while listing. */
const ZIP_LIST_CONCURRENCY = 4;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Starts the generator so that request-level failures (missing object, access denied, a zip
 * that cannot be read) reject `open()` itself; the body then streams from the first chunk on.
 */
async function primed(gen: AsyncGenerator<Buffer, void, undefined>): Promise<Readable> {
  const first = await gen.next();
  async function* all(): AsyncGenerator<Buffer, void, undefined> {
    if (first.done) return;
    yield first.value;
    yield* gen;
  }
  const stream = toByteStream(all());
  // A stream closed before it was read must still release the object's connection.
  stream.once('close', () => {
    void gen.return(undefined).catch(() => {});
  });
  return stream;
}

export function createS3Source(opts: S3SourceOptions = {}): S3FileSource {
  const retry: BackoffOptions = {
    maxAttempts: Math.max(1, Math.floor(opts.maxAttempts ?? 5)),
    baseDelayMs: Math.max(0, opts.retryBaseDelayMs ?? 100),
    maxDelayMs: Math.max(0, opts.retryMaxDelayMs ?? 20_000),
  };
  const pageSize = Math.min(1000, Math.max(1, Math.floor(opts.pageSize ?? 1000)));
  const endpoint = opts.endpoint?.trim() || undefined;

  const idleTimeoutMs = Math.max(0, opts.idleTimeoutMs ?? 60_000);
  const connectionTimeout = Math.max(0, opts.connectionTimeoutMs ?? 10_000);

  // The SDK warns once per process that its releases after January 2027 need Node 22; that is
  // for whoever upgrades the dependency, not for the person running a load.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const base: S3ClientConfig = {
    maxAttempts: retry.maxAttempts,
    retryStrategy: new BackoffRetryStrategy(retry),
    followRegionRedirects: true,
    forcePathStyle: opts.forcePathStyle ?? endpoint !== undefined,
  };
  const region = opts.region?.trim() || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  if (region) base.region = region;
  if (endpoint) base.endpoint = endpoint;
  if (opts.credentials) base.credentials = opts.credentials;
  // Listing and HEAD: the socket idle timeout covers waiting for the response and reading it.
  const client = new S3Client({ ...base, requestHandler: { connectionTimeout, socketTimeout: idleTimeoutMs } });
  // Object bodies: the response headers must come within the idle timeout, but the body's idle
  // time is measured by objectChunks, which does not count time the consumer is not reading.
  const dataClient = new S3Client({
    ...base,
    requestHandler: { connectionTimeout, socketTimeout: 0, ...(idleTimeoutMs > 0 ? { requestTimeout: idleTimeoutMs, throwOnRequestTimeout: true } : {}) },
  });

  const ctxFor = (bucket: string, key: string, action: S3ErrorContext['action']): S3ErrorContext => ({
    bucket,
    key,
    action,
    ...(endpoint ? { endpoint } : {}),
  });

  async function listObjects(pattern: string): Promise<{ bucket: string; objects: ListedObject[] }> {
    const loc = parseS3Uri(pattern);
    const match = keyMatcher(loc);
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(
          new ListObjectsV2Command({
            Bucket: loc.bucket,
            MaxKeys: pageSize,
            ...(loc.prefix ? { Prefix: loc.prefix } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw s3Error(err, ctxFor(loc.bucket, loc.key, 'list'));
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith('/') || !match(o.Key)) continue;
        objects.push({ key: o.Key, size: Number(o.Size ?? 0), etag: normalizeEtag(o.ETag) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return { bucket: loc.bucket, objects };
  }

  function zipObject(bucket: string, key: string, size: number, etag: string): ZipObject {
    return { client: dataClient, bucket, key, size, retry, idleTimeoutMs, ...(etag ? { etag } : {}), ...(endpoint ? { endpoint } : {}) };
  }

  return {
    client,

    close(): void {
      client.destroy();
      dataClient.destroy();
    },

    async list(pattern: string, spec: LoadSpec): Promise<FileRef[]> {
      const { bucket, objects } = await listObjects(pattern);
      const select = memberMatcher(spec.members);
      const groups = await mapLimit(objects, ZIP_LIST_CONCURRENCY, async (o): Promise<FileRef[]> => {
        const uri = formatS3Uri(bucket, o.key);
        const compression = compressionOf(o.key);
        if (compression !== 'zip') return [{ uri, displayName: uri, size: o.size, version: o.etag, compression }];
        const members = await listZipMembers(zipObject(bucket, o.key, o.size, o.etag), select);
        return members.map((m) => ({
          uri: `${uri}!${m.name}`,
          displayName: `${uri}!${m.name}`,
          size: m.uncompressedSize,
          version: o.etag,
          member: m.name,
          compression: 'zip' as const,
        }));
      });
      return groups.flat();
    },

    async open(ref: FileRef): Promise<Readable> {
      const { bucket, key, member } = refLocation(ref);
      const version = ref.version || undefined;
      if (ref.compression === 'zip') {
        if (member === undefined) {
          throw new StrataError('LOAD', `${ref.uri} is a zip archive, not one of its members`, { hint: 'this is a bug in the caller: open the member refs that list() returns' });
        }
        let head;
        try {
          head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        } catch (err) {
          throw s3Error(err, ctxFor(bucket, key, 'read'));
        }
        const etag = normalizeEtag(head.ETag);
        if (version && etag && etag !== version) {
          throw new StrataError('LOAD', `S3 object ${formatS3Uri(bucket, key)} changed after it was listed`, { hint: 'it was overwritten during the load; run the load again' });
        }
        return primed(zipMemberChunks(zipObject(bucket, key, Number(head.ContentLength ?? 0), etag || version || ''), member));
      }
      const raw = objectChunks({
        client: dataClient,
        bucket,
        key,
        retry,
        idleTimeoutMs,
        ...(version ? { etag: version } : {}),
        ...(endpoint ? { endpoint } : {}),
      });
      return primed(ref.compression === 'gzip' ? gunzipChunks(raw, formatS3Uri(bucket, key)) : raw);
    },
  };
}
