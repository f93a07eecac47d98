/**
 * Runner features beyond the basic build: run_query() in templates, hooks, sources strata does not
 * load, JSON logs, and readers never seeing a missing table while it is rebuilt.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  await db.query('create schema if not exists landing');
  await db.query("create table landing.events (id int, kind text); insert into landing.events values (1, 'click'), (2, 'view'), (3, 'click')");
  await db.query('create table landing.countries (code text); insert into landing.countries values (\'fr\'), (\'de\')');
});
afterAll(async () => {
  await db?.close();
});

const projectYml = (extra = '') => [
  'name: feat',
  'targets:',
  '  test:',
  '    type: postgres',
  "    url: \"{{ env_var('TEST_DATABASE_URL') }}\"",
  '    schema: feat',
  '    threads: 2',
  extra,
].join('\n');

const sources = [
  'version: 2',
  'sources:',
  '  - name: landing',
  '    tables:',
  '      - name: events',
  '      - name: countries',
  '        static: true',
  '',
].join('\n');

function strata(dir: string, ...args: string[]) {
  return cli(['--project-dir', dir, '--target', 'test', ...args], { env: { TEST_DATABASE_URL: testDb.url } });
}

describe('an incremental model whose SQL changed', () => {
  it('warns, on the increment after the change, that the rows built before keep the old SQL; --full-refresh rebuilds them', async () => {
    await db.query('create table landing.clicks_src (id int, kind text); insert into landing.clicks_src values (1, \'click\'), (2, \'view\')');
    const model = (expr: string) => [
      "{{ config(materialized='incremental', unique_key='id') }}",
      `select id, ${expr} as label from {{ source('landing', 'clicks_src') }}`,
      '{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}',
    ].join('\n');
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': 'version: 2\nsources:\n  - name: landing\n    tables: [{name: clicks_src}]\n',
      'models/labels.sql': model('kind'),
    });
    expect((await strata(dir, 'run')).code).toBe(0);
    await db.query("insert into landing.clicks_src values (3, 'click')");
    const same = await strata(dir, 'run');
    expect(same.stdout).toMatch(/OK incremental model feat\.labels/);
    expect(same.stdout).not.toMatch(/WARN incremental|Warning in/);

    // The label's logic changes: the next increment applies it to its new rows only.
    writeProject({ 'models/labels.sql': model('upper(kind)') }, dir);
    await db.query("insert into landing.clicks_src values (4, 'view')");
    const changed = await strata(dir, 'run');
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/WARN incremental model feat\.labels \.+ \[incremental[^\]]*, 1 row in /);
    expect(changed.stdout).toMatch(/Warning in model labels[\s\S]*its SQL changed since its last build: the rows built before keep the old SQL[\s\S]*--full-refresh/);
    expect(changed.stdout).toMatch(/PASS=0 WARN=1 ERROR=0/);
    expect((await db.query('select id, label from feat.labels order by id')).rows).toEqual([
      { id: 1, label: 'click' }, { id: 2, label: 'view' }, { id: 3, label: 'click' }, { id: 4, label: 'VIEW' },
    ]);

    // Once: the state now holds the new SQL.
    await db.query("insert into landing.clicks_src values (5, 'click')");
    expect((await strata(dir, 'run')).stdout).not.toMatch(/WARN incremental|Warning in/);

    // Another target on the same database (its own schema) shares the project's states: its SQL
    // names its own relations, which is no change of the model's.
    writeProject({ 'project.yml': projectYml().replace('    threads: 2', "    threads: 2\n  other:\n    type: postgres\n    url: \"{{ env_var('TEST_DATABASE_URL') }}\"\n    schema: feat_other\n    threads: 2") }, dir);
    const other = await cli(['--project-dir', dir, '--target', 'other', 'run'], { env: { TEST_DATABASE_URL: testDb.url } });
    expect(other.code, other.stdout + other.stderr).toBe(0);
    await db.query("insert into landing.clicks_src values (6, 'view')");
    const back = await strata(dir, 'run');
    expect(back.stdout).toMatch(/OK incremental model feat\.labels/);
    expect(back.stdout).not.toMatch(/WARN incremental|Warning in/);
    const full = await strata(dir, 'run', '--full-refresh');
    expect(full.stdout).not.toMatch(/WARN incremental|Warning in/);
    expect((await db.query("select count(*)::int as n from feat.labels where label <> upper(label)")).rows).toEqual([{ n: 0 }]);
  });
});

describe('vars as dbt reads them', () => {
  it('a var written 2.0 divides as numeric in PostgreSQL, 2 as integer; off is false; --vars too', async () => {
    const dir = writeProject({
      'project.yml': projectYml('vars:\n  d_float: 2.0\n  d_int: 2\n  with_extra: off\n'),
      'models/divided.sql': [
        "{{ config(materialized='table') }}",
        "select 7 / {{ var('d_float') }} as by_float, 7 / {{ var('d_int') }} as by_int, 7 / {{ var('d_cli', 1) }} as by_cli",
        "{% if var('with_extra') %}, 'extra' as extra{% endif %}",
      ].join('\n'),
    });
    const run = await strata(dir, 'run', '-s', 'divided', '--vars', '{d_cli: 4.0}');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await db.query('select * from feat.divided')).rows).toEqual([{ by_float: '3.5000000000000000', by_int: 3, by_cli: '1.7500000000000000' }]);
  });
});

describe("dbt's naming macros", () => {
  it('a project generate_schema_name builds models and seeds into the schemas it names, refs and tests included', async () => {
    const dir = writeProject({
      'project.yml': `${projectYml()}\nmodels:\n  feat:\n    marts:\n      +schema: marts\n`,
      'models/sources.yml': sources,
      'macros/naming.sql': [
        '{% macro generate_schema_name(custom_schema_name, node) -%}',
        '  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}',
        '{%- endmacro %}',
      ].join('\n'),
      'models/clicks.sql': "select id from {{ source('landing', 'events') }} where kind = 'click'",
      'models/marts/click_count.sql': "{{ config(materialized='table') }}\nselect count(*)::int as n from {{ ref('clicks') }}",
      'models/marts/marts.yml': 'version: 2\nmodels:\n  - name: click_count\n    columns:\n      - name: n\n        tests: [not_null]\n',
      'seeds/kinds.csv': 'kind\nclick\nview\n',
    });
    const run = await strata(dir, 'build');
    expect(run.stdout + run.stderr, run.stdout + run.stderr).toMatch(/PASS=4 WARN=0 ERROR=0/);
    expect((await db.query('select n from feat_marts.click_count')).rows).toEqual([{ n: 2 }]);
    expect((await db.query("select to_regclass('feat.clicks') is not null as view, to_regclass('feat.kinds') is not null as seed")).rows).toEqual([{ view: true, seed: true }]);
  });
});

/** dbt's get_column_values: a column's distinct values, read with run_query() while the model builds. */
const GET_COLUMN_VALUES = [
  '{% macro get_column_values(relation, column) %}',
  '  {% if not execute %}{{ return([]) }}{% endif %}',
  '  {% set results = run_query("select distinct " ~ column ~ " from " ~ relation ~ " order by 1") %}',
  '  {{ return(results.columns[0].values()) }}',
  '{% endmacro %}',
].join('\n');

