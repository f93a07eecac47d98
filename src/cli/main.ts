#!/usr/bin/env node
/** The `strata` executable: runs the CLI and exits with its code. */
import v8 from 'node:v8';

// Compiling a large project allocates many short-lived objects; V8's default 16 MB young
// generation makes the scavenger run thousands of times (measured: a 10,000-model compile spent
// a third of its time in GC). Set before anything else is loaded so the heap grows with it.
// Not for `strata load`: it compiles little and streams gigabytes, where a large young generation
// only raises the peak memory (measured on a 2 GB file: 149 MB with it, 114 MB without).
if (!process.argv.slice(2).includes('load')) v8.setFlagsFromString('--max-semi-space-size=64');

const { runCli } = await import('./program.js');

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in strata; please report it with the command you ran.\n`);
    process.exitCode = 70;
  },
);
