/**
 * The values run_query() gives templates, by their PostgreSQL type, printed as dbt prints the Python
 * values psycopg2 and agate give it: a date `2024-01-02`, a timestamp
 * `2024-01-02 03:04:05.120000+00:00`, a float `2.0`; a numeric whose integer digits a double cannot hold stays
 * its text. The process runs east of UTC, where a date read as a JS Date was the day before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { testProjectYml, strataOn } from '../helpers/e2e-project.js';
import { cleanupProjects, writeProject } from '../helpers/temp-project.js';
import { useTestDatabase } from '../setup/test-database.js';

cleanupProjects();
const testDb = useTestDatabase();
let db: Database;
const zone = process.env['TZ'];
beforeAll(() => {
  process.env['TZ'] = 'Asia/Tokyo';
  db = createPool(testDb.target());
});
afterAll(async () => {
  if (zone === undefined) delete process.env['TZ'];
  else process.env['TZ'] = zone;
  await db?.close();
});

const projectYml = testProjectYml('rqtypes', 'rqtypes');
const strata = strataOn(testDb);

/** A table model whose columns are what the template printed for run_query()'s values. */
function model(query: string, columns: string[]): string {
  return [
    "{{ config(materialized='table') }}",
    '{% if execute %}',
    `{% set row = run_query(${JSON.stringify(query)}).rows[0] %}`,
    `select ${columns.join(', ')}`,
    '{% else %}select 1{% endif %}',
  ].join('\n');
}

describe('run_query() values by type', () => {
  it('dates, timestamps and intervals are the texts Python prints for them, whatever the time zone of the process', async () => {
    const dir = writeProject({
      'project.yml': projectYml,
      'models/dates.sql': model(
        "set time zone 'UTC'; select date '2024-01-02' as d, timestamp '2024-01-02 03:04:05.12' as ts, timestamp '2024-01-02 03:04:05' as whole, " +
          "timestamptz '2024-01-02 03:04:05.5+00' as tz, interval '1 day 2 hours' as i",
        ["'{{ row['d'] }}'::text as d", "'{{ row['ts'] }}'::text as ts", "'{{ row['whole'] }}'::text as whole", "'{{ row['tz'] }}'::text as tz", "'{{ row['i'] }}'::interval = interval '26 hours' as same_interval"],
      ),
      'models/zoned.sql': model(
        "set time zone 'Asia/Kolkata'; select timestamptz '2024-01-02 03:04:05+00' as tz, now() as now",
        ["'{{ row['tz'] }}'::text as tz", "'{{ row['now'] }}'::timestamptz <= now() as now_is_a_time"],
      ),
    });
    const run = await strata(dir, 'run');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await db.query('select * from rqtypes.dates')).rows).toEqual([
      { d: '2024-01-02', ts: '2024-01-02 03:04:05.120000', whole: '2024-01-02 03:04:05', tz: '2024-01-02 03:04:05.500000+00:00', same_interval: true },
    ]);
    expect((await db.query('select * from rqtypes.zoned')).rows).toEqual([{ tz: '2024-01-02 08:34:05+05:30', now_is_a_time: true }]);
  });

  it('a float is a float when whole (2.0 divides as numeric); a numeric whose integer digits a double cannot hold stays its text, a long fraction is a float', async () => {
    const dir = writeProject({
      'project.yml': projectYml,
      'models/numbers.sql': model(
        'select 2.0::float8 as f, 0.1::numeric(30, 20) as tenth, 12345678901234567890.5::numeric as wide, ' +
          '0.123456789012345678::numeric as long_fraction, 1.6666666666666667::numeric as exact17',
        [
          "'{{ row['f'] }}'::text as f",
          "({{ row['f'] }} / 4)::float8 as quarter",
          '{{ row[1] * 2 }}::float8 as fifth',
          "'{{ row['wide'] }}'::text as wide",
          "'{{ row['long_fraction'] }}'::text as long_fraction",
          "'{{ row['exact17'] }}'::text as exact17",
        ],
      ),
    });
    const run = await strata(dir, 'run');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await db.query('select * from rqtypes.numbers')).rows).toEqual([
      { f: '2.0', quarter: 0.5, fifth: 0.2, wide: '12345678901234567890.5', long_fraction: '0.12345678901234568', exact17: '1.6666666666666667' },
    ]);
  });

  it('a numeric kept as text is Python\'s TypeError in arithmetic, not a rounded number', async () => {
    const dir = writeProject({
      'project.yml': projectYml,
      'models/wide.sql': model('select 12345678901234567890.5::numeric as wide', ["{{ row['wide'] + 1 }} as wide"]),
    });
    const run = await strata(dir, 'run');
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/models\/wide.sql:4:\d+: TEMPLATE can only concatenate str \(not "int"\) to str/);
  });
});