describe('templates reading the database', () => {
  it('run_query() gives macros the rows of a query while the model is built (dbt get_column_values)', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'macros/get_column_values.sql': GET_COLUMN_VALUES,
      'models/events_pivot.sql': [
        "{{ config(materialized='table') }}",
        'select',
        "{% for kind in get_column_values(source('landing', 'events'), 'kind') %}",
        "  count(*) filter (where kind = '{{ kind }}') as {{ kind }}_count{% if not loop.last %},{% endif %}",
        '{% endfor %}',
        "from {{ source('landing', 'events') }}",
      ].join('\n'),
    });
    const run = await strata(dir, 'run');
    expect(run.stdout + run.stderr, run.stdout + run.stderr).toMatch(/PASS=1 WARN=0 ERROR=0/);
    expect((await db.query('select * from feat.events_pivot')).rows).toEqual([{ click_count: 2, view_count: 1 }]);
  });

  it('run_query() gives bigint and numeric values as numbers, for arithmetic as with dbt\'s Decimals', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'models/numbers.sql': [
        "{{ config(materialized='table') }}",
        '{% if execute %}',
        "{% set r = run_query('select count(*) as n, sum(x) as s, avg(x)::numeric(6,2) as a, 9007199254740993::bigint as big from (values (1), (2)) t(x)') %}",
        '{% set row = r.rows[0] %}',
        "select {{ row['n'] - 1 }} as n_minus_one, {{ row['s'] / 2 }} as half_sum, {{ row['a'] }} as average, '{{ row['big'] }}' as big",
        '{% else %}select 1{% endif %}',
      ].join('\n'),
    });
    const run = await strata(dir, 'run', '-s', 'numbers');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // count 2 - 1 is 1; the bigint sum 3 / 2 is 1.5; numeric 1.50 is printed as 1.5; past 2^53 the text.
    expect((await db.query('select n_minus_one, half_sum::text, average::text, big from feat.numbers')).rows).toEqual([{ n_minus_one: 1, half_sum: '1.5', average: '1.5', big: '9007199254740993' }]);
  });

  it('run_query() without an `execute` guard still makes a model or a test render again at run time (its query runs, its rows are used)', async () => {
    await db.query('create table if not exists landing.audit (note text)');
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      // run for its side effect only: at parse time run_query() returns None and nothing reads it
      'models/audited.sql': [
        "{{ config(materialized='table') }}",
        "{% set ignored = run_query(\"insert into landing.audit values ('built')\") %}",
        "select * from {{ source('landing', 'countries') }}",
      ].join('\n'),
      // passes only when the query really ran (at parse time `counted` is None)
      'tests/countries_counted.sql': [
        "{% set counted = run_query(\"select count(*) as n from landing.countries\") %}",
        "select 1 as failure where {{ 'false' if counted else 'true' }}",
      ].join('\n'),
    });
    const build = await strata(dir, 'build');
    expect(build.stdout + build.stderr, build.stdout + build.stderr).toMatch(/PASS=2 WARN=0 ERROR=0/);
    expect((await db.query('select note from landing.audit')).rows).toEqual([{ note: 'built' }]);
  });

  it('a model rendered again at run time keeps its ephemeral parents as CTEs, and an ephemeral parent reading the database is rendered at run time too', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'macros/get_column_values.sql': GET_COLUMN_VALUES,
      // ephemeral, plain: inlined into a model that reads the database
      'models/clicks.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ source('landing', 'events') }} where kind = 'click'",
      // ephemeral, reading the database itself: its CTE must be its run-time rendering
      'models/kinds.sql': [
        "{{ config(materialized='ephemeral') }}",
        "select {{ get_column_values(source('landing', 'events'), 'kind') | length }} as kind_count",
      ].join('\n'),
      'models/click_kinds.sql': [
        "{{ config(materialized='table') }}",
        // (run_query cannot read an ephemeral model, as in dbt: it has no relation)
        "select {% for kind in get_column_values(source('landing', 'events'), 'kind') %}{% if loop.first %}'{{ kind }}'::text as kind{% endif %}{% endfor %},",
        "  (select count(*) from {{ ref('clicks') }}) as clicks",
        "from {{ ref('kinds') }}",
        "where kind_count = 2",
      ].join('\n'),
      // reads the database only through its ephemeral parent
      'models/kind_count.sql': "{{ config(materialized='table') }}\nselect kind_count from {{ ref('kinds') }}",
    });
    const run = await strata(dir, 'run');
    expect(run.stdout + run.stderr, run.stdout + run.stderr).toMatch(/PASS=2 WARN=0 ERROR=0/);
    expect((await db.query('select * from feat.click_kinds')).rows).toEqual([{ kind: 'click', clicks: 2 }]);
    expect((await db.query('select * from feat.kind_count')).rows).toEqual([{ kind_count: 2 }]);
  });
});

