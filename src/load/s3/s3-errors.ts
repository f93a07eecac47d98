/**
 * S3 / AWS SDK failures → StrataError('LOAD'). Every message names the bucket and key (or the
 * listing pattern), carries a hint, and never includes a stack; the SDK error is kept as `cause`
 * (shown only with --debug).
 */
import { StrataError, isStrataError } from '../../errors/strata-error.js';

export interface S3ErrorContext {
  bucket: string;
  /** The object key, or the key pattern when listing. */
  key?: string;
  action: 'list' | 'read';
  /** The configured endpoint (only shown for network errors); undefined means AWS. */
  endpoint?: string;
}

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
}

const CREDENTIAL_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidSecurity',
]);
const ACCESS_CODES = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'Forbidden']);
const THROTTLE_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'ServiceUnavailable', 'RequestThrottled', 'BandwidthLimitExceeded']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

function describe(ctx: S3ErrorContext): string {
  return `s3://${ctx.bucket}/${ctx.key ?? ''}`;
}

/** The innermost Node errno code (ECONNREFUSED…) of an error or its causes. */
function networkCode(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  const err = e as SdkLikeError & { errors?: unknown[] };
  if (err.code && NETWORK_CODES.has(err.code)) return err.code;
  // AggregateError (happy-eyeballs connect to several addresses)
  if (Array.isArray(err.errors)) {
    for (const inner of err.errors) {
      const c = networkCode(inner, depth + 1);
      if (c) return c;
    }
  }
  return networkCode(err.cause, depth + 1);
}

function attemptsText(e: SdkLikeError): string {
  const n = e.$metadata?.attempts;
  return n && n > 1 ? ` after ${n} attempts` : '';
}

function sdkDetail(e: SdkLikeError): string {
  const name = e.Code ?? e.name ?? 'Error';
  let msg = (e.message ?? '').split('\n')[0]?.trim() ?? '';
  if (!msg || msg === name || msg === 'UnknownError') return name;
  if (msg.length > 300) msg = `${msg.slice(0, 300)}…`;
  return `${name}: ${msg}`;
}

/** Maps any error thrown by the SDK (or the network under it) to a LOAD StrataError. */
export function s3Error(err: unknown, ctx: S3ErrorContext): StrataError {
  if (isStrataError(err)) return err;
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as SdkLikeError;
  const code = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const where = describe(ctx);
  const doing = ctx.action === 'list' ? `listing ${where}` : `reading ${where}`;
  const make = (message: string, hint: string): StrataError => new StrataError('LOAD', message, { hint, cause: err });

  if (code === 'NoSuchBucket') {
    return make(
      `S3 bucket "${ctx.bucket}" does not exist (${doing})`,
      ctx.endpoint
        ? `check the bucket name in files:, and that s3.endpoint (${ctx.endpoint}) is the server that holds it`
        : 'check the bucket name in files: (bucket names are global; a typo names another, missing bucket)',
    );
  }
  if (code === 'NoSuchKey' || code === 'NotFound' || status === 404) {
    return make(
      `S3 object ${where} does not exist`,
      `it was deleted or renamed after it was listed, or the name is wrong; list what is there with: aws s3 ls s3://${ctx.bucket}/${(ctx.key ?? '').replace(/[^/]*$/, '')}`,
    );
  }
  if (code === 'CredentialsProviderError' || /could not load credentials/i.test(e.message ?? '')) {
    return make(
      `no AWS credentials found for ${doing}`,
      'strata uses the standard AWS credential chain: set AWS_PROFILE (and run `aws sso login` if it uses SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role is available',
    );
  }
  if (CREDENTIAL_CODES.has(code)) {
    return make(
      `S3 rejected the AWS credentials while ${doing} (${sdkDetail(e)})`,
      'check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the AWS_PROFILE in use: the key may be wrong, deleted, or temporary credentials may have expired',
    );
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    const permission = ctx.action === 'list' ? `s3:ListBucket on arn:aws:s3:::${ctx.bucket}` : `s3:GetObject on arn:aws:s3:::${ctx.bucket}/${ctx.key ?? '*'}`;
    return make(
      `access denied ${ctx.action === 'list' ? 'listing' : 'reading'} ${where} (${sdkDetail(e)})`,
      `the AWS credentials strata found (AWS_PROFILE, AWS_ACCESS_KEY_ID or an instance role) need ${permission}; check the IAM policy and the bucket policy (and the KMS key policy for SSE-KMS objects)`,
    );
  }
  if (code === 'PreconditionFailed' || status === 412) {
    return make(`S3 object ${where} changed while it was being read`, 'it was overwritten during the load; nothing of it was kept, run the load again');
  }
  if (code === 'InvalidRange' || status === 416) {
    return make(`S3 object ${where} is shorter than expected (${sdkDetail(e)})`, 'it was truncated or replaced while being read; run the load again');
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return make(`S3 bucket "${ctx.bucket}" is in another region (${doing})`, 'set s3.region in the load block to the bucket\'s region');
  }
  if (code === 'RequestTimeTooSkewed') {
    return make(`S3 refused the request while ${doing}: this machine's clock is off`, 'synchronise the system clock (NTP); AWS rejects requests more than 15 minutes off');
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return make(`no AWS region configured for ${doing}`, 'set s3.region in the load block, or AWS_REGION in the environment');
  }
  if (code === 'InvalidBucketName') {
    return make(`"${ctx.bucket}" is not a valid S3 bucket name (${doing})`, 'check the bucket name in files:');
  }
  if (THROTTLE_CODES.has(code) || status === 429 || status === 503) {
    return make(
      `S3 is throttling requests while ${doing}: still failing${attemptsText(e)} (${sdkDetail(e)})`,
      'S3 asked strata to slow down; run again later, or raise s3 maxAttempts if this keeps happening',
    );
  }
  const net = networkCode(err);
  if (net || code === 'TimeoutError' || code === 'RequestTimeout') {
    const target = ctx.endpoint ?? 'S3';
    return make(
      `cannot reach ${target} while ${doing}${attemptsText(e)} (${net ?? code}: ${(e.message ?? '').split('\n')[0]})`,
      ctx.endpoint ? `check that ${ctx.endpoint} (s3.endpoint) is up and reachable from here` : 'check the network connection (and proxy settings) to S3; the request timed out or the connection failed',
    );
  }
  if (status !== undefined && status >= 500) {
    return make(`S3 failed while ${doing}${attemptsText(e)} (${sdkDetail(e)})`, 'this is a server-side error; run the load again later');
  }
  return make(`S3 request failed while ${doing} (${sdkDetail(e)})`, 'run with --debug for the underlying error');
}

/** A body that broke off after bytes were already handed on: not retried (see s3-stream.ts). */
export function interruptedError(ctx: S3ErrorContext, bytes: number, err: unknown): StrataError {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as SdkLikeError;
  const why = networkCode(err) ?? e.name ?? 'Error';
  return new StrataError('LOAD', `the download of ${describe(ctx)} broke off after ${bytes} bytes (${why}: ${(e.message ?? '').split('\n')[0]})`, {
    hint: 'nothing of this file was kept; run the load again',
    cause: err,
  });
}

/**
 * For loaders that treat an empty `files:` match as an error: a ready-made error for an S3
 * pattern that listed no object. `list()` itself returns [] and leaves the decision to the caller.
 */
export function s3NoMatchError(pattern: string): StrataError {
  return new StrataError('LOAD', `no S3 object matches ${pattern}`, {
    hint: 'check the bucket, the prefix and the pattern (wildcards do not match names starting with "."); list the folder with: aws s3 ls',
  });
}
