/**
 * A test's own query counts its failures and returns its first failing rows in one statement
 * (test-sql.ts, countAndRowsSql), counting at most ROWS_COUNTED_INLINE failing rows itself; a
 * test with more is counted again by a plain count, so the number stays exact and the server
 * never buffers millions of rows for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup } from '../../../src/data-tests/fused-query.js';
import { ROWS_COUNTED_INLINE } from '../../../src/data-tests/test-sql.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { allTestIds, compileFixture, FILES, isOwnQuery, recording, SCHEMA, type Fixture } from './fixture-project.js';

const testDb = useTestDatabase();
let db: Database;
let fixture: Fixture;
const outcomes = new Map<string, TestOutcome>();
let statements: string[] = [];

const ROWS = ROWS_COUNTED_INLINE + 50_000;

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  await db.query(`create schema if not exists ${SCHEMA}; create table ${SCHEMA}.many as select g as id from generate_series(1, ${ROWS}) g`);
  fixture = compileFixture({
    'project.yml': FILES['project.yml']!,
    'models/many.sql': FILES['models/orders.sql']!,
    'tests/all_fail.sql': "select id from {{ ref('many') }} where id > 0",
    'tests/few_fail.sql': "select id from {{ ref('many') }} where id <= 3",
    'tests/capped_fail.sql': "{{ config(limit=120000) }}\nselect id from {{ ref('many') }} where id > 0",
    'tests/none_fail.sql': "select id from {{ ref('many') }} where id < 0",
  });
  const client = recording(db);
  for (const group of planTestGroups(fixture.project.manifest, allTestIds(fixture.project))) {
    for (const o of await runTestGroup(client, fixture.project.manifest, group, { fuse: true, projectDir: fixture.dir, targetDir: fixture.project.targetDir })) outcomes.set(o.name, o);
  }
  statements = client.sql;
});

afterAll(async () => {
  await db?.close();
  fixture?.cleanup();
});

describe('own query: count and first rows in one statement', () => {
  it('counts exactly, past the rows the statement counts itself, and with a limit', () => {
    expect(outcomes.get('all_fail')).toMatchObject({ status: 'fail', failures: ROWS });
    expect(outcomes.get('capped_fail')).toMatchObject({ status: 'fail', failures: 120_000 });
    expect(outcomes.get('few_fail')).toMatchObject({ status: 'fail', failures: 3 });
    expect(outcomes.get('none_fail')).toMatchObject({ status: 'pass', failures: 0 });
  });

  it('shows the first failing rows without the columns it adds', () => {
    expect(outcomes.get('all_fail')!.failingRows!.columns).toEqual(['id']);
    expect(outcomes.get('all_fail')!.failingRows!.rows).toHaveLength(5);
    expect(outcomes.get('few_fail')!.failingRows!.rows.map((r) => r['id']).sort()).toEqual([1, 2, 3]);
    expect(outcomes.get('none_fail')!.failingRows).toBeUndefined();
  });

  it('runs one statement per test, and a plain count only for the two with more failing rows than it counts', () => {
    expect(statements.filter((s) => s.startsWith('select * from (select *, count(*) over ()'))).toHaveLength(4);
    expect(statements.filter((s) => s.startsWith('select count(*) as failures'))).toHaveLength(2);
    expect(statements.filter(isOwnQuery)).toHaveLength(6);
  });
});