const BIN = join(import.meta.dirname, '../../dist/bin/strata.js');

describe.skipIf(!existsSync(BIN))('the bundled CLI with run_query()', () => {
  // The in-process CLI of the other tests never exits; a process does, when nothing is left to
  // do: the run_query() channel's worker thread must keep the process alive while it is closed,
  // or the process ended at close() with exit code 0, before the summary (a failed run passing CI).
  it('exits 1 with the summary printed when a model failed, every time', () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'models/kinds.sql': [
        '{% set r = run_query("select count(*) as n from landing.events") %}',
        "select {% if execute %}{{ r.columns[0].values()[0] }}{% else %}0{% endif %} as n",
      ].join('\n'),
      'models/broken.sql': 'select * from feat.no_such_relation',
    });
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, [BIN, '--project-dir', dir, '--target', 'test', 'run', '--rebuild'], {
        encoding: 'utf8', env: { ...process.env, TEST_DATABASE_URL: testDb.url },
      });
      expect(r.stdout, r.stdout + r.stderr).toMatch(/PASS=1 WARN=0 ERROR=1/);
      expect(r.status).toBe(1);
    }
  });
});

describe.skipIf(!existsSync(BIN))('the bundled CLI piped into a reader that stops early (`strata run | head -1`)', () => {
  it('finishes the run without a stack trace: the rest of its output is dropped', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`models/pipe_${i}.sql`, `select ${i} as n`])),
    });
    const child = spawn(process.execPath, [BIN, '--project-dir', dir, '--target', 'test', 'run'], { env: { ...process.env, TEST_DATABASE_URL: testDb.url } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|at /);
    expect(code).toBe(0);
    expect((await db.query("select count(*)::int as n from pg_views where schemaname = 'feat' and viewname like 'pipe_%'")).rows).toEqual([{ n: 30 }]);
    expect((await db.query("select status from strata_meta.runs where project = 'feat' order by started_at desc limit 1")).rows).toEqual([{ status: 'success' }]);
  });
});

