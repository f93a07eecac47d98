/**
 * The bundled executable (dist/bin/strata.js, scripts/bundle-cli.mjs) as a user runs it: what the
 * bundle must find at run time besides its own chunks -- the worker thread's entry file, the
 * generated schema validators -- and the source maps behind --debug. Needs `npm run build`
 * (`npm test` runs it first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupProjects, writeProject } from '../../helpers/temp-project.js';

const BIN = join(import.meta.dirname, '../../../dist/bin/strata.js');

function strata(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PROJECT = "name: shop\nversion: '1.0.0'\nconfig-version: 2\nmodel-paths: [models]\ntargets:\n  dev: { type: postgres, url: 'postgres://nobody@127.0.0.1:1/none', schema: s }\n";

describe.skipIf(!existsSync(BIN))('the bundled CLI, dist/bin/strata.js', () => {
  cleanupProjects();

  it('prints its version', () => {
    const r = strata(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('compiles a project large enough for the parse helper thread', () => {
    const files: Record<string, string> = { 'project.yml': PROJECT };
    for (let i = 0; i < 250; i++) {
      files[`models/m${i}.sql`] = i === 0 ? 'select 1 as id' : `select * from {{ ref('m${i - 1}') }}`;
      // Property files too: 200 of either start the parse helper thread (src/compile/parse-helper.ts).
      files[`models/m${i}.yml`] = `version: 2\nmodels:\n  - name: m${i}\n    columns: [{ name: id, tests: [not_null] }]\n`;
    }
    const dir = writeProject(files);
    const r = strata(['--project-dir', dir, 'compile']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'target/compiled/models'))).toHaveLength(250);
  });

  it('compiles with a V8 code cache per command, named after the build, written after the command ran', () => {
    const dir = writeProject({ 'project.yml': PROJECT, 'models/a.sql': 'select 1 as id' });
    const cacheDir = join(BIN, '../code-cache');
    const build = /const BUILD = '([0-9a-f]{16})';/.exec(readFileSync(BIN, 'utf8'))?.[1];
    expect(build).toBeDefined();
    rmSync(cacheDir, { recursive: true, force: true });
    const compile = () => {
      const r = strata(['--project-dir', dir, 'compile']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    };
    compile();
    expect(readdirSync(cacheDir)).toEqual([`compile-${build}.bin`]);
    const written = statSync(join(cacheDir, `compile-${build}.bin`)).mtimeMs;
    compile();
    // Accepted by V8: a rejected cache would have been written again.
    expect(statSync(join(cacheDir, `compile-${build}.bin`)).mtimeMs).toBe(written);
  });

  it('validates the project file with the generated validators', () => {
    expect(existsSync(join(BIN, '../validators/project.cjs'))).toBe(true);
    const dir = writeProject({ 'project.yml': `${PROJECT}modle-paths: [models]\n` });
    const r = strata(['--project-dir', dir, 'compile']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown key 'modle-paths'");
  });

  it('names the TypeScript sources in stack traces with --debug', () => {
    const dir = writeProject({ 'project.yml': `${PROJECT}modle-paths: [models]\n` });
    const r = strata(['--debug', '--project-dir', dir, 'compile']);
    expect(r.stderr).toMatch(/src\/project\/[a-z-]+\.ts:\d+:\d+/);
  });
});
