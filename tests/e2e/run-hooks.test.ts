/**
 * on-run-start and on-run-end as dbt runs them: on-run-end sees the run's results (`results`,
 * one per node and per test) and the schemas it built into (`schemas`, `database_schemas`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { runResultsOf, strataOn, testProjectYml } from '../helpers/e2e-project.js';
import { writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();

const projectYml = (schema: string, hooks: string) => testProjectYml('hk', schema, hooks);
const strata = strataOn(testDb);

/** A macro an on-run-end hook calls with `results`, as dbt packages do: one row per result. */
const RECORD_RESULTS = [
  '{% macro record_results(results) %}',
  '{% for r in results %}',
  "insert into hk_audit.results values ('{{ r.node.name }}', '{{ r.node.unique_id }}', '{{ r.node.resource_type }}', '{{ r.status }}',",
  "  {{ \"'\" ~ r.node.relation_name ~ \"'\" if r.node.relation_name is not none else 'null' }}, '{{ r.message | replace(\"'\", \"''\") }}', {{ r.execution_time }},",
  "  {{ r.adapter_response.rows_affected if r.adapter_response.rows_affected is defined else 'null' }}, {{ r.failures if r.failures is not none else 'null' }});",
  '{% endfor %}',
  '{% endmacro %}',
].join('\n');

const AUDIT = 'drop schema if exists hk_audit cascade; create schema hk_audit; create table hk_audit.results (name text, unique_id text, resource_type text, status text, relation_name text, message text, execution_time float8, rows_affected int, failures int); create table hk_audit.schemas (s text); create table hk_audit.db_schemas (d text, s text); create table hk_audit.counted (n int)';

const END_HOOKS = [
  'on-run-end:',
  '  - "{{ record_results(results) }}"',
  // inline, without the macro
  '  - "insert into hk_audit.counted values ({{ results | length }})"',
  '  - "{% for s in schemas %}insert into hk_audit.schemas values (\'{{ s }}\');{% endfor %}"',
  // as dbt's docs write it, with the loop targets in parentheses
  '  - "{% for (database, schema) in database_schemas %}insert into hk_audit.db_schemas values (\'{{ database }}\', \'{{ schema }}\');{% endfor %}"',
].join('\n');

const PROJECT = (schema: string) => ({
  'project.yml': projectYml(schema, END_HOOKS),
  'macros/record_results.sql': RECORD_RESULTS,
  'seeds/raw.csv': 'id\n1\n2\n3\n',
  'models/ok_model.sql': "{{ config(materialized='table', schema='" + schema + "_marts') }}\nselect * from {{ ref('raw') }}",
  'models/bad_model.sql': "{{ config(materialized='table', schema='" + schema + "_bad') }}\nselect * from " + schema + '.no_such_table',
  'models/after_bad.sql': "select * from {{ ref('bad_model') }}",
  'models/props.yml': [
    'version: 2',
    'models:',
    '  - name: ok_model',
    '    columns:',
    '      - name: id',
    '        data_tests:',
    '          - not_null',
    '          - accepted_values: {values: [1, 2]}',
    '          - accepted_values: {values: [1], config: {severity: warn}}',
    '',
  ].join('\n'),
});

type Recorded = { name: string; unique_id: string; resource_type: string; status: string; relation_name: string | null; message: string; execution_time: number; rows_affected: number | null; failures: number | null };

async function recorded(): Promise<Record<string, Recorded>> {
  const list = (await rows('select * from hk_audit.results')) as Recorded[];
  return Object.fromEntries(list.map((r) => [r.name, r]));
}