describe('hooks', () => {
  it('runs on-run-start, pre_hook and post_hook with `this` rendered', async () => {
    const dir = writeProject({
      'project.yml': projectYml("on-run-start:\n  - \"create table if not exists feat.audit (what text)\""),
      'models/sources.yml': sources,
      'models/hooked.sql': [
        "{{ config(materialized='table', pre_hook=\"insert into feat.audit values ('before')\",",
        "          post_hook=[\"insert into feat.audit select 'after ' || count(*) from {{ this }}\"]) }}",
        "select * from {{ source('landing', 'countries') }}",
      ].join('\n'),
    });
    const run = await strata(dir, 'run');
    expect(run.code).toBe(0);
    expect((await db.query('select what from feat.audit order by what')).rows).toEqual([{ what: 'after 2' }, { what: 'before' }]);
  });
});

describe('sources strata does not load', () => {
  it('count as new data on every run, unless declared static', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'models/from_events.sql': "select * from {{ source('landing', 'events') }}",
      'models/from_countries.sql': "select * from {{ source('landing', 'countries') }}",
    });
    expect((await strata(dir, 'run')).code).toBe(0);
    const second = await strata(dir, 'run');
    expect(second.stdout).toMatch(/OK view model feat\.from_events/);
    expect(second.stdout).toMatch(/SKIP \(up to date\) view model feat\.from_countries/);
  });

  it('a table over a view over such a source is built again even when the view is not selected', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'models/from_events.sql': "select * from {{ source('landing', 'events') }}",
      'models/event_counts.sql': "{{ config(materialized='table') }}\nselect kind, count(*) as n from {{ ref('from_events') }} group by kind",
    });
    expect((await strata(dir, 'run')).code).toBe(0);
    await db.query("insert into landing.events values (4, 'view')");
    // the view is not selected, so its own version stays; what it reads changed
    const run = await strata(dir, 'run', '-s', 'event_counts');
    expect(run.stdout).toMatch(/OK table model feat\.event_counts/);
    expect((await db.query("select n from feat.event_counts where kind = 'view'")).rows).toEqual([{ n: 2 }]);
    await db.query('delete from landing.events where id = 4');
  });
});

