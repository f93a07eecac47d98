/**
 * What an end-to-end test of a run needs around its fixture project: a project.yml whose target
 * `test` is the test file's database, the CLI on that target, and the outcomes run_results.json
 * recorded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResults } from '../../src/run/run-results.js';
import type { TestDatabase } from '../setup/test-database.js';
import { cli, type CliRun } from './temp-project.js';

/** project.yml of project `name`, target `test` on the test database (its URL in TEST_DATABASE_URL), schema `schema`, then `extra` lines. */
export function testProjectYml(name: string, schema: string, extra = ''): string {
  return [
    `name: ${name}`,
    'targets:',
    '  test:',
    '    type: postgres',
    "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
    `    schema: ${schema}`,
    '    threads: 2',
    extra,
    '',
  ].join('\n');
}

/** The CLI in a project written with testProjectYml: `strata(dir, 'build')`. */
export function strataOn(testDb: TestDatabase): (dir: string, ...args: string[]) => Promise<CliRun> {
  return (dir, ...args) => cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

export function runResultsOf(dir: string): RunResults {
  return JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as RunResults;
}

/** The status of every node and every data test of the last run, by name. */
export function statusesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of runResultsOf(dir).results) {
    out[r.name] = r.status;
    for (const t of r.tests ?? []) out[t.name] = t.status;
  }
  return out;
}
