/** What a command module gets from the program: uniform action wrapper and option converters. */
import type { Command } from 'commander';
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