describe('--log-format json', () => {
  it('emits one JSON object per event', async () => {
    const dir = writeProject({ 'project.yml': projectYml(), 'models/sources.yml': sources, 'models/j.sql': 'select 1 as x' });
    const run = await strata(dir, '--log-format', 'json', 'run');
    expect(run.code).toBe(0);
    const events = run.stdout.split('\n').map((l) => JSON.parse(l) as { event: string; status?: string });
    expect(events.map((e) => e.event)).toEqual(['run_started', 'node_started', 'node_finished', 'run_finished']);
    expect(events[2]).toMatchObject({ unique_id: 'model.feat.j', status: 'success' });
  });
});

describe('rebuilding a table under readers', () => {
  it('20 rebuilds while another connection queries the table and a view on it: never an error or an empty result', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      'models/big.sql': "{{ config(materialized='table') }}\nselect g as id, md5(g::text) as v from generate_series(1, 20000) g",
      'models/big_view.sql': "select count(*) as n from {{ ref('big') }}",
    });
    expect((await strata(dir, 'run')).code).toBe(0);
    const reader = createPool(testDb.target());
    let stop = false;
    const seen = { queries: 0, errors: [] as string[], empty: 0 };
    const loop = (async () => {
      while (!stop) {
        try {
          const t = await reader.query<{ n: number }>('select count(*)::int as n from feat.big');
          const v = await reader.query<{ n: number }>('select n::int as n from feat.big_view');
          if (t.rows[0]!.n !== 20000 || v.rows[0]!.n !== 20000) seen.empty++;
          seen.queries++;
        } catch (e) {
          seen.errors.push((e as Error).message);
        }
      }
    })();
    try {
      for (let i = 0; i < 20; i++) {
        const run = await strata(dir, 'run', '-s', 'big', '--rebuild');
        expect(run.code).toBe(0);
      }
    } finally {
      stop = true;
      await loop;
      await reader.close();
    }
    expect(seen.errors).toEqual([]);
    expect(seen.empty).toBe(0);
    expect(seen.queries).toBeGreaterThan(20);
  });
});

describe('concurrent rebuilds', () => {
  it('tables sharing dependent views rebuild in parallel without deadlocks or lost views', async () => {
    const tables: Record<string, string> = {};
    for (let i = 0; i < 6; i++) tables[`models/t${i}.sql`] = `{{ config(materialized='table') }}\nselect g as id, ${i} as k from generate_series(1, 2000) g`;
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/sources.yml': sources,
      ...tables,
      // Every view reads several tables, so any two table rebuilds share dependent views.
      'models/v_all.sql': [0, 1, 2, 3, 4, 5].map((i) => `select id, k from {{ ref('t${i}') }}`).join('\nunion all\n'),
      'models/v_pair.sql': "select a.id from {{ ref('t0') }} a join {{ ref('t5') }} b using (id)",
      'models/v_on_views.sql': "select count(*) as n from {{ ref('v_all') }} join {{ ref('v_pair') }} using (id)",
    });
    expect((await strata(dir, 'run', '--threads', '4')).code).toBe(0);
    for (let round = 0; round < 5; round++) {
      const run = await strata(dir, 'run', '-s', 'path:models/t*', '--rebuild', '--threads', '4');
      expect(run.stdout, run.stdout).toMatch(/PASS=6 WARN=0 ERROR=0 SKIP=0 TOTAL=6/);
    }
    expect((await db.query('select n::int from feat.v_on_views')).rows).toEqual([{ n: 12000 }]);
  });
});

