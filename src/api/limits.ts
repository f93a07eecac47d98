/**
 * `threads` and the lock timeout of the commands that take them (run, seed, test, build, retry,
 * load), checked once here for the API and the CLI alike. `typed`: what the user wrote, quoted
 * back (the CLI's text: Number('abc') is NaN, which `strata load` used to take as "no thread" and
 * load nothing, exit 0).
 */
import { StrataError } from '../errors/strata-error.js';

export function checkThreads(threads: number, typed: string = String(threads)): number {
  if (!Number.isInteger(threads) || threads < 1) throw new StrataError('USAGE', `--threads must be a positive whole number (got '${typed}')`);
  return threads;
}

/** Seconds to milliseconds; the default is 60 s. */
export function lockTimeoutMs(seconds: number | undefined, typed: string = String(seconds)): number {
  if (seconds === undefined) return 60_000;
  if (!Number.isFinite(seconds) || seconds < 0) throw new StrataError('USAGE', `--lock-timeout must be a number of seconds, 0 or more (got '${typed}')`);
  return seconds * 1000;
}
