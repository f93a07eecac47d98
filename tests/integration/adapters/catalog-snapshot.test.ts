/**
 * readCatalogSnapshot answers, from one read, what listRelations / getColumns / listDependentViews
 * answer per relation; and the run's RunCatalog stops answering for what the run changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPool, getColumns, listDependentViews, listRelations, readCatalogSnapshot, type Database,
} from '../../../src/adapters/postgres/index.js';
import { RunCatalog } from '../../../src/run/run-catalog.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(async () => {
  db = createPool(testDb.target());
  await db.query(`
    CREATE SCHEMA src; CREATE SCHEMA mart; CREATE SCHEMA elsewhere;
    CREATE TABLE src.orders (id bigint PRIMARY KEY, amount numeric(10,2), code varchar(20));
    CREATE TABLE src.lonely (x int);
    CREATE VIEW src.big AS SELECT id, amount FROM src.orders WHERE amount > 100;
    CREATE VIEW mart.big_ids WITH (security_barrier) AS SELECT id FROM src.big;
    CREATE VIEW mart.mixed AS SELECT b.id, o.code FROM mart.big_ids b JOIN src.orders o USING (id);
    CREATE MATERIALIZED VIEW mart.totals AS SELECT count(*) AS n FROM src.big;
    CREATE UNIQUE INDEX totals_n ON mart.totals (n);
    CREATE VIEW elsewhere.watch AS SELECT count(*) AS n FROM mart.mixed;
    COMMENT ON VIEW mart.big_ids IS 'big ids';
    COMMENT ON COLUMN mart.big_ids.id IS 'order id';
    GRANT SELECT ON mart.big_ids TO PUBLIC;
  `);
});
afterAll(async () => {
  await db.close();
});

describe('readCatalogSnapshot', () => {
  it('lists the relations of its schemas, with columns only for those asked for', async () => {
    const snap = await readCatalogSnapshot(db, ['src', 'mart'], [{ schema: 'src', name: 'orders' }]);
    const listed = await listRelations(db, ['src', 'mart']);
    expect([...snap.relations.keys()].sort()).toEqual([...listed.keys()].sort());
    for (const [key, r] of snap.relations) expect(r.kind).toBe(listed.get(key)!.kind);
    expect(snap.relations.get('src.orders')!.columns).toEqual((await getColumns(db, 'src', 'orders')).map((c) => ({ name: c.name, type: c.type })));
    expect(snap.relations.get('src.big')!.columns).toBeUndefined();
    expect(snap.relations.has('elsewhere.watch')).toBe(false);
  });

  it('gives every relation the dependent views listDependentViews reads, in the same order, views outside its schemas included', async () => {
    const snap = await readCatalogSnapshot(db, ['src', 'mart']);
    for (const [, r] of snap.relations) {
      expect(snap.dependentViews(r.schema, r.name), `${r.schema}.${r.name}`).toEqual(await listDependentViews(db, r.schema, r.name));
    }
    expect(snap.dependentViews('src', 'orders').map((v) => `${v.schema}.${v.name}`)).toEqual(['src.big', 'mart.big_ids', 'mart.totals', 'mart.mixed', 'elsewhere.watch']);
    expect(snap.dependentViews('src', 'lonely')).toEqual([]);
  });
});

describe('RunCatalog', () => {
  it('answers from the snapshot until the run changes the relation or a view depending on it', async () => {
    const catalog = new RunCatalog(await readCatalogSnapshot(db, ['src', 'mart'], [{ schema: 'src', name: 'orders' }]));
    const orders = { schema: 'src', identifier: 'orders' };
    const state = catalog.state(orders, { columns: true })!;
    expect(state.exists).toBe(true);
    expect(state.kind).toBe('table');
    expect(state.columns?.map((c) => c.name)).toEqual(['id', 'amount', 'code']);
    expect(state.dependentViews?.map((v) => `${v.schema}.${v.name}`)).toEqual(['src.big', 'mart.big_ids', 'mart.totals', 'mart.mixed', 'elsewhere.watch']);
    expect(catalog.dependentViewNames(orders)).toContain('elsewhere.watch');
    // Columns that were not read are not guessed.
    expect(catalog.state({ schema: 'src', identifier: 'lonely' }, { columns: true })).toBeUndefined();
    expect(catalog.state({ schema: 'src', identifier: 'lonely' }, { columns: false })).toEqual({ exists: true, kind: 'table', dependentViews: [] });
    expect(catalog.state({ schema: 'mart', identifier: 'new_one' }, { columns: false })).toEqual({ exists: false });

    // The run rebuilt view mart.big_ids: its definition is unknown now, so is every state listing it.
    catalog.built({ schema: 'mart', identifier: 'big_ids' }, 'view');
    expect(catalog.state(orders, { columns: false })).toBeUndefined();
    expect(catalog.state({ schema: 'src', identifier: 'lonely' }, { columns: false })).toBeDefined();
    // A relation the run created exists, and its state is read from the database.
    const created = { schema: 'mart', identifier: 'new_one' };
    catalog.built(created, 'table');
    expect(catalog.exists(created)).toBe(true);
    expect(catalog.state(created, { columns: false })).toBeUndefined();
  });
});