describe('a changed model', () => {
  it('is rebuilt while its unchanged siblings stay up to date', async () => {
    const dir = writeProject({ 'project.yml': projectYml(), 'models/sources.yml': sources, 'models/a.sql': 'select 1 as x', 'models/b.sql': 'select 2 as y' });
    expect((await strata(dir, 'run')).code).toBe(0);
    writeFileSync(join(dir, 'models/a.sql'), 'select 10 as x');
    const run = await strata(dir, 'run');
    expect(run.stdout).toMatch(/OK view model feat\.a/);
    expect(run.stdout).toMatch(/SKIP \(up to date\) view model feat\.b/);
    expect((await db.query('select x from feat.a')).rows).toEqual([{ x: 10 }]);
  });
});

describe('async_commit', () => {
  it('commits a model\'s build with synchronous_commit off unless the target sets async_commit: false; the run file is the build alone', async () => {
    const files = {
      'models/sources.yml': sources,
      // The model's query runs in its build transaction: it sees the transaction's setting.
      'models/commit_setting.sql': "{{ config(materialized='table') }}\nselect current_setting('synchronous_commit') as setting",
    };
    const dir = writeProject({ 'project.yml': projectYml(), ...files });
    expect((await strata(dir, 'run')).code).toBe(0);
    expect((await db.query('select setting from feat.commit_setting')).rows).toEqual([{ setting: 'off' }]);
    expect(readFileSync(join(dir, 'target/run/models/commit_setting.sql'), 'utf8')).not.toMatch(/synchronous_commit =/);
    const server = (await db.query<{ s: string }>("select current_setting('synchronous_commit') as s")).rows[0]!.s;
    const sync = writeProject({ 'project.yml': projectYml('    async_commit: false'), ...files });
    expect((await strata(sync, 'run', '--rebuild')).code).toBe(0);
    expect((await db.query('select setting from feat.commit_setting')).rows).toEqual([{ setting: server }]);
  });
});

describe('target/manifest.json', () => {
  it('is written by the end of a run (while its nodes build) and kept as the last success', async () => {
    const dir = writeProject({ 'project.yml': projectYml(), 'models/sources.yml': sources, 'models/m1.sql': 'select 1 as x', 'models/m2.sql': "select * from {{ ref('m1') }}" });
    expect((await strata(dir, 'run')).code).toBe(0);
    const written = readFileSync(join(dir, 'target/manifest.json'), 'utf8');
    expect(Object.keys(JSON.parse(written).nodes)).toEqual(expect.arrayContaining(['model.feat.m1', 'model.feat.m2']));
    expect(readFileSync(join(dir, 'target/last_success/manifest.json'), 'utf8')).toBe(written);
  });
});

