/**
 * macros/statistics.sql against PostgreSQL's own ordered-set aggregates: the window forms must give
 * exactly percentile_cont / percentile_disc of each partition's non-NULL values.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { cleanupProjects, cli, writeProject } from '../../helpers/temp-project.js';
import { useTestDatabase } from '../../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
const macros = readFileSync(join(import.meta.dirname, '../../../macros/statistics.sql'), 'utf8');

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query('create schema stats_in');
  // Three partitions: many values with ties and NULLs, a single value, only NULLs.
  await db.query(`create table stats_in.v as
    select case when g % 3 = 0 then 'a' else 'b' end as p, case when g % 7 = 0 then null else (g * 37) % 101 end as x
      from generate_series(1, 500) g
    union all select 'c', 42 union all select 'd', null`);
});
afterAll(async () => {
  await db?.close();
});

async function build(select: string): Promise<void> {
  const dir = writeProject({
    'project.yml': "name: s\ntargets:\n  t:\n    url: \"{{ env_var('U') }}\"\n    schema: stats_out\n",
    'macros/statistics.sql': macros,
    'models/probe.sql': `{{ config(materialized='table') }}\n${select}`,
  });
  const run = await cli(['--project-dir', dir, 'run', '--rebuild'], { env: { U: testDb.url } });
  expect(run.code, run.stdout + run.stderr).toBe(0);
}

describe('statistics macros', () => {
  it('percentile_cont_over and median_over equal PostgreSQL’s aggregates per partition', async () => {
    await build(`select p, x,
      {{ percentile_cont_over('x', 0.25, 'p') }} as q1,
      {{ percentile_cont_over('x', 0.75, 'p') }} as q3,
      {{ median_over('x', 'p') }} as med
      from stats_in.v`);
    const mismatches = await db.query(`
      with expected as (
        select p, percentile_cont(0.25) within group (order by x) as q1, percentile_cont(0.75) within group (order by x) as q3,
               percentile_disc(0.5) within group (order by x)::float8 as med
          from stats_in.v group by p)
      select o.p from stats_out.probe o join expected e using (p)
       where o.q1 is distinct from e.q1 or o.q3 is distinct from e.q3 or o.med is distinct from e.med`);
    expect(mismatches.rows).toEqual([]);
    expect((await db.query("select distinct q1, med from stats_out.probe where p in ('c', 'd') order by 1")).rows).toEqual([{ q1: 42, med: 42 }, { q1: null, med: null }]);
  });

  it('median_impute fills NULLs with the partition median and keeps values', async () => {
    await build(`select p, x, {{ median_impute('x', 'p') }} as filled from stats_in.v`);
    const bad = await db.query(`
      with m as (select p, percentile_disc(0.5) within group (order by x)::float8 as med from stats_in.v group by p)
      select count(*)::int as n from stats_out.probe o join m using (p)
       where o.filled is distinct from coalesce(o.x::float8, m.med)`);
    expect(bad.rows).toEqual([{ n: 0 }]);
  });

  it('tukey_outlier_flag flags values outside the fences, NULL for NULL values', async () => {
    await db.query(`create table stats_in.t as select 'a' as p, x from (values (1), (2), (2), (3), (3), (3), (4), (50), (null::int)) v(x)`);
    await build(`select x, {{ tukey_outlier_flag('x', 'p') }} as out, {{ tukey_outlier_flag('x', 'p', k=40) }} as out_k40 from stats_in.t`);
    // q1 = 2, q3 = 3.25 (percentile_cont), IQR 1.25: fences [0.125, 5.125]; with k=40 the upper fence is 53.25 and 50 is inside.
    const rows = (await db.query('select x, out, out_k40 from stats_out.probe order by x nulls last')).rows;
    expect(rows.map((r) => [r['x'], r['out'], r['out_k40']])).toEqual([
      [1, false, false], [2, false, false], [2, false, false], [3, false, false], [3, false, false], [3, false, false], [4, false, false], [50, true, false], [null, null, null],
    ]);
  });
});
