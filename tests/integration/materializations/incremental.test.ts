import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, getColumns, relationSql, type Database } from '../../../src/adapters/postgres/index.js';
import { newRowsRelation } from '../../../src/materializations/names.js';
import type { NodeConfig } from '../../../src/manifest/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { model } from '../../unit/materializations/helpers.js';
import { build, leftovers, rows, supportsMerge } from './helpers.js';

const testDb = useTestDatabase();
let db: Database;
let mergeAvailable = false;

beforeAll(async () => {
  db = createPool(testDb.target());
  mergeAvailable = await supportsMerge(db);
  await db.query('CREATE SCHEMA raw; CREATE SCHEMA analytics;');
});
afterAll(async () => {
  await db.close();
});

// raw.events: the full history; raw.changes: what the incremental SQL returns (an updated row
// with id 2, a new row with id 3).
beforeEach(async () => {
  await db.query(`
    DROP TABLE IF EXISTS raw.events, raw.changes;
    CREATE TABLE raw.events (id int, region text, val int);
    INSERT INTO raw.events VALUES (1, 'eu', 10), (2, 'eu', 20), (2, NULL, 21);
    CREATE TABLE raw.changes (id int, region text, val int);
    INSERT INTO raw.changes VALUES (2, 'eu', 200), (3, 'us', 30), (2, NULL, 210);
  `);
});

let counter = 0;
function events(config: Partial<NodeConfig>, cols = 'id, region, val') {
  counter += 1;
  return model({
    name: `events_${counter}`, schema: 'analytics',
    sql: `select ${cols} from raw.events`, incrementalSql: `select ${cols} from raw.changes`,
    config: { materialized: 'incremental', ...config },
  });
}
const contents = (name: string, cols = 'id, region, val') => rows(db, `select ${cols} from analytics.${name} order by 1, 2 nulls first, 3`);
const E = (id: number, region: string | null, val: number) => ({ id, region, val });

describe('incremental strategies', () => {
  it('first run creates the table; append adds every new row', async () => {
    const node = events({});
    expect((await build(db, node)).plan.action).toBe('create');
    const res = await build(db, node);
    expect(res.plan.action).toBe('incremental:append');
    expect(res.rows).toBe(3);
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 21), E(2, null, 210), E(2, 'eu', 20), E(2, 'eu', 200), E(3, 'us', 30)]);
    expect(await leftovers(db)).toEqual([]);
  });

  it('delete+insert with a composite key replaces matching rows, NULL key parts included', async () => {
    const node = events({ unique_key: ['id', 'region'] });
    await build(db, node);
    const res = await build(db, node);
    expect(res.plan.action).toBe('incremental:delete+insert');
    expect(res.rows).toBe(3);
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 210), E(2, 'eu', 200), E(3, 'us', 30)]);
    // idempotent: running the same changes again changes nothing
    await build(db, node);
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 210), E(2, 'eu', 200), E(3, 'us', 30)]);
  });

  it('delete+insert with a single key', async () => {
    await db.query('DELETE FROM raw.changes WHERE region IS NULL; DELETE FROM raw.events WHERE region IS NULL');
    const node = events({ unique_key: 'id' });
    await build(db, node);
    const res = await build(db, node);
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, 'eu', 200), E(3, 'us', 30)]);
    // The new rows stay, for the model's data tests, until its next build
    expect(res.plan.increment).toMatchObject({ rows: relationSql(newRowsRelation(node.relation)), strategy: 'delete+insert', uniqueKey: ['id'] });
    expect(res.plan.increment!.rows).toMatch(new RegExp(`^"strata_meta"."${node.name}_[0-9a-f]{8}__strata_new"$`));
    expect(await rows(db, `select id, region, val from ${res.plan.increment!.rows} order by id`)).toEqual([E(2, 'eu', 200), E(3, 'us', 30)]);
    await build(db, node, { fullRefresh: true });
    expect(await rows(db, `select to_regclass('${res.plan.increment!.rows}') is null as gone`)).toEqual([{ gone: true }]);
  });

  it('delete+insert bounds its delete by the new rows\' key range, so an index on a key column serves it', async () => {
    // 2,000 days x 100 rows in day order (a BRIN index fits), then an increment of 3 new days and
    // one corrected row of an old day
    await db.query(`
      DROP TABLE IF EXISTS raw.days, raw.day_changes;
      CREATE TABLE raw.days AS SELECT date '2020-01-01' + (i / 100) AS day, i % 100 AS n, i AS val FROM generate_series(0, 199999) AS i;
      CREATE TABLE raw.day_changes AS
        SELECT date '2020-01-01' + 2000 + (i / 100) AS day, i % 100 AS n, -1 - i AS val FROM generate_series(0, 299) AS i
        UNION ALL SELECT date '2020-01-01' + 7, 5, -1000;
    `);
    counter += 1;
    const node = model({
      name: `days_${counter}`, schema: 'analytics', sql: 'select day, n, val from raw.days', incrementalSql: 'select day, n, val from raw.day_changes',
      config: { materialized: 'incremental', unique_key: ['day', 'n'], indexes: [{ columns: ['day'], type: 'brin' }] },
    });
    await build(db, node);
    const res = await build(db, node);
    const del = res.plan.statements.find((s) => s.label === 'delete rows with matching keys')!.sql;
    expect(del).toContain('"day" between (select lo0 from key_bounds) and (select hi0 from key_bounds)');
    expect(del).toContain('"n" between (select lo1 from key_bounds) and (select hi1 from key_bounds)');
    // the same rows as an unbounded delete+insert: 200,300 rows, the corrected one replaced
    expect(await rows(db, `select count(*)::int as n, count(*) filter (where val < 0)::int as changed from analytics.${node.name}`)).toEqual([{ n: 200300, changed: 301 }]);
    expect(await rows(db, `select val from analytics.${node.name} where day = date '2020-01-08' and n = 5`)).toEqual([{ val: -1000 }]);
    // and the delete reads the target through the BRIN index, not a full scan
    await db.query(`analyze analytics.${node.name}`);
    const plan = (await rows<{ 'QUERY PLAN': string }>(db, `explain ${del}`)).map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/Bitmap Index Scan on/);
    expect(plan).not.toMatch(new RegExp(`Seq Scan on ${node.name}\\b`));
  });

  it('merge updates matched rows and inserts new ones (PostgreSQL 15+)', async (ctx) => {
    if (!mergeAvailable) ctx.skip();
    const node = events({ unique_key: ['id', 'region'], incremental_strategy: 'merge' });
    await build(db, node);
    const res = await build(db, node);
    expect(res.plan.action).toBe('incremental:merge');
    expect(res.rows).toBe(3);
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 210), E(2, 'eu', 200), E(3, 'us', 30)]);
  });

  it('merge falls back to delete+insert without MERGE support, same result', async () => {
    const node = events({ unique_key: ['id', 'region'], incremental_strategy: 'merge' });
    await build(db, node, { supportsMerge: false });
    const res = await build(db, node, { supportsMerge: false });
    expect(res.plan.action).toBe('incremental:delete+insert (merge needs PostgreSQL 15+)');
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 210), E(2, 'eu', 200), E(3, 'us', 30)]);
  });

  it('full refresh rebuilds from the full SQL', async () => {
    const node = events({});
    await build(db, node);
    await build(db, node);
    const res = await build(db, node, { fullRefresh: true });
    expect(res.plan.action).toBe('full-refresh');
    expect(await contents(node.name)).toEqual([E(1, 'eu', 10), E(2, null, 21), E(2, 'eu', 20)]);
  });
});

