#!/usr/bin/env node
/** The `strata` executable: runs the CLI and exits with its code. */
import { writeStderr } from './batched-stdout.js';
import { runCli } from './program.js';

// No V8 flags are set here: `v8.setFlagsFromString('--max-semi-space-size=...')` at run time does
// not resize this thread's young generation (measured on Node 20: the same scavenges either way)
// but does enlarge every worker thread's, which only raised the peak memory of a compile.

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    writeStderr(`internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in strata; please report it with the command you ran.\n`);
    process.exitCode = 70;
  },
);
