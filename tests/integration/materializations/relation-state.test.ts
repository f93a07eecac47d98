import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { describeQuery, fetchRelationState } from '../../../src/materializations/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { rows } from './helpers.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query(`
    CREATE SCHEMA s;
    CREATE TABLE s.t (id int, amount numeric(10,2), code varchar(5), gone int);
    ALTER TABLE s.t DROP COLUMN gone;
    CREATE VIEW s.v AS SELECT id FROM s.t;
    CREATE VIEW s.v2 AS SELECT id FROM s.v;
    CREATE MATERIALIZED VIEW s.m AS SELECT count(*) AS n FROM s.t;
  `);
});
afterAll(async () => {
  await db.close();
});

describe('fetchRelationState', () => {
  it('reports a missing relation', async () => {
    expect(await fetchRelationState(db, { schema: 's', identifier: 'nope' })).toEqual({ exists: false });
  });

  it('reports kind, columns and dependent views (parents first, with recreate statements)', async () => {
    const state = await fetchRelationState(db, { schema: 's', identifier: 't' });
    expect(state).toMatchObject({
      exists: true,
      kind: 'table',
      columns: [{ name: 'id', type: 'integer' }, { name: 'amount', type: 'numeric(10,2)' }, { name: 'code', type: 'character varying(5)' }],
    });
    const names = state.dependentViews!.map((v) => v.name);
    expect(names.sort()).toEqual(['m', 'v', 'v2']);
    const ordered = state.dependentViews!.map((v) => v.name);
    expect(ordered.indexOf('v')).toBeLessThan(ordered.indexOf('v2'));
    expect(state.dependentViews!.find((v) => v.name === 'm')?.recreate[0]).toMatch(/^CREATE MATERIALIZED VIEW "s"."m"/);
    expect((await fetchRelationState(db, { schema: 's', identifier: 'v' })).kind).toBe('view');
    expect((await fetchRelationState(db, { schema: 's', identifier: 'm' })).kind).toBe('materialized_view');
  });

  it('works on a session inside a transaction too', async () => {
    await db.withTransaction(async (c) => {
      expect((await fetchRelationState(c, { schema: 's', identifier: 'v' })).dependentViews?.map((v) => v.name)).toEqual(['v2']);
    });
  });
});

describe('describeQuery', () => {
  it('gives the columns with their type modifiers, as CREATE TABLE AS would create them', async () => {
    const cols = await describeQuery(db, "select id, amount, code, 'x' as lit, amount * 2 as doubled, now() as at from s.t;");
    expect(cols).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'amount', type: 'numeric(10,2)' },
      { name: 'code', type: 'character varying(5)' },
      { name: 'lit', type: 'text' },
      { name: 'doubled', type: 'numeric' },
      { name: 'at', type: 'timestamp with time zone' },
    ]);
  });

  it('leaves no temporary view behind, on a session or a pool', async () => {
    await db.withClient(async (c) => {
      await describeQuery(c, 'select 1 as a -- trailing comment');
      expect(await (await c.query("select count(*)::int as n from pg_class where relname like 'strata_describe_%'")).rows).toEqual([{ n: 0 }]);
    });
    await describeQuery(db, 'select 1 as a');
    expect(await rows(db, "select count(*)::int as n from pg_class where relname like 'strata_describe_%'")).toEqual([{ n: 0 }]);
  });

  it('throws the server error for invalid SQL', async () => {
    await expect(describeQuery(db, 'select nope from s.t')).rejects.toMatchObject({ code: 'DB', message: expect.stringMatching(/column "nope" does not exist/) });
  });
});
