/**
 * The run's catalog snapshot (src/run/run-catalog.ts): nodes are planned from one catalog read at
 * the start of the run and sent as one message with their state row; a plan made from a stale
 * snapshot is built again from a fresh state; errors still point at the run file's lines; a node
 * whose build did not commit keeps its previous state.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { cleanupProjects, cli, writeProject } from '../helpers/temp-project.js';
import { useTestDatabase } from '../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
beforeAll(async () => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db?.close();
});

const projectYml = (schema: string, extra = '') =>
  ['name: cat', 'targets:', '  test:', '    type: postgres', "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"", `    schema: ${schema}`, '    threads: 2', extra].join('\n');

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

interface Result { uniqueId: string; status: string; message: string }
const results = (dir: string): Result[] => (JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as { results: Result[] }).results;
const messageOf = (dir: string, name: string) => results(dir).find((r) => r.uniqueId === `model.cat.${name}`)?.message;

describe('a snapshot gone stale during the run', () => {
  it('a view created after the run read the catalog survives the rebuild of the table it reads', async () => {
    const dir = writeProject({ 'project.yml': projectYml('stale'), 'models/base.sql': "{{ config(materialized='table') }}\nselect g as id from generate_series(1, 3) g" });
    expect((await strata(dir, 'run')).code).toBe(0);
    // on-run-start runs after the snapshot was read: the run does not know this view depends on base.
    await db.query('create schema if not exists side');
    writeFileSync(join(dir, 'project.yml'), projectYml('stale', 'on-run-start:\n  - "create or replace view side.watcher as select count(*) as n from stale.base"'));
    const run = await strata(dir, 'run', '--rebuild');
    expect(run.stdout, run.stdout).toMatch(/PASS=1 WARN=0 ERROR=0 SKIP=0 TOTAL=1/);
    expect((await db.query('select n::int from side.watcher')).rows).toEqual([{ n: 3 }]);
    // Built again from the database's answer: the run file recreates the view it did not know of.
    expect(readFileSync(join(dir, 'target/run/models/base.sql'), 'utf8')).toContain('recreate dependent view side.watcher');
  });

  it('a view whose columns changed is rebuilt (PostgreSQL refused the replace), its dependent views kept', async () => {
    const dir = writeProject({
      'project.yml': projectYml('cols'),
      'models/v1.sql': 'select 1 as a, 2 as b',
      'models/v2.sql': "select b from {{ ref('v1') }}",
    });
    await db.query('create schema if not exists outside');
    expect((await strata(dir, 'run')).code).toBe(0);
    await db.query('create view outside.reader as select b from cols.v1');
    expect(messageOf(dir, 'v1')).toBe('create');
    expect((await strata(dir, 'run', '--rebuild')).code).toBe(0);
    expect(messageOf(dir, 'v1')).toBe('replace');
    writeFileSync(join(dir, 'models/v1.sql'), 'select 2 as b, 3 as c');
    const run = await strata(dir, 'run');
    expect(run.stdout, run.stdout).toMatch(/PASS=2 WARN=0 ERROR=0/);
    expect(messageOf(dir, 'v1')).toBe('rebuild');
    expect((await db.query('select b from outside.reader')).rows).toEqual([{ b: 2 }]);
    expect((await db.query('select * from cols.v1')).rows).toEqual([{ b: 2, c: 3 }]);
  });
});

describe('one message per node', () => {
  it("maps a database error to the run file's line and column", async () => {
    const dir = writeProject({ 'project.yml': projectYml('lines'), 'models/bad.sql': "{{ config(materialized='table') }}\nselect 1 as a,\n  2 as b\n  frm nowhere" });
    const run = await strata(dir, 'run');
    expect(run.code).toBe(1);
    const file = readFileSync(join(dir, 'target/run/models/bad.sql'), 'utf8').split('\n');
    const line = file.findIndex((l) => l.includes('frm nowhere')) + 1;
    const column = file[line - 1]!.indexOf('frm') + 1;
    expect(line).toBeGreaterThan(0);
    expect(run.stdout).toContain(`target/run/models/bad.sql:${line}:${column}: DB syntax error at or near "frm"`);
  });

  it('saves the state with the build: a node whose build failed keeps its previous state', async () => {
    const dir = writeProject({
      'project.yml': projectYml('states'),
      'models/ok.sql': "{{ config(materialized='table') }}\nselect 1 as x",
      'models/flaky.sql': "{{ config(materialized='table') }}\nselect 1 as y",
    });
    const state = async () =>
      Object.fromEntries((await db.query<{ unique_id: string; run_id: string }>("select unique_id, run_id from strata_meta.node_state where project = 'cat' and relation like '\"states\".%'")).rows.map((r) => [r.unique_id, r.run_id]));
    expect((await strata(dir, 'run')).code).toBe(0);
    const first = await state();
    expect(Object.keys(first).sort()).toEqual(['model.cat.flaky', 'model.cat.ok']);
    writeFileSync(join(dir, 'models/flaky.sql'), "{{ config(materialized='table') }}\nselect 1 / 0 as y");
    expect((await strata(dir, 'run', '--rebuild')).code).toBe(1);
    const second = await state();
    expect(second['model.cat.flaky']).toBe(first['model.cat.flaky']);
    expect(second['model.cat.ok']).not.toBe(first['model.cat.ok']);
    // Not up to date: the failed build left the old state, whose fingerprint is not the new SQL's.
    writeFileSync(join(dir, 'models/flaky.sql'), "{{ config(materialized='table') }}\nselect 2 as y");
    const again = await strata(dir, 'run');
    expect(again.stdout).toMatch(/PASS=1 WARN=0 ERROR=0 SKIP=1 TOTAL=2 \(1 up to date\)/);
  });
});
