import { describe, expect, it } from 'vitest';
import { isStrataError, type StrataError } from '../../../src/errors/strata-error.js';
import { compressionOf, isS3Pattern, parseS3Uri, staticPrefix } from '../../../src/load/s3/index.js';
import { keyMatcher, memberMatcher, normalizeEtag, refLocation } from '../../../src/load/s3/s3-uri.js';
import { s3Error, s3NoMatchError } from '../../../src/load/s3/s3-errors.js';
import { BackoffRetryStrategy, backoffDelay } from '../../../src/load/s3/retry.js';

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    if (isStrataError(e)) return e;
    throw e;
  }
  throw new Error('expected a StrataError');
}

describe('isS3Pattern', () => {
  it('recognises the s3:// scheme in any case', () => {
    expect(isS3Pattern('s3://bucket/a.csv')).toBe(true);
    expect(isS3Pattern('S3://bucket/a.csv')).toBe(true);
    expect(isS3Pattern('  s3://bucket/*.csv')).toBe(true);
    expect(isS3Pattern('data/s3://x')).toBe(false);
    expect(isS3Pattern('./data/*.csv')).toBe(false);
    expect(isS3Pattern('/abs/s3/file.csv')).toBe(false);
    expect(isS3Pattern('s3:/bucket/a.csv')).toBe(false);
  });
});

describe('parseS3Uri', () => {
  it('splits an exact key', () => {
    expect(parseS3Uri('s3://my-bucket/loans/2024/q1.csv')).toEqual({
      bucket: 'my-bucket',
      key: 'loans/2024/q1.csv',
      prefix: 'loans/2024/q1.csv',
      pattern: '',
      isGlob: false,
    });
  });

  it('takes the literal part before the first glob character as the listing prefix', () => {
    expect(parseS3Uri('s3://b/loans/2024/historical_data_*.zip')).toEqual({
      bucket: 'b',
      key: 'loans/2024/historical_data_*.zip',
      prefix: 'loans/2024/historical_data_',
      pattern: '*.zip',
      isGlob: true,
    });
    expect(parseS3Uri('s3://b/loans/**/q?.csv').prefix).toBe('loans/');
    expect(parseS3Uri('s3://b/loans/202[34]/q1.csv').prefix).toBe('loans/202');
    expect(parseS3Uri('s3://b/loans/{a,b}/x.csv').prefix).toBe('loans/');
    expect(parseS3Uri('s3://b/*.csv')).toMatchObject({ prefix: '', pattern: '*.csv', isGlob: true });
    expect(parseS3Uri('s3://b/**')).toMatchObject({ prefix: '', pattern: '**', isGlob: true });
  });

  it('stops the prefix at an escape (never lists too little)', () => {
    expect(parseS3Uri('s3://b/odd\\*name/x.csv')).toMatchObject({ prefix: 'odd', isGlob: true });
  });

  it('keeps keys literally (no URL decoding) and trims surrounding space', () => {
    expect(parseS3Uri('  s3://b/with space/%20x.csv ')).toMatchObject({ bucket: 'b', key: 'with space/%20x.csv' });
  });

  it('rejects locations that name no object or pattern', () => {
    for (const bad of ['s3://', 's3:///a.csv', 's3://bucket', 's3://bucket/', 's3://bucket/folder/', 'http://bucket/a.csv', 's3://bad bucket/a.csv']) {
      const e = thrown(() => parseS3Uri(bad));
      expect(e.code).toBe('LOAD');
      expect(e.message).toContain(bad.trim());
      expect(e.hint).toBeTruthy();
    }
    expect(thrown(() => parseS3Uri('s3://bucket/folder/')).hint).toContain('s3://bucket/folder/*');
    expect(thrown(() => parseS3Uri('s3://bucket')).hint).toContain('s3://bucket/**');
  });
});

describe('staticPrefix', () => {
  it.each([
    ['a/b/c.csv', 'a/b/c.csv'],
    ['a/b/*.csv', 'a/b/'],
    ['a/b/file_?.csv', 'a/b/file_'],
    ['a/[0-9]/x', 'a/'],
    ['a/@(x|y)', 'a/'],
    ['a/+(x)', 'a/'],
    ['!(x)', ''],
    ['', ''],
  ])('%s → %s', (pattern, prefix) => {
    expect(staticPrefix(pattern)).toBe(prefix);
  });
});

