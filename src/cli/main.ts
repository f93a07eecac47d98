#!/usr/bin/env node
/** The `strata` executable: runs the CLI and exits with its code. */
import { writeStderr } from './batched-stdout.js';

// No V8 flags are set here: `v8.setFlagsFromString('--max-semi-space-size=...')` at run time does
// not resize this thread's young generation (measured on Node 20: the same scavenges either way)
// but does enlarge every worker thread's, which only raised the peak memory of a compile.

// With --debug, stack traces name the TypeScript sources: the bundle (dist/bin, scripts/bundle-cli.mjs)
// maps back to src/ only for modules loaded after source maps are on, hence the dynamic import.
// Without it, no map is read (parsing them costs more than a command's start-up saves by bundling).
// Not a top-level await: the bundle is a CommonJS script (scripts/cli-entry.mjs says why).
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
import('./program.js')
  .then(({ runCli }) => runCli(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      writeStderr(`internal error: ${(e as Error)?.stack ?? String(e)}\nThis is a bug in strata; please report it with the command you ran.\n`);
      process.exitCode = 70;
    },
  );
