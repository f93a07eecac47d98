/**
 * Models whose SQL reads the run's own values (`run_started_at`, `invocation_id`) produce different
 * rows every run: a state-aware run must build them every time, with the values of that run,
 * while models whose run-time rendering does not change stay up to date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useE2eDatabase } from '../helpers/e2e-database.js';
import { runResultsOf, statusesOf, strataOn, testProjectYml } from '../helpers/e2e-project.js';
import { writeProject } from '../helpers/temp-project.js';

const { testDb, rows } = useE2eDatabase();

const projectYml = (schema: string) => testProjectYml('prv', schema);
const strata = strataOn(testDb);

const STAMPED = 'select (extract(epoch from built_at) * 1000)::float8 as ms, invocation from prv.stamped';
type Stamped = { ms: number; invocation: string };

/** The `run_started_at` literal the model's executed SQL holds. */
function stampIn(dir: string, model: string): string {
  const sql = readFileSync(join(dir, 'target', 'run', 'models', `${model}.sql`), 'utf8');
  return /'(\d{4}-\d\d-\d\dT[^']+)'::timestamptz/.exec(sql)![1]!;
}

describe('models reading the run\'s values', () => {
  it('are built on every run with that run\'s values; the others stay up to date', async () => {
    const dir = writeProject({
      'project.yml': projectYml('prv'),
      'models/stamped.sql': "{{ config(materialized='table') }}\nselect '{{ run_started_at }}'::timestamptz as built_at, '{{ invocation_id }}'::text as invocation",
      // reads only the invocation id, inlined into a table through an ephemeral model
      'models/invocation.sql': "{{ config(materialized='ephemeral') }}\nselect '{{ invocation_id }}'::text as invocation",
      'models/via_ephemeral.sql': "{{ config(materialized='table') }}\nselect invocation from {{ ref('invocation') }}",
      // rendered again at run time too (it reads `execute`), but to the same SQL every run
      'models/reads_execute.sql': "{{ config(materialized='table') }}\nselect {% if execute %}1{% else %}0{% endif %} as executed",
      'models/plain.sql': "{{ config(materialized='table') }}\nselect 1 as x",
    });
    const first = await strata(dir, 'run');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const firstFinished = Date.parse(runResultsOf(dir).metadata.finishedAt);
    const [before] = (await rows(STAMPED)) as Stamped[];
    const [viaBefore] = await rows('select invocation from prv.via_ephemeral');

    const second = await strata(dir, 'run');
    const out = second.stdout + second.stderr;
    expect(second.code, out).toBe(0);
    expect(statusesOf(dir), out).toEqual({ stamped: 'success', via_ephemeral: 'success', reads_execute: 'up_to_date', plain: 'up_to_date' });
    expect(out).toMatch(/OK table model prv\.stamped/);

    const [after] = (await rows(STAMPED)) as Stamped[];
    expect(after!.invocation).not.toBe(before!.invocation);
    expect(await rows('select invocation from prv.via_ephemeral')).not.toEqual([viaBefore]);
    // The executed SQL holds this command's run_started_at (not the first run's, nor a cached compile's).
    const stamp = stampIn(dir, 'stamped');
    expect(after!.ms).toBe(Date.parse(stamp));
    expect(Date.parse(stamp)).toBeGreaterThanOrEqual(firstFinished);
    expect(Date.parse(stamp)).toBeLessThanOrEqual(Date.parse(runResultsOf(dir).metadata.finishedAt));
    expect(await rows('select executed from prv.reads_execute')).toEqual([{ executed: 1 }]);
    // They are the run's own values, as in dbt: the run's id and start in run_results.json (and
    // strata_meta.runs), so rows stamped with them can be joined to the run that wrote them.
    const { metadata } = runResultsOf(dir);
    expect(after!.invocation).toBe(metadata.invocationId);
    expect(after!.ms).toBe(Date.parse(metadata.startedAt));
    expect(await rows(`select (extract(epoch from started_at) * 1000)::float8 as ms from strata_meta.runs where run_id = '${metadata.invocationId}'`)).toEqual([{ ms: Date.parse(metadata.startedAt) }]);
  });

  it('an incremental model stamping its rows with run_started_at takes its new rows without warning that its SQL changed', async () => {
    await rows('drop schema if exists prv_src cascade; create schema prv_src; create table prv_src.events (id int); insert into prv_src.events values (1), (2)');
    const dir = writeProject({
      'project.yml': projectYml('prv_inc'),
      'models/sources.yml': 'version: 2\nsources:\n  - name: prv_src\n    tables: [{name: events}]\n',
      'models/events.sql': [
        "{{ config(materialized='incremental', unique_key='id') }}",
        "select id, '{{ run_started_at }}'::timestamptz as loaded_at, '{{ run_started_at.strftime('%Y-%m-%d %H:%M:%S') }}' as loaded_text, {{ run_started_at.strftime('%Y%m%d') }} as load_day from {{ source('prv_src', 'events') }}",
        '{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}',
      ].join('\n'),
    });
    const first = await strata(dir, 'run');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    await rows('insert into prv_src.events values (3)');
    const second = await strata(dir, 'run');
    const out = second.stdout + second.stderr;
    expect(second.code, out).toBe(0);
    expect(statusesOf(dir), out).toEqual({ events: 'success' });
    expect(out).not.toMatch(/SQL changed/);
    const loaded = (await rows('select id, (extract(epoch from loaded_at) * 1000)::float8 as ms from prv_inc.events order by id')) as Array<{ id: number; ms: number }>;
    expect(loaded.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(loaded[0]!.ms).toBe(loaded[1]!.ms);
    expect(loaded[2]!.ms).toBeGreaterThan(loaded[1]!.ms);
  });
});
