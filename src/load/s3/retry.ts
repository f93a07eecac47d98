/**
 * Exponential backoff, used both by the SDK (as its retry strategy, so requests that fail with
 * throttling, 5xx, timeouts or network errors are retried) and by the body-stream retry in
 * s3-stream.ts. The SDK classifies each failure; this only decides whether and when to retry.
 */

export interface BackoffOptions {
  /** Total attempts, the first one included (≥ 1). */
  maxAttempts: number;
  /** Delay before the first retry; doubled on every further retry. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
}

/** "Equal jitter": half the exponential delay, plus a random part up to the other half. */
export function backoffDelay(retry: number, opts: BackoffOptions): number {
  const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The SDK's retry token (structurally @smithy/types RetryToken). */
class Token {
  constructor(
    private readonly count: number,
    private readonly delay: number,
  ) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
}

interface RetryErrorInfo {
  error?: unknown;
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

/**
 * A RetryStrategyV2 for the S3 client: retries everything the SDK does not classify as a client
 * error (4xx other than 429), up to `maxAttempts` in total, with exponential backoff (honouring
 * a Retry-After hint up to `maxDelayMs`). No retry quota: a load is one job, not a fleet.
 */
export class BackoffRetryStrategy {
  readonly mode = 'standard';
  constructor(private readonly opts: BackoffOptions) {}

  async acquireInitialRetryToken(_scope: string): Promise<Token> {
    return new Token(0, 0);
  }

  async refreshRetryTokenForRetry(token: Token, info: RetryErrorInfo): Promise<Token> {
    const retry = token.getRetryCount() + 1;
    if (info.errorType === 'CLIENT_ERROR' || retry >= this.opts.maxAttempts) {
      throw info.error instanceof Error ? info.error : new Error('no more retries');
    }
    let delay = backoffDelay(retry, this.opts);
    if (info.retryAfterHint) {
      const hinted = info.retryAfterHint.getTime() - Date.now();
      if (hinted > delay) delay = Math.min(hinted, this.opts.maxDelayMs);
    }
    return new Token(retry, delay);
  }

  recordSuccess(_token: Token): void {}
}
