import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { capabilitiesFor, createPool, detectCapabilities, formatVersion, type Database } from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(() => {
  db = createPool(testDb.target());
});
afterAll(async () => {
  await db.close();
});

describe('capabilities', () => {
  it('derives feature flags from the version number', () => {
    expect(capabilitiesFor(140010).supportsMerge).toBe(false);
    expect(capabilitiesFor(150000).supportsMerge).toBe(true);
    expect(capabilitiesFor(150020).supportsMergeReturning).toBe(false);
    expect(capabilitiesFor(170010).supportsMergeReturning).toBe(true);
    expect(formatVersion(150020)).toBe('15.20');
  });

  it('detects the connected server', async () => {
    const caps = await detectCapabilities(db);
    expect(caps.version).toBeGreaterThanOrEqual(130000);
    expect(caps.versionString).toMatch(/^\d+\.\d+/);
    expect(caps.supportsMerge).toBe(caps.version >= 150000);
    if (inject('strataServerKind') === 'embedded') expect(Math.floor(caps.version / 10000)).toBe(17);
  });

  it('MERGE works exactly when supportsMerge says so', async () => {
    const caps = await detectCapabilities(db);
    await db.query('CREATE TABLE m_target (id int PRIMARY KEY, v text); INSERT INTO m_target VALUES (1, $$old$$)');
    const merge = db.query(
      `MERGE INTO m_target t USING (VALUES (1, 'new'), (2, 'two')) AS s(id, v) ON t.id = s.id
       WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`,
    );
    if (caps.supportsMerge) {
      await merge;
      const res = await db.query<{ id: number; v: string }>('SELECT * FROM m_target ORDER BY id');
      expect(res.rows).toEqual([{ id: 1, v: 'new' }, { id: 2, v: 'two' }]);
    } else {
      await expect(merge).rejects.toMatchObject({ code: 'DB' });
    }
  });
});
