import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { ensureMetaSchema } from '../../../src/state/meta-schema.js';
import { deleteNodeState, loadNodeStates, saveNodeState, type NodeState } from '../../../src/state/node-state.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;
let statements = 0;

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }), { onQuery: () => (statements += 1) });
  await ensureMetaSchema(db);
});
afterAll(async () => {
  await db.close();
});

function state(overrides: Partial<NodeState> = {}): NodeState {
  return {
    uniqueId: 'model.shop.orders',
    relation: '"analytics"."orders"',
    resourceType: 'model',
    fingerprint: 'fp-1',
    dataVersion: 'run-1:aaaa',
    inputVersions: { 'model.shop.stg_orders': 'run-1:bbbb', 'seed.shop.countries': 'seed:abc' },
    builtAt: new Date('2024-05-06T07:08:09.123Z'),
    runId: 'run-1',
    ...overrides,
  };
}

describe('node state', () => {
  it('round-trips every field, loading a project in one query', async () => {
    await saveNodeState(db, 'shop', state());
    await saveNodeState(db, 'shop', state({ uniqueId: 'seed.shop.countries', relation: '"raw"."countries"', resourceType: 'seed', inputVersions: {} }));
    await saveNodeState(db, 'other', state({ fingerprint: 'elsewhere' }));
    statements = 0;
    const states = await loadNodeStates(db, 'shop');
    expect(statements).toBe(1);
    expect([...states.keys()].sort()).toEqual(['model.shop.orders', 'seed.shop.countries']);
    const orders = states.get('model.shop.orders')!;
    const { builtAt, ...rest } = orders;
    const { builtAt: _b, ...expected } = state();
    expect(rest).toEqual(expected);
    expect(typeof builtAt).toBe('string');
    expect(new Date(builtAt).toISOString()).toBe('2024-05-06T07:08:09.123Z');
    expect(states.get('seed.shop.countries')?.inputVersions).toEqual({});
  });

  it('upserts: a second save replaces the first', async () => {
    await saveNodeState(db, 'shop', state({ fingerprint: 'fp-2', dataVersion: 'run-2:cccc', inputVersions: { a: '1' }, runId: 'run-2', builtAt: '2024-06-01 00:00:00+00' }));
    const orders = (await loadNodeStates(db, 'shop')).get('model.shop.orders');
    expect(orders).toMatchObject({ fingerprint: 'fp-2', dataVersion: 'run-2:cccc', inputVersions: { a: '1' }, runId: 'run-2' });
    expect(new Date(orders!.builtAt).toISOString()).toBe('2024-06-01T00:00:00.000Z');
  });

  it('commits and rolls back with the build transaction', async () => {
    await expect(
      db.withTransaction(async (c) => {
        await c.query('CREATE TABLE built_in_tx (id int)');
        await saveNodeState(c, 'shop', state({ uniqueId: 'model.shop.built_in_tx', fingerprint: 'never' }));
        await saveNodeState(c, 'shop', state({ fingerprint: 'never' }));
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    const after = await loadNodeStates(db, 'shop');
    expect(after.has('model.shop.built_in_tx')).toBe(false);
    expect(after.get('model.shop.orders')?.fingerprint).toBe('fp-2');

    await db.withTransaction(async (c) => {
      await c.query('CREATE TABLE built_in_tx (id int)');
      await saveNodeState(c, 'shop', state({ uniqueId: 'model.shop.built_in_tx', fingerprint: 'committed' }));
    });
    expect((await loadNodeStates(db, 'shop')).get('model.shop.built_in_tx')?.fingerprint).toBe('committed');
  });

  it('deletes one node of one project', async () => {
    expect(await deleteNodeState(db, 'shop', 'model.shop.orders')).toBe(true);
    expect(await deleteNodeState(db, 'shop', 'model.shop.orders')).toBe(false);
    expect((await loadNodeStates(db, 'shop')).has('model.shop.orders')).toBe(false);
    expect((await loadNodeStates(db, 'other')).has('model.shop.orders')).toBe(true);
  });
});