describe('keyMatcher', () => {
  const m = (uri: string) => keyMatcher(parseS3Uri(uri));

  it('matches whole keys; * and ? stay inside one folder', () => {
    const star = m('s3://b/loans/*.csv');
    expect(star('loans/q1.csv')).toBe(true);
    expect(star('loans/2024/q1.csv')).toBe(false);
    expect(star('loans/q1.csv.gz')).toBe(false);
    expect(star('xloans/q1.csv')).toBe(false);
    const q = m('s3://b/loans/q?.csv');
    expect(q('loans/q1.csv')).toBe(true);
    expect(q('loans/q10.csv')).toBe(false);
  });

  it('** crosses folders (including none); classes and braces work', () => {
    const deep = m('s3://b/loans/**/*.csv');
    expect(deep('loans/q1.csv')).toBe(true);
    expect(deep('loans/2024/03/q1.csv')).toBe(true);
    expect(m('s3://b/loans/202[34]/*.csv')('loans/2023/a.csv')).toBe(true);
    expect(m('s3://b/loans/202[34]/*.csv')('loans/2022/a.csv')).toBe(false);
    expect(m('s3://b/x.{csv,txt}')('x.txt')).toBe(true);
  });

  it('wildcards skip dot-files; an exact key matches only itself', () => {
    expect(m('s3://b/loans/*')('loans/.hidden')).toBe(false);
    expect(m('s3://b/loans/*.crc')('loans/.part-0.crc')).toBe(false);
    const exact = m('s3://b/loans/q1.csv');
    expect(exact('loans/q1.csv')).toBe(true);
    expect(exact('loans/q1.csv.bak')).toBe(false);
  });
});

describe('memberMatcher', () => {
  it('matches a slash-less pattern against the base name', () => {
    const m = memberMatcher('historical_data_time_*.txt');
    expect(m('historical_data_time_Q12009.txt')).toBe(true);
    expect(m('2009/historical_data_time_Q12009.txt')).toBe(true);
    expect(m('historical_data_Q12009.txt')).toBe(false);
  });

  it('matches a pattern with a slash against the full name', () => {
    const m = memberMatcher('2009/*.txt');
    expect(m('2009/a.txt')).toBe(true);
    expect(m('2010/a.txt')).toBe(false);
  });

  it('without a pattern selects every member but dot-files', () => {
    const all = memberMatcher(undefined);
    expect(all('a.txt')).toBe(true);
    expect(all('deep/er/b.csv')).toBe(true);
    expect(all('.DS_Store')).toBe(false);
    expect(all('__MACOSX/._a.txt')).toBe(false);
    expect(memberMatcher('  ')('a.txt')).toBe(true);
  });
});

describe('small helpers', () => {
  it('compressionOf uses the extension, case-insensitively', () => {
    expect(compressionOf('a/b.csv')).toBe('none');
    expect(compressionOf('a/b.csv.gz')).toBe('gzip');
    expect(compressionOf('a/B.CSV.GZ')).toBe('gzip');
    expect(compressionOf('a/b.zip')).toBe('zip');
    expect(compressionOf('a/b.zipx')).toBe('none');
  });

  it('normalizeEtag strips quotes and a weak marker', () => {
    expect(normalizeEtag('"abc"')).toBe('abc');
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc-3"')).toBe('abc-3');
    expect(normalizeEtag(undefined)).toBe('');
  });

  it('refLocation splits bucket, key and member', () => {
    const base = { displayName: '', size: 0, version: '' };
    expect(refLocation({ ...base, uri: 's3://b/k/x.zip!dir/m.txt', member: 'dir/m.txt', compression: 'zip' })).toEqual({ bucket: 'b', key: 'k/x.zip', member: 'dir/m.txt' });
    expect(refLocation({ ...base, uri: 's3://b/k/x!y.csv', compression: 'none' })).toEqual({ bucket: 'b', key: 'k/x!y.csv' });
    expect(() => refLocation({ ...base, uri: '/local/file.csv', compression: 'none' })).toThrow(/not an S3 object/);
  });
});