describe('config(database=...)', () => {
  it("of another database is refused before anything runs, also when only node-postgres' defaults name the target's database", async () => {
    const url = new URL(testDb.url);
    const database = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '';
    const dir = writeProject({
      'project.yml': projectYml().replace("\"{{ env_var('TEST_DATABASE_URL') }}\"", JSON.stringify(url.toString())),
      'models/dbx_a.sql': "{{ config(materialized='table', database='some_other_db') }}\nselect 1 as id",
      'models/dbx_b.sql': "select * from {{ ref('dbx_a') }}",
    });
    // The URL names no database: node-postgres takes PGDATABASE, so only the run can tell.
    const saved = process.env['PGDATABASE'];
    process.env['PGDATABASE'] = database;
    try {
      const refused = await strata(dir, 'run');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(`models/dbx_a.sql:1:1: CONFIG model dbx_a names database 'some_other_db', but target test connects to database '${database}'`);
      expect(await db.query("select 1 from pg_tables where tablename = 'dbx_a'")).toMatchObject({ rowCount: 0 });

      writeProject({ 'models/dbx_a.sql': `{{ config(materialized='table', database='${database}') }}\nselect 1 as id` }, dir);
      const built = await strata(dir, 'run');
      expect(built.stdout).toMatch(/PASS=2 WARN=0 ERROR=0/);
      expect((await db.query('select id from feat.dbx_b')).rows).toEqual([{ id: 1 }]);
    } finally {
      if (saved === undefined) delete process.env['PGDATABASE'];
      else process.env['PGDATABASE'] = saved;
    }
  });
});

describe('a selection that skips a node in the middle', () => {
  it('still orders, and skips on failure, through it: the seed is built before the model that reads it through an unselected view', async () => {
    const dir = writeProject({
      'project.yml': projectYml(),
      'seeds/gap_orders.csv': 'id,amount\n1,10\n2,20\n',
      'models/gap_stg.sql': "select id, amount from {{ ref('gap_orders') }}",
      'models/gap_total.sql': "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from {{ ref('gap_stg') }}",
    });
    expect((await strata(dir, 'build', '--threads', '1')).code).toBe(0);
    writeProject({ 'seeds/gap_orders.csv': 'id,amount\n1,10\n2,20\n3,30\n' }, dir);
    // gap_total sorts before gap_orders: without the edge through gap_stg it was built first, from the old rows.
    const built = await strata(dir, 'build', '-s', 'gap_orders', 'gap_total', '--threads', '1');
    expect(built.code).toBe(0);
    expect(built.stdout.indexOf('seed feat.gap_orders')).toBeLessThan(built.stdout.indexOf('table model feat.gap_total'));
    expect((await db.query('select n::int, total::int from feat.gap_total')).rows).toEqual([{ n: 3, total: 60 }]);

    writeProject({ 'seeds/gap_orders.csv': 'id,amount\n1,10\n2,"not a number\n' }, dir);
    const failed = await strata(dir, 'build', '-s', 'gap_orders', 'gap_total', '--threads', '1');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/SKIP.*feat\.gap_total/);
  });
});

describe('a column removed from a model and from the view model reading it, in one run', () => {
  it('builds: the view is left to its own build instead of being recreated from its old definition', async () => {
    const parent = (cols: string) => `{{ config(materialized='table') }}\nselect 1 as id, ${cols}`;
    const dir = writeProject({
      'project.yml': projectYml(),
      'models/drop_parent.sql': parent("'EUR' as currency, 'x' as note"),
      'models/drop_view.sql': "select id, currency from {{ ref('drop_parent') }}",
      'models/drop_other.sql': "select id, note from {{ ref('drop_parent') }}",
    });
    expect((await strata(dir, 'run')).code).toBe(0);
    await db.query('grant select on feat.drop_other to public');
    writeProject({ 'models/drop_parent.sql': parent("'x' as note"), 'models/drop_view.sql': "select id from {{ ref('drop_parent') }}" }, dir);
    const run = await strata(dir, 'run', '-s', 'drop_parent', 'drop_view', '--threads', '1');
    expect(run.stdout + run.stderr).toMatch(/PASS=2 WARN=0 ERROR=0/);
    expect((await db.query('select * from feat.drop_view')).rows).toEqual([{ id: 1 }]);
    // A dependent view whose old definition still holds is recreated as before, grants included.
    expect((await db.query('select * from feat.drop_other')).rows).toEqual([{ id: 1, note: 'x' }]);
    expect((await db.query("select has_table_privilege('public', 'feat.drop_other', 'select') as ok")).rows).toEqual([{ ok: true }]);
  });
});