describe('on-run-end', () => {
  it('sees this run\'s results, schemas and database_schemas, in the hook and in a macro it calls', async () => {
    await rows(AUDIT);
    const dir = writeProject(PROJECT('hk'));
    const build = await strata(dir, 'build');
    const out = build.stdout + build.stderr;
    expect(build.code, out).toBe(1);
    const byName = await recorded();
    const accepted = Object.keys(byName).filter((n) => n.startsWith('accepted_values_ok_model_id')).sort();
    expect(accepted, out).toHaveLength(2);
    expect(Object.keys(byName).sort(), out).toEqual(['after_bad', 'bad_model', 'not_null_ok_model_id', 'ok_model', 'raw', ...accepted].sort());
    expect(byName['raw']).toMatchObject({ resource_type: 'seed', status: 'success', relation_name: '"hk"."raw"', rows_affected: 3, unique_id: 'seed.hk.raw' });
    expect(byName['ok_model']).toMatchObject({ resource_type: 'model', status: 'success', relation_name: '"hk_marts"."ok_model"', rows_affected: 3, unique_id: 'model.hk.ok_model' });
    expect(byName['ok_model']!.execution_time).toBeGreaterThan(0);
    expect(byName['bad_model']).toMatchObject({ resource_type: 'model', status: 'error', rows_affected: null });
    expect(byName['bad_model']!.message).toContain('no_such_table');
    expect(byName['after_bad']).toMatchObject({ resource_type: 'model', status: 'skipped' });
    expect(byName['after_bad']!.message).toContain('bad_model');
    expect(byName['not_null_ok_model_id']).toMatchObject({ resource_type: 'test', status: 'pass', failures: 0 });
    // values [1, 2] fails on 3 (error severity); values [1] warns on 2 and 3
    expect(accepted.map((n) => [byName[n]!.status, byName[n]!.failures]).sort()).toEqual([['fail', 1], ['warn', 2]]);
    expect(await rows('select n from hk_audit.counted')).toEqual([{ n: 7 }]);
    // the schemas something was built into (bad_model's failed: not hk_bad)
    expect(await rows('select s from hk_audit.schemas order by s')).toEqual([{ s: 'hk' }, { s: 'hk_marts' }]);
    expect(await rows('select d, s from hk_audit.db_schemas order by s')).toEqual([{ d: testDb.name, s: 'hk' }, { d: testDb.name, s: 'hk_marts' }]);
  });

  it('reports nodes that were up to date as skipped, with the message "up to date"', async () => {
    await rows(AUDIT);
    const dir = writeProject(PROJECT('hk2'));
    expect((await strata(dir, 'seed')).code).toBe(0);
    expect((await strata(dir, 'run', '-s', 'ok_model')).code).toBe(0);
    await rows('truncate hk_audit.results, hk_audit.schemas');
    const again = await strata(dir, 'run', '-s', 'ok_model');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/SKIP \(up to date\)/);
    expect(await recorded()).toEqual({
      ok_model: expect.objectContaining({ status: 'skipped', message: 'up to date', relation_name: '"hk2_marts"."ok_model"' }),
    });
    // its relation is there: its schema counts
    expect(await rows('select s from hk_audit.schemas')).toEqual([{ s: 'hk2_marts' }]);
  });
});

/** on-run-end records what it saw: every result's id and status. */
const RECORD_STATUSES = '  - "{% for r in results %}insert into hk_audit.statuses values (\'{{ r.node.unique_id }}\', \'{{ r.node.resource_type }}\', \'{{ r.status }}\');{% endfor %}"';
const STATUSES = 'drop schema if exists hk_audit cascade; create schema hk_audit; create table hk_audit.statuses (unique_id text, resource_type text, status text)';

const MODELS = {
  'models/first.sql': "{{ config(materialized='table') }}\nselect 1 as x",
  'models/second.sql': "select x from {{ ref('first') }}",
};

/** `strata run`, which must exit 1 with no stack trace: its output. */
async function failingRun(dir: string): Promise<string> {
  const run = await strata(dir, 'run');
  const out = run.stdout + run.stderr;
  expect(run.code, out).toBe(1);
  expect(out).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);
  return out;
}

