import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPool, getColumns, listDependentViews, listRelations, readCatalogSnapshot, recreateViewSql, RelationCatalog, type Database,
} from '../../../src/adapters/postgres/index.js';
import { RunCatalog } from '../../../src/run/run-catalog.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query(`
    CREATE SCHEMA core;
    CREATE SCHEMA marts;
    CREATE TABLE core.orders (
      id bigint PRIMARY KEY,
      gone int,
      amount numeric(10,2) NOT NULL DEFAULT 0,
      code varchar(20),
      tags text[],
      created_at timestamptz
    );
    ALTER TABLE core.orders DROP COLUMN gone;
    COMMENT ON COLUMN core.orders.amount IS 'in euros';
    CREATE TABLE core.events (id int, at date) PARTITION BY RANGE (at);
    CREATE VIEW core.big_orders AS SELECT id, amount FROM core.orders WHERE amount > 100;
    CREATE VIEW marts.big_order_ids AS SELECT id FROM core.big_orders;
    CREATE VIEW marts.mixed AS SELECT b.id, o.code FROM marts.big_order_ids b JOIN core.orders o USING (id);
    CREATE MATERIALIZED VIEW marts.order_totals AS SELECT count(*) AS n, sum(amount) AS total FROM core.big_orders;
    CREATE UNIQUE INDEX order_totals_n ON marts.order_totals (n);
    CREATE VIEW marts.unrelated AS SELECT 1 AS one;
    CREATE VIEW core.checked WITH (security_barrier) AS SELECT * FROM core.orders WHERE id > 0 WITH CASCADED CHECK OPTION;
    COMMENT ON VIEW marts.big_order_ids IS 'ids of big orders';
    COMMENT ON COLUMN marts.big_order_ids.id IS 'order id';
    GRANT SELECT ON marts.big_order_ids TO PUBLIC;
  `);
});
afterAll(async () => {
  await db.close();
});

describe('listRelations', () => {
  it('lists tables, views, materialized views and partitioned tables by schema.name', async () => {
    const rels = await listRelations(db);
    const kinds = Object.fromEntries([...rels.entries()].map(([k, v]) => [k, v.kind]));
    expect(kinds).toEqual({
      'core.orders': 'table',
      'core.events': 'partitioned_table',
      'core.big_orders': 'view',
      'core.checked': 'view',
      'marts.big_order_ids': 'view',
      'marts.mixed': 'view',
      'marts.order_totals': 'materialized_view',
      'marts.unrelated': 'view',
    });
    expect(rels.get('core.orders')).toMatchObject({ schema: 'core', name: 'orders', owner: expect.any(String) });
  });

  it('filters by schema (including system schemas when asked)', async () => {
    expect([...(await listRelations(db, ['marts'])).keys()].sort()).toEqual([
      'marts.big_order_ids', 'marts.mixed', 'marts.order_totals', 'marts.unrelated',
    ]);
    expect((await listRelations(db, ['pg_catalog'])).has('pg_catalog.pg_class')).toBe(true);
    expect((await listRelations(db, ['nope'])).size).toBe(0);
  });
});

describe('getColumns', () => {
  it('returns columns in attnum order with formatted types, skipping dropped ones', async () => {
    const cols = await getColumns(db, 'core', 'orders');
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ['id', 'bigint'],
      ['amount', 'numeric(10,2)'],
      ['code', 'character varying(20)'],
      ['tags', 'text[]'],
      ['created_at', 'timestamp with time zone'],
    ]);
    expect(cols[0]).toMatchObject({ notNull: true, position: 1 });
    expect(cols[1]).toMatchObject({ notNull: true, default: '0', comment: 'in euros', position: 3 });
    expect(await getColumns(db, 'core', 'missing')).toEqual([]);
  });

  it('RelationCatalog caches relations and columns', async () => {
    const catalog = await new RelationCatalog(db).load(['core', 'marts']);
    expect(catalog.has('core', 'orders')).toBe(true);
    const [a, b] = await Promise.all([catalog.columns('core', 'orders'), catalog.columns('core', 'orders')]);
    expect(a).toBe(b);
    expect(catalog.get('core', 'orders')?.columns).toBe(a);
    catalog.set({ schema: 'marts', name: 'new_model', kind: 'table' });
    expect(catalog.get('marts', 'new_model')?.kind).toBe('table');
    catalog.delete('marts', 'new_model');
    expect(catalog.has('marts', 'new_model')).toBe(false);
  });
});

describe('readCatalogSnapshot', () => {
  it('lists the relations of its schemas, with columns only for those asked for', async () => {
    const snap = await readCatalogSnapshot(db, ['core'], [{ schema: 'core', name: 'orders' }]);
    const listed = await listRelations(db, ['core']);
    expect([...snap.relations.keys()].sort()).toEqual([...listed.keys()].sort());
    for (const [key, r] of snap.relations) expect(r.kind).toBe(listed.get(key)!.kind);
    expect(snap.relations.get('core.orders')!.columns).toEqual((await getColumns(db, 'core', 'orders')).map((c) => ({ name: c.name, type: c.type })));
    expect(snap.relations.get('core.big_orders')!.columns).toBeUndefined();
    expect(snap.relations.has('marts.mixed')).toBe(false);
  });

  it("plans its catalog walk without JIT, hash or merge joins, for its own transaction only", async () => {
    await db.withClient(async (c) => {
      // The session's own settings, which the snapshot must leave as they are.
      await c.query("SET jit = on; SET enable_hashjoin = on; SET enable_mergejoin = on; SET search_path = core, public");
      let inside: Record<string, string> | undefined;
      const probe = {
        withClient: <T>(fn: (client: typeof c) => Promise<T>) => fn({
          ...c,
          query: async (sql: string) => {
            // The settings as the snapshot's statement sees them: read in the same message, after it.
            const res = await c.query(sql.replace(/;\nCOMMIT/, "; SELECT current_setting('jit') AS jit, current_setting('enable_hashjoin') AS h, current_setting('enable_mergejoin') AS m;\nCOMMIT"));
            inside = res.statements?.[3]?.rows[0] as Record<string, string>;
            return res;
          },
        } as typeof c),
      } as unknown as Database;
      const snap = await readCatalogSnapshot(probe, ['core']);
      expect(snap.relations.has('core.orders')).toBe(true);
      expect(inside).toEqual({ jit: 'off', h: 'off', m: 'off' });
      const after = (await c.query<{ jit: string; h: string; m: string; p: string }>(
        "SELECT current_setting('jit') AS jit, current_setting('enable_hashjoin') AS h, current_setting('enable_mergejoin') AS m, current_setting('search_path') AS p",
      )).rows[0];
      expect(after).toEqual({ jit: 'on', h: 'on', m: 'on', p: 'core, public' });
      await c.query('RESET jit; RESET enable_hashjoin; RESET enable_mergejoin; RESET search_path');
    });
  });

  it('asks nothing for no schemas (a run that builds nothing)', async () => {
    const unused = { withClient: () => Promise.reject(new Error('no query expected')) } as unknown as Database;
    expect((await readCatalogSnapshot(unused, [])).relations.size).toBe(0);
  });

  it('gives each relation what listDependentViews reads, in the same order, views in other schemas included', async () => {
    const snap = await readCatalogSnapshot(db, ['core']);
    for (const [, r] of snap.relations) {
      expect(snap.dependentViews(r.schema, r.name), `${r.schema}.${r.name}`).toEqual(await listDependentViews(db, r.schema, r.name));
    }
    expect(snap.dependentViews('core', 'orders').map((v) => `${v.schema}.${v.name}`)).toContain('marts.mixed');
    expect(snap.dependentViews('core', 'events')).toEqual([]);
  });

  it("RunCatalog answers from it until the run changes the relation or a view depending on it", async () => {
    const catalog = new RunCatalog(await readCatalogSnapshot(db, ['core'], [{ schema: 'core', name: 'orders' }]));
    const orders = { schema: 'core', identifier: 'orders' };
    const state = catalog.state(orders, { columns: true })!;
    expect(state).toMatchObject({ exists: true, kind: 'table' });
    expect(state.columns?.map((c) => c.name)).toEqual(['id', 'amount', 'code', 'tags', 'created_at']);
    expect(state.dependentViews?.map((v) => `${v.schema}.${v.name}`)).toEqual((await listDependentViews(db, 'core', 'orders')).map((v) => `${v.schema}.${v.name}`));
    // Columns that were not read are not guessed.
    const events = { schema: 'core', identifier: 'events' };
    expect(catalog.state(events, { columns: true })).toBeUndefined();
    expect(catalog.state(events, { columns: false })).toEqual({ exists: true, kind: 'partitioned_table', dependentViews: [] });
    expect(catalog.state({ schema: 'core', identifier: 'new_one' }, { columns: false })).toEqual({ exists: false });
    // The run rebuilt view marts.big_order_ids: its definition is unknown now, so is every state listing it.
    catalog.built({ schema: 'marts', identifier: 'big_order_ids' }, 'view');
    expect(catalog.state(orders, { columns: false })).toBeUndefined();
    expect(catalog.state(events, { columns: false })).toBeDefined();
    // A relation the run created exists, and its state is read from the database.
    const created = { schema: 'core', identifier: 'new_one' };
    catalog.built(created, 'table');
    expect(catalog.exists(created)).toBe(true);
    expect(catalog.state(created, { columns: false })).toBeUndefined();
  });
});

describe('listDependentViews', () => {
  it('finds the whole chain, parents first, across schemas', async () => {
    const views = await listDependentViews(db, 'core', 'orders');
    const order = views.map((v) => `${v.schema}.${v.name}`);
    expect(order.sort()).toEqual(['core.big_orders', 'core.checked', 'marts.big_order_ids', 'marts.mixed', 'marts.order_totals'].sort());
    const ordered = views.map((v) => `${v.schema}.${v.name}`);
    const pos = (n: string): number => ordered.indexOf(n);
    expect(pos('core.big_orders')).toBeLessThan(pos('marts.big_order_ids'));
    expect(pos('marts.big_order_ids')).toBeLessThan(pos('marts.mixed'));
    expect(pos('core.big_orders')).toBeLessThan(pos('marts.order_totals'));
    // mixed depends on orders directly and through two views: its depth is the longest path.
    expect(views.find((v) => v.name === 'mixed')?.depth).toBe(3);
    expect(await listDependentViews(db, 'marts', 'unrelated')).toEqual([]);
  });

  it('captures definitions (schema-qualified), options, comments, grants and matview indexes', async () => {
    const views = await listDependentViews(db, 'core', 'orders');
    const ids = views.find((v) => v.name === 'big_order_ids')!;
    expect(ids.definition).toMatch(/FROM core\.big_orders/);
    expect(ids.definition.endsWith(';')).toBe(false);
    expect(ids.comment).toBe('ids of big orders');
    expect(ids.columnComments).toEqual({ id: 'order id' });
    expect(ids.grants).toContainEqual({ grantee: 'PUBLIC', privilege: 'SELECT', grantable: false });
    const checked = views.find((v) => v.name === 'checked')!;
    expect(checked.options).toEqual(expect.arrayContaining(['security_barrier=true', 'check_option=cascaded']));
    const totals = views.find((v) => v.name === 'order_totals')!;
    expect(totals.kind).toBe('materialized_view');
    expect(totals.indexes).toEqual([expect.stringMatching(/CREATE UNIQUE INDEX order_totals_n ON marts\.order_totals/)]);
    // search_path was restored afterwards.
    await db.withClient(async (c) => {
      const before = (await c.query<{ p: string }>('SHOW search_path')).rows[0]?.p;
      await listDependentViews(c, 'core', 'orders');
      expect((await c.query<{ p: string }>('SHOW search_path')).rows[0]?.p).toBe(before);
    });
  });

  it('recreates the views after the table is swapped, keeping comments and grants', async () => {
    await db.query("INSERT INTO core.orders (id, amount, code) VALUES (1, 500, 'a'), (2, 5, 'b')");
    await db.withTransaction(async (c) => {
      const user = (await c.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
      const views = await listDependentViews(c, 'core', 'orders');
      await c.query('CREATE TABLE core.orders__new (LIKE core.orders INCLUDING ALL)');
      await c.query("INSERT INTO core.orders__new (id, amount, code) VALUES (1, 700, 'a'), (3, 300, 'c')");
      await c.query('DROP TABLE core.orders CASCADE');
      await c.query('ALTER TABLE core.orders__new RENAME TO orders');
      for (const v of views) for (const stmt of recreateViewSql(v, user)) await c.query(stmt);
    });
    const res = await db.query<{ id: number; code: string }>('SELECT id, code FROM marts.mixed ORDER BY id');
    expect(res.rows).toEqual([{ id: 1, code: 'a' }, { id: 3, code: 'c' }]);
    const totals = await db.query<{ n: number; total: string }>('SELECT n, total FROM marts.order_totals');
    expect(totals.rows).toEqual([{ n: 2, total: '1000.00' }]);
    const meta = await db.query<{ c: string; acl: string }>(
      "SELECT obj_description('marts.big_order_ids'::regclass, 'pg_class') AS c, relacl::text AS acl FROM pg_class WHERE oid = 'marts.big_order_ids'::regclass",
    );
    expect(meta.rows[0]?.c).toBe('ids of big orders');
    expect(meta.rows[0]?.acl).toMatch(/=r\//);
    expect((await listDependentViews(db, 'core', 'orders')).map((v) => v.name).sort()).toEqual(
      ['big_order_ids', 'big_orders', 'checked', 'mixed', 'order_totals'],
    );
  });
});
