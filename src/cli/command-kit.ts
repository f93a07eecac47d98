/** What a command module gets from the program: uniform action wrapper and option converters. */
import type { Command } from 'commander';
import { StrataError } from '../errors/strata-error.js';
import type { ProjectOptions, SelectionOptions } from '../api/compile.js';
import type { GlobalFlags, RunCliOptions, SelectFlags } from './program.js';
import type { Reporter } from './reporter.js';

export type Action = <F>(body: (flags: F, g: GlobalFlags, r: Reporter) => number | Promise<number>) => (flags: F, cmd: Command) => Promise<void>;

export interface CommandKit {
  action: Action;
  projectOptions: (g: GlobalFlags) => ProjectOptions;
  selection?: (f: SelectFlags) => SelectionOptions;
  io?: RunCliOptions;
}

/**
 * `--threads` and `--lock-timeout` as numbers, refused with the text the user typed: Number('abc')
 * is NaN, which `strata load` took as "no thread" (it loaded nothing and exited 0).
 */
export function threadsOption(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 1) throw new StrataError('USAGE', `--threads must be a positive whole number (got '${text}')`);
  return n;
}

export function lockTimeoutOption(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new StrataError('USAGE', `--lock-timeout must be a number of seconds, 0 or more (got '${text}')`);
  return n;
}
