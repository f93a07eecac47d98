/**
 * One fresh database per integration test file, on the server started by global-setup.ts.
 *
 *   const testDb = useTestDatabase();          // registers beforeAll / afterAll
 *   it('...', async () => { const url = testDb.url; ... });
 *
 * or, for full control, `const db = await createTestDatabase('my-case'); ...; await db.drop()`.
 * Names are `t_<file name>_<random>` so parallel files and re-runs never collide and a leftover
 * database (killed run) says which file made it. Works against the embedded server and against
 * STRATA_TEST_DATABASE_URL (e.g. postgres://root@127.0.0.1:5432/test), creating databases from
 * whatever database that URL names.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { queryOnce, quoteIdent, withDatabase, type TargetConfig } from '../../src/adapters/postgres/index.js';

export interface TestDatabase {
  /** Database name. */
  name: string;
  /** URL of the new database (same credentials as the admin URL). */
  url: string;
  /** URL of the server's admin database (for tests that need a second database, or a bad one). */
  adminUrl: string;
  /** A target for the new database, ready for createPool / openTarget. */
  target(overrides?: Partial<TargetConfig>): TargetConfig;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject('strataAdminUrl');
}

function adminTarget(url: string): TargetConfig {
  return { name: 'test-admin', type: 'postgres', url, schema: 'public', threads: 1 };
}

function databaseName(hint: string): string {
  const stem = hint
    .replace(/\.(test|spec)\.[cm]?[jt]s$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `t_${stem || 'test'}_${randomBytes(4).toString('hex')}`;
}

/** Creates a fresh, empty database; `hint` (usually the test file name) goes into its name. */
export async function createTestDatabase(hint = 'test'): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = databaseName(hint);
  // template0: never picks up objects someone created in template1 of a shared server.
  await queryOnce(adminTarget(admin), `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  const url = withDatabase(admin, name);
  let dropped = false;
  return {
    name,
    url,
    adminUrl: admin,
    target: (overrides = {}) => ({ name: 'test', type: 'postgres', url, schema: 'public', threads: 4, ...overrides }),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // FORCE (PostgreSQL 13+) ends sessions a test forgot to close instead of failing.
      await queryOnce(adminTarget(admin), `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
  };
}

/**
 * Registers hooks that create a database before the file's tests and drop it afterwards.
 * The returned object's properties are available inside tests and later hooks.
 */
export function useTestDatabase(hint?: string): TestDatabase {
  let db: TestDatabase | undefined;
  const current = (): TestDatabase => {
    if (!db) throw new Error('useTestDatabase(): the database exists only inside tests and hooks (after beforeAll)');
    return db;
  };
  beforeAll(async () => {
    const testPath = expect.getState().testPath;
    db = await createTestDatabase(hint ?? (testPath ? basename(testPath) : 'test'));
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get name() {
      return current().name;
    },
    get url() {
      return current().url;
    },
    get adminUrl() {
      return current().adminUrl;
    },
    target: (overrides) => current().target(overrides),
    drop: () => current().drop(),
  };
}