describe('a failing on-run-start hook', () => {
  it('is an error naming the hook; the hooks after it and every node are skipped, on-run-end runs, exit 1', async () => {
    await rows(STATUSES);
    const dir = writeProject({
      'project.yml': projectYml('hk_start', [
        'on-run-start:',
        '  - "create table if not exists hk_audit.started (x int)"',
        '  - "insert into hk_audit.no_such_table values (1)"',
        '  - "create table hk_audit.never (x int)"',
        'on-run-end:',
        RECORD_STATUSES,
      ].join('\n')),
      ...MODELS,
    });
    const out = await failingRun(dir);
    expect(out).toMatch(/ERROR hook on-run-start\[1\]/);
    // its SQL is in a run file, which the error points into
    expect(out).toMatch(/Failure in hook on-run-start\[1\] \(executed SQL: target\/run\/project_hooks\/on-run-start-1\.sql\)/);
    expect(out).toMatch(/target\/run\/project_hooks\/on-run-start-1\.sql:2:13: DB relation "hk_audit\.no_such_table" does not exist/);
    expect(out).toContain('> 2 | insert into hk_audit.no_such_table values (1)');
    expect(out).toMatch(/SKIP hook on-run-start\[2\]/);
    expect(out).toMatch(/SKIP table model hk_start\.first/);
    expect(out).toMatch(/SKIP view model hk_start\.second/);
    expect(out).toMatch(/PASS=0 WARN=0 ERROR=1 SKIP=3 TOTAL=4/);
    // nothing after the failing hook ran; the hook before it did
    expect(await rows("select to_regclass('hk_start.first') as r, to_regclass('hk_audit.never') as n, to_regclass('hk_audit.started') as s")).toEqual([{ r: null, n: null, s: 'hk_audit.started' }]);
    // on-run-end ran, and saw the hooks' and the nodes' outcomes
    expect(await rows('select unique_id, resource_type, status from hk_audit.statuses order by unique_id')).toEqual([
      { unique_id: 'model.hk.first', resource_type: 'model', status: 'skipped' },
      { unique_id: 'model.hk.second', resource_type: 'model', status: 'skipped' },
      { unique_id: 'operation.hk.hk-on-run-start-1', resource_type: 'operation', status: 'error' },
      { unique_id: 'operation.hk.hk-on-run-start-2', resource_type: 'operation', status: 'skipped' },
    ]);
    expect(runResultsOf(dir).results.map((r) => [r.uniqueId, r.status])).toEqual([
      ['operation.hk.hk-on-run-start-1', 'error'],
      ['operation.hk.hk-on-run-start-2', 'skipped'],
      ['model.hk.first', 'skipped'],
      ['model.hk.second', 'skipped'],
    ]);

    // strata retry runs the hooks and the skipped nodes again once the hook is fixed
    writeProject({ 'project.yml': readFileSync(join(dir, 'project.yml'), 'utf8').replace('hk_audit.no_such_table', 'hk_audit.started') }, dir);
    const retry = await strata(dir, 'retry');
    expect(retry.code, retry.stdout + retry.stderr).toBe(0);
    expect(await rows('select x from hk_start.second')).toEqual([{ x: 1 }]);
  });

  it('a template error in it names the hook and its line, with no stack trace', async () => {
    const dir = writeProject({
      'project.yml': projectYml('hk_tpl', 'on-run-start:\n  - "select 1;\\n{{ no_such_macro() }}"'),
      ...MODELS,
    });
    const out = await failingRun(dir);
    expect(out).toMatch(/project\.yml#on-run-start\[0\]:2:\d+.*no_such_macro/);
    expect(out).toMatch(/PASS=0 WARN=0 ERROR=1 SKIP=2 TOTAL=3/);
  });
});

describe('a failing on-run-end hook', () => {
  it('is an error after the nodes were built; the hooks after it are skipped, exit 1', async () => {
    await rows(STATUSES);
    const dir = writeProject({
      'project.yml': projectYml('hk_end', [
        'on-run-end:',
        '  - "insert into hk_audit.no_such_table values (1)"',
        RECORD_STATUSES,
      ].join('\n')),
      ...MODELS,
    });
    const out = await failingRun(dir);
    expect(out).toMatch(/ERROR hook on-run-end\[0\]/);
    expect(out).toMatch(/SKIP hook on-run-end\[1\]/);
    expect(out).toMatch(/PASS=2 WARN=0 ERROR=1 SKIP=1 TOTAL=4/);
    expect(await rows('select x from hk_end.second')).toEqual([{ x: 1 }]);
    expect(await rows('select * from hk_audit.statuses')).toEqual([]);
  });
});

describe('log() while a run renders', () => {
  it('log(msg, info=True), print() and exceptions.warn() print in models and hooks; info=False stays quiet', async () => {
    const dir = writeProject({
      'project.yml': projectYml('hk_log', [
        'on-run-end:',
        '  - "{{ log(\'ran \' ~ (results | length) ~ \' nodes\', info=True) }}"',
      ].join('\n')),
      'macros/note.sql': "{% macro note(what) %}{{ log('noting ' ~ what, info=True) }}{{ log('debug only ' ~ what) }}{% endmacro %}",
      'models/a.sql': "{{ note('a') }}{% do print('printed from a') %}{% do exceptions.warn('careful with a') %}select 1 as id",
    });
    const first = await strata(dir, 'run');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const line of ['noting a', 'printed from a', 'warning: careful with a', 'ran 1 nodes']) expect(first.stdout).toContain(line);
    expect(first.stdout).not.toContain('debug only');
    // Up to date on the next run (log() renders nothing into the SQL), and the messages come again.
    const second = await strata(dir, 'run');
    expect(second.stdout).toMatch(/SKIP \(up to date\).*hk_log\.a/);
    expect(second.stdout).toContain('noting a');
  });
});