describe('on_schema_change', () => {
  // Second run: the query drops `region`, retypes `val` to bigint and adds `note`.
  const changed = 'id, val::bigint as val, \'n\' || id as note';
  async function twoRuns(mode: NodeConfig['on_schema_change'], extra: Partial<NodeConfig> = {}) {
    const first = events({ on_schema_change: mode, unique_key: 'id', ...extra });
    await db.query('DELETE FROM raw.changes WHERE region IS NULL; DELETE FROM raw.events WHERE region IS NULL');
    await build(db, first);
    const second = { ...first, compiledIncrementalCode: `select ${changed} from raw.changes` };
    return { name: first.name, second };
  }
  const columns = async (name: string) => (await getColumns(db, 'analytics', name)).map((c) => `${c.name} ${c.type}`);

  it('ignore: keeps the table\'s columns, fills only the shared ones', async () => {
    const { name, second } = await twoRuns('ignore');
    await build(db, second);
    expect(await columns(name)).toEqual(['id integer', 'region text', 'val integer']);
    expect(await contents(name)).toEqual([E(1, 'eu', 10), { id: 2, region: null, val: 200 }, { id: 3, region: null, val: 30 }]);
  });

  it('fail: the node fails with the differences, and nothing changes', async () => {
    const { name, second } = await twoRuns('fail');
    await expect(build(db, second)).rejects.toMatchObject({
      code: 'DB',
      details: ['added column note (text)', 'removed column region (text)', 'column val changed type from integer to bigint'],
    });
    expect(await contents(name)).toEqual([E(1, 'eu', 10), E(2, 'eu', 20)]);
  });

  it('append_new_columns: adds note; region stays (NULL in new rows); val keeps its type', async () => {
    const { name, second } = await twoRuns('append_new_columns');
    await build(db, second);
    expect(await columns(name)).toEqual(['id integer', 'region text', 'val integer', 'note text']);
    expect(await contents(name, 'id, region, val, note')).toEqual([
      { id: 1, region: 'eu', val: 10, note: null }, { id: 2, region: null, val: 200, note: 'n2' }, { id: 3, region: null, val: 30, note: 'n3' },
    ]);
  });

  it('sync_all_columns: the table follows the query; a dependent view survives the drop and retype', async () => {
    const { name, second } = await twoRuns('sync_all_columns');
    await db.query(`CREATE VIEW analytics.${name}_ids AS SELECT id, val FROM analytics.${name}`);
    await build(db, second);
    expect(await columns(name)).toEqual(['id integer', 'val bigint', 'note text']);
    expect(await contents(name, 'id, val, note')).toEqual([
      { id: 1, val: 10, note: null }, { id: 2, val: 200, note: 'n2' }, { id: 3, val: 30, note: 'n3' },
    ]);
    expect(await rows(db, `select id, val from analytics.${name}_ids order by id`)).toEqual([{ id: 1, val: 10 }, { id: 2, val: 200 }, { id: 3, val: 30 }]);
  });
});
