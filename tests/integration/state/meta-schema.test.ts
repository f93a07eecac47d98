import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { ensureMetaSchema, META_SCHEMA_VERSION, metaSchemaVersion } from '../../../src/state/meta-schema.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(() => {
  db = createPool(testDb.target({ threads: 2 }));
});
afterAll(async () => {
  await db.close();
});

async function tables(): Promise<string[]> {
  const res = await db.query<{ t: string }>(
    "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'strata_meta' ORDER BY 1",
  );
  return res.rows.map((r) => r.t);
}

describe('ensureMetaSchema', () => {
  it('creates strata_meta from two processes at once, without errors', async () => {
    // Separate pools behave like separate strata processes starting on a fresh target.
    const pools = Array.from({ length: 6 }, () => createPool(testDb.target({ threads: 1 })));
    try {
      await Promise.all(pools.map((p) => ensureMetaSchema(p)));
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
    // Migration 2 (raw file loading) added the ledger and the quarantine, 3 the keyed reloads' line hashes.
    expect(await tables()).toEqual(['load_ledger', 'load_line_hashes', 'node_state', 'quarantine', 'runs', 'schema_version', 'test_state']);
    expect(await metaSchemaVersion(db)).toBe(META_SCHEMA_VERSION);
  });

  it('is idempotent and runs no DDL when up to date', async () => {
    const statements: string[] = [];
    const pool = createPool(testDb.target({ threads: 1 }), { onQuery: (q) => statements.push(q.sql) });
    try {
      await ensureMetaSchema(pool);
      await ensureMetaSchema(pool);
    } finally {
      await pool.close();
    }
    expect(statements.some((s) => /CREATE/i.test(s))).toBe(false);
    const versions = await db.query<{ version: number }>('SELECT version FROM strata_meta.schema_version ORDER BY 1');
    expect(versions.rows.map((r) => r.version)).toEqual(Array.from({ length: META_SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('works on a session inside the caller\'s transaction (and rolls back with it)', async () => {
    await db.query('DROP SCHEMA strata_meta CASCADE');
    await expect(
      db.withTransaction(async (c) => {
        await ensureMetaSchema(c);
        expect(await metaSchemaVersion(c)).toBe(META_SCHEMA_VERSION);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await metaSchemaVersion(db)).toBe(0);
    await db.withTransaction((c) => ensureMetaSchema(c));
    expect(await metaSchemaVersion(db)).toBe(META_SCHEMA_VERSION);
  });

  it('enforces the status values of runs', async () => {
    await expect(
      db.query("INSERT INTO strata_meta.runs (run_id, project, target, command, status) VALUES ('x', 'p', 't', 'run', 'weird')"),
    ).rejects.toMatchObject({ code: 'DB', sqlState: '23514' });
  });

  it('refuses a schema written by a newer strata', async () => {
    await db.query('INSERT INTO strata_meta.schema_version (version) VALUES (99)');
    try {
      await expect(ensureMetaSchema(db)).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('99') });
    } finally {
      await db.query('DELETE FROM strata_meta.schema_version WHERE version = 99');
    }
  });
});