describe('s3Error', () => {
  const sdk = (name: string, status: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} message`), { name, $fault: 'client', $metadata: { httpStatusCode: status, attempts: 1 }, ...extra });
  const read = { bucket: 'bkt', key: 'dir/obj.csv', action: 'read' as const };
  const list = { bucket: 'bkt', key: 'dir/*.csv', action: 'list' as const };

  it.each([
    ['NoSuchBucket', 404, list, /bucket "bkt" does not exist \(listing s3:\/\/bkt\/dir\/\*\.csv\)/, /bucket name/],
    ['NoSuchKey', 404, read, /S3 object s3:\/\/bkt\/dir\/obj\.csv does not exist/, /aws s3 ls s3:\/\/bkt\/dir\//],
    ['NotFound', 404, read, /does not exist/, /deleted or renamed/],
    ['AccessDenied', 403, list, /access denied listing s3:\/\/bkt\/dir\/\*\.csv/, /s3:ListBucket/],
    ['AccessDenied', 403, read, /access denied reading s3:\/\/bkt\/dir\/obj\.csv/, /s3:GetObject/],
    ['Forbidden', 403, read, /access denied/, /IAM policy and the bucket policy/],
    ['InvalidAccessKeyId', 403, read, /rejected the AWS credentials while reading s3:\/\/bkt\/dir\/obj\.csv/, /AWS_ACCESS_KEY_ID/],
    ['SignatureDoesNotMatch', 403, list, /rejected the AWS credentials/, /AWS_SECRET_ACCESS_KEY/],
    ['ExpiredToken', 400, read, /rejected the AWS credentials/, /expired/],
    ['PreconditionFailed', 412, read, /changed while it was being read/, /run the load again/],
    ['PermanentRedirect', 301, list, /another region/, /s3\.region/],
    ['SlowDown', 503, read, /throttling/, /slow down/],
    ['InternalError', 500, read, /S3 failed while reading/, /server-side/],
  ])('%s (%i) → LOAD', (name, status, ctx, message, hint) => {
    const e = s3Error(sdk(name, status), ctx);
    expect(e.code).toBe('LOAD');
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.message).not.toMatch(/\n\s+at /);
  });

  it('reports attempts and the endpoint for network failures', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: { attempts: 4 } });
    const e = s3Error(err, { ...list, endpoint: 'http://127.0.0.1:9' });
    expect(e.message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 while listing s3:\/\/bkt\/dir\/\*\.csv after 4 attempts \(ECONNREFUSED/);
    expect(e.hint).toContain('s3.endpoint');
    const timeout = s3Error(Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: { attempts: 2 } }), read);
    expect(timeout.message).toMatch(/cannot reach S3 while reading .* after 2 attempts \(TimeoutError/);
  });

  it('maps missing credentials and region', () => {
    expect(s3Error(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), read).message).toMatch(/no AWS credentials found/);
    expect(s3Error(new Error('Region is missing'), list).hint).toContain('s3.region');
  });

  it('passes StrataErrors through and never loses unknown errors', () => {
    const own = s3NoMatchError('s3://bkt/x/*.csv');
    expect(s3Error(own, read)).toBe(own);
    expect(own.message).toBe('no S3 object matches s3://bkt/x/*.csv');
    const odd = s3Error(sdk('WeirdThing', 400), read);
    expect(odd.message).toMatch(/S3 request failed while reading s3:\/\/bkt\/dir\/obj\.csv \(WeirdThing: WeirdThing message\)/);
    expect(s3Error('just a string', read).code).toBe('LOAD');
  });
});

describe('retry backoff', () => {
  const opts = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially within [d/2, d] and is capped', () => {
    for (let i = 0; i < 50; i++) {
      const d1 = backoffDelay(1, opts);
      const d3 = backoffDelay(3, opts);
      const d9 = backoffDelay(9, opts);
      expect(d1).toBeGreaterThanOrEqual(50);
      expect(d1).toBeLessThanOrEqual(100);
      expect(d3).toBeGreaterThanOrEqual(200);
      expect(d3).toBeLessThanOrEqual(400);
      expect(d9).toBeLessThanOrEqual(1000);
    }
  });

  it('retries server, throttling and transient errors up to maxAttempts, never client errors', async () => {
    const s = new BackoffRetryStrategy(opts);
    let token = await s.acquireInitialRetryToken('');
    expect(token.getRetryCount()).toBe(0);
    const boom = new Error('boom');
    token = await s.refreshRetryTokenForRetry(token, { errorType: 'THROTTLING', error: boom });
    token = await s.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT', error: boom });
    token = await s.refreshRetryTokenForRetry(token, { errorType: 'SERVER_ERROR', error: boom });
    expect(token.getRetryCount()).toBe(3);
    await expect(s.refreshRetryTokenForRetry(token, { errorType: 'TRANSIENT', error: boom })).rejects.toBe(boom);
    const fresh = await s.acquireInitialRetryToken('');
    await expect(s.refreshRetryTokenForRetry(fresh, { errorType: 'CLIENT_ERROR', error: boom })).rejects.toBe(boom);
  });

  it('honours a Retry-After hint up to the maximum delay', async () => {
    const s = new BackoffRetryStrategy(opts);
    const t = await s.refreshRetryTokenForRetry(await s.acquireInitialRetryToken(''), {
      errorType: 'THROTTLING',
      retryAfterHint: new Date(Date.now() + 60_000),
    });
    expect(t.getRetryDelay()).toBe(1000);
  });
});
