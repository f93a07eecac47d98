import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, getColumns, type Database } from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { model } from '../../unit/materializations/helpers.js';
import { build, leftovers, rows } from './helpers.js';

const testDb = useTestDatabase();
let db: Database;
// Roles are cluster-wide: a random name keeps parallel runs on a shared server apart.
const role = `strata_reader_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query(`
    CREATE ROLE ${role} NOLOGIN;
    CREATE SCHEMA raw; CREATE SCHEMA analytics; CREATE SCHEMA marts;
    GRANT USAGE ON SCHEMA analytics TO ${role};
    CREATE TABLE raw.orders (id int, amount numeric(10,2), tags text[]);
    INSERT INTO raw.orders VALUES (1, 10, '{a}'), (2, 200, '{b}');
  `);
});
afterAll(async () => {
  // Privileges in this database must go before the role can be dropped.
  await db.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
  await db.close();
});

const orders = (config = {}) => model({
  name: 'orders', schema: 'analytics', sql: 'select id, amount, tags from raw.orders',
  config: { materialized: 'table', grants: { select: [role] }, indexes: [{ columns: ['id'], unique: true }, { columns: ['tags'], type: 'gin' }], ...config },
});

const canSelect = async (rel: string): Promise<boolean> =>
  (await rows<{ ok: boolean }>(db, `select has_table_privilege('${role}', '${rel}', 'select') as ok`))[0]!.ok;

describe('table materialization', () => {
  it('creates the table with indexes and grants', async () => {
    const res = await build(db, orders());
    expect(res.plan.action).toBe('create');
    expect(res.rows).toBe(2);
    expect((await getColumns(db, 'analytics', 'orders')).map((c) => `${c.name} ${c.type}`)).toEqual(['id integer', 'amount numeric(10,2)', 'tags text[]']);
    expect(await canSelect('analytics.orders')).toBe(true);
  });

  it('rebuilds while dependent views exist: they keep working, show the new data, keep grants; table grants kept after two rebuilds', async () => {
    await db.query(`
      CREATE VIEW marts.big_orders AS SELECT id, amount FROM analytics.orders WHERE amount > 100;
      CREATE VIEW marts.big_order_ids AS SELECT id FROM marts.big_orders;
      CREATE MATERIALIZED VIEW marts.order_total AS SELECT sum(amount) AS total FROM analytics.orders;
      GRANT SELECT ON marts.big_order_ids TO ${role};
    `);
    for (const [i, amount] of [[3, 300], [4, 400]] as const) {
      await db.query(`INSERT INTO raw.orders VALUES (${i}, ${amount}, '{c}')`);
      const res = await build(db, orders());
      expect(res.plan.action).toBe('swap');
      expect(res.rows).toBe(i);
      expect(await canSelect('analytics.orders')).toBe(true);
      expect(await canSelect('marts.big_order_ids')).toBe(true);
    }
    expect(await rows(db, 'select id from marts.big_order_ids order by id')).toEqual([{ id: 2 }, { id: 3 }, { id: 4 }]);
    expect(await rows(db, 'select total from marts.order_total')).toEqual([{ total: '910.00' }]);
    expect(await leftovers(db)).toEqual([]);
    const indexes = await rows<{ name: string; def: string }>(db, "select indexname as name, indexdef as def from pg_indexes where tablename = 'orders' order by 1");
    expect(indexes.map((x) => x.name)).toEqual([expect.stringMatching(/^orders__id_[0-9a-f]{8}$/), expect.stringMatching(/^orders__tags_[0-9a-f]{8}$/)]);
    expect(indexes[0]?.def).toMatch(/CREATE UNIQUE INDEX .* USING btree \(id\)/);
    expect(indexes[1]?.def).toMatch(/USING gin \(tags\)/);
  });

  it('a failing build leaves the old table and its views untouched', async () => {
    const broken = model({ name: 'orders', schema: 'analytics', sql: 'select id, 1/0 as amount from raw.orders', config: { materialized: 'table' } });
    await expect(build(db, broken)).rejects.toThrow(/division by zero/);
    expect(await rows(db, 'select count(*)::int as n from marts.big_order_ids')).toEqual([{ n: 3 }]);
    expect(await leftovers(db)).toEqual([]);
  });

  it('replaces a view of the same name with a table, keeping the view\'s dependents', async () => {
    await db.query(`
      CREATE VIEW analytics.was_view AS SELECT 1 AS id;
      CREATE VIEW marts.on_was_view AS SELECT id FROM analytics.was_view;
    `);
    const res = await build(db, model({ name: 'was_view', schema: 'analytics', sql: 'select id from raw.orders', config: { materialized: 'table' } }));
    expect(res.plan.action).toBe('swap');
    expect((await rows<{ k: string }>(db, "select relkind::text as k from pg_class where oid = 'analytics.was_view'::regclass"))[0]?.k).toBe('r');
    expect(await rows(db, 'select count(*)::int as n from marts.on_was_view')).toEqual([{ n: 4 }]);
  });

  it('handles 63-byte model names (staging, backup and index names shortened)', async () => {
    const name = 'a_model_with_a_name_exactly_sixty_three_bytes_long_xxxxxxxxxxxx';
    expect(Buffer.byteLength(name)).toBe(63);
    const node = model({ name, schema: 'analytics', sql: 'select id from raw.orders', config: { materialized: 'table', indexes: [{ columns: ['id'] }] } });
    await build(db, node);
    await db.query(`CREATE VIEW marts.on_long AS SELECT id FROM analytics.${name}`);
    const res = await build(db, node);
    expect(res.plan.action).toBe('swap');
    expect(await rows(db, 'select count(*)::int as n from marts.on_long')).toEqual([{ n: 4 }]);
    expect(await leftovers(db)).toEqual([]);
  });
});
