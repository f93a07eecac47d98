#!/usr/bin/env node
/** The `strata` executable: runs the CLI and exits with its code. */
import { runCli } from './program.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in strata; please report it with the command you ran.\n`);
    process.exitCode = 70;
  },
);
