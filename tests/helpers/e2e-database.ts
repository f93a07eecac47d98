/**
 * The set-up an end-to-end test file shares: its projects removed after each test, a database of
 * its own (tests/setup/test-database.ts) and a pool on it to check the rows a command produced.
 */
import { afterAll, beforeAll } from 'vitest';
import { createPool, type Database } from '../../src/adapters/postgres/index.js';
import { useTestDatabase, type TestDatabase } from '../setup/test-database.js';
import { cleanupProjects } from './temp-project.js';

export interface E2eDatabase {
  testDb: TestDatabase;
  /** The rows of a query on the test database. */
  rows(sql: string): Promise<unknown[]>;
}

export function useE2eDatabase(): E2eDatabase {
  cleanupProjects();
  const testDb = useTestDatabase();
  let db: Database | undefined;
  beforeAll(() => {
    db = createPool(testDb.target());
  });
  afterAll(async () => {
    await db?.close();
  });
  return {
    testDb,
    rows: async (sql) => {
      if (!db) throw new Error('useE2eDatabase(): query only inside tests');
      return (await db.query(sql)).rows;
    },
  };
}
