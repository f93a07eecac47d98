/** What a command module gets from the program: uniform action wrapper and option converters. */
import type { Command } from 'commander';
import { checkThreads, lockTimeoutMs } from '../api/limits.js';
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

/** `--threads` and `--lock-timeout` as numbers; the rules (api/limits.ts) quote back what was typed. */
export const threadsOption = (text: string): number => checkThreads(Number(text), text);
export const lockTimeoutOption = (text: string): number => {
  // Number('') is 0: an empty value is not a timeout of 0 s.
  const seconds = text.trim() === '' ? Number.NaN : Number(text);
  lockTimeoutMs(seconds, text);
  return seconds;
};
