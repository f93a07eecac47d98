import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, getColumns, type Database } from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { model } from '../../unit/materializations/helpers.js';
import { build, leftovers, rows } from './helpers.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query(`
    CREATE SCHEMA raw; CREATE SCHEMA analytics; CREATE SCHEMA marts;
    CREATE TABLE raw.customers (id int, name text, score numeric(5,1));
    INSERT INTO raw.customers VALUES (1, 'ann', 1.5), (2, 'bob', 2.5);
  `);
});
afterAll(async () => {
  await db.close();
});

const customers = (sql: string) => model({ name: 'customers', schema: 'analytics', sql, config: { materialized: 'view' } });

describe('view materialization', () => {
  it('creates, replaces, then rebuilds a view; dependent views survive with their grants and comments', async () => {
    const first = await build(db, customers('select id, name from raw.customers'));
    expect(first.plan.action).toBe('create');
    expect(await rows(db, 'select * from analytics.customers order by id')).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }]);

    await db.query(`
      CREATE VIEW marts.customer_names AS SELECT name FROM analytics.customers;
      CREATE VIEW marts.customer_names_upper AS SELECT upper(name) AS name FROM marts.customer_names;
      COMMENT ON VIEW marts.customer_names IS 'names';
      GRANT SELECT ON marts.customer_names TO PUBLIC;
    `);
    const oid = async (): Promise<number> => Number((await rows<{ o: string }>(db, "select 'marts.customer_names'::regclass::oid::text as o"))[0]!.o);
    const depOid = await oid();

    // A column appended: CREATE OR REPLACE keeps the view (and its dependents, untouched).
    const second = await build(db, customers('select id, name, score from raw.customers'));
    expect(second.plan.action).toBe('replace');
    expect((await getColumns(db, 'analytics', 'customers')).map((c) => `${c.name} ${c.type}`)).toEqual(['id integer', 'name text', 'score numeric(5,1)']);
    expect(await oid()).toBe(depOid);

    // A column retyped and one removed: CREATE OR REPLACE would be refused, so rebuild.
    const third = await build(db, customers("select id::text as id, name || '!' as name from raw.customers"));
    expect(third.plan.action).toBe('rebuild');
    expect((await getColumns(db, 'analytics', 'customers')).map((c) => `${c.name} ${c.type}`)).toEqual(['id text', 'name text']);
    expect(await rows(db, 'select name from marts.customer_names_upper order by name')).toEqual([{ name: 'ANN!' }, { name: 'BOB!' }]);
    expect(await oid()).not.toBe(depOid);
    const meta = await rows<{ c: string; acl: string }>(db,
      "select obj_description('marts.customer_names'::regclass, 'pg_class') as c, relacl::text as acl from pg_class where oid = 'marts.customer_names'::regclass");
    expect(meta[0]?.c).toBe('names');
    expect(meta[0]?.acl).toMatch(/=r\//);
    expect(await leftovers(db)).toEqual([]);
  });

  it('rolls everything back when a dependent view cannot be recreated', async () => {
    // customer_names reads `name`; a query without it cannot keep that view alive.
    await expect(build(db, customers('select id from raw.customers'))).rejects.toThrow(/column .*name.* does not exist/);
    expect((await getColumns(db, 'analytics', 'customers')).map((c) => c.name)).toEqual(['id', 'name']);
    expect(await rows(db, 'select count(*)::int as n from marts.customer_names_upper')).toEqual([{ n: 2 }]);
  });

  it('replaces a table of the same name, keeping the table\'s dependent views', async () => {
    await db.query(`
      CREATE TABLE analytics.was_table AS SELECT 1 AS id;
      CREATE VIEW marts.on_was_table AS SELECT id FROM analytics.was_table;
    `);
    const res = await build(db, model({ name: 'was_table', schema: 'analytics', sql: 'select id from raw.customers', config: { materialized: 'view' } }));
    expect(res.plan.action).toBe('rebuild');
    expect((await rows<{ k: string }>(db, "select relkind::text as k from pg_class where oid = 'analytics.was_table'::regclass"))[0]?.k).toBe('v');
    expect(await rows(db, 'select id from marts.on_was_table order by id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('applies grants and hooks', async () => {
    const node = model({
      name: 'hooked', schema: 'analytics', sql: 'select 1 as id',
      config: { materialized: 'view', grants: { select: ['public'] }, pre_hook: ['create table raw.hook_log (msg text)'], post_hook: ["insert into raw.hook_log values ('post')"] },
    });
    await build(db, node);
    expect(await rows(db, 'select msg from raw.hook_log')).toEqual([{ msg: 'post' }]);
    expect(await rows(db, "select has_table_privilege('public', 'analytics.hooked', 'select') as ok")).toEqual([{ ok: true }]);
  });
});
