#!/usr/bin/env node
/**
 * The `strata` executable, dist/bin/strata.js (scripts/bundle-cli.mjs copies this file there, with
 * BUILD set to a hash of the bundle): runs the bundled CLI, dist/bin/strata.cjs, with a V8 code
 * cache.
 *
 * Why: Node compiles a command's JavaScript anew in every process, the bundle's top level when it
 * loads and then each function the first time it runs. Node 20 has no compile cache for modules
 * (module.enableCompileCache is Node 22), but vm.Script takes V8's cached data, so the bundle is
 * one CommonJS script compiled here. The cache is written when the process exits, after the
 * command ran, so it holds every function the command compiled, not only the top level: a
 * `strata run` of 200 models spent ~40 ms less CPU (bench/results/overhead.analysis.md).
 *
 * - One cache per command (`run`, `compile`...): what one command compiles is not what another
 *   does, and a cache is only written when there is none (or V8 rejects it: another Node, other
 *   flags), never updated.
 * - The caches live in dist/bin/code-cache/, named after BUILD: V8 itself checks a cache only
 *   against the source's length, so a rebuilt bundle must never meet an older build's cache.
 *   npm run build empties dist/bin. Where dist/bin is read-only, nothing is cached.
 * - `--debug` loads the bundle through require() instead, whose source-map support names the
 *   TypeScript sources in stack traces (src/cli/main.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const BUILD = 'dev';
/** The commands that get a cache of their own; any other shares `other`. */
const CACHED_COMMANDS = new Set(['run', 'build', 'seed', 'test', 'retry', 'load', 'compile', 'parse', 'ls']);

const here = dirname(fileURLToPath(import.meta.url));
const bundle = join(here, 'strata.cjs');
const requireHere = createRequire(bundle);

function runWithCodeCache() {
  const command = process.argv.slice(2).find((a) => CACHED_COMMANDS.has(a)) ?? 'other';
  const cacheFile = join(here, 'code-cache', `${command}-${BUILD}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  // Node's own CommonJS wrapper, on the source's first line: line numbers stay the bundle's.
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'utf8')}\n})`;
  const script = new vm.Script(source, { filename: bundle, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const temporary = `${cacheFile}.${process.pid}`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile); // whole or not at all, when two commands write at once
      } catch {
        // read-only installation: run without a cache
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, requireHere, module, bundle, here);
}

// The build's hash keys strata's caches of compiled SQL too (strataBuild() in src/compile/parse-project.ts).
globalThis.__strataBuild = BUILD;

if (process.argv.includes('--debug')) {
  process.setSourceMapsEnabled(true);
  requireHere(bundle);
} else {
  runWithCodeCache();
}
