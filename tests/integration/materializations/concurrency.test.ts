/**
 * The guarantee of the table swap: while a table is rebuilt, other connections reading it (or a
 * view on it) never get an error and never see it empty or half-filled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { model } from '../../unit/materializations/helpers.js';
import { build, leftovers, rows } from './helpers.js';

const testDb = useTestDatabase();
let db: Database;
let readers: Database;

const REBUILDS = 20;
const BASE_ROWS = 20_000;

beforeAll(async () => {
  db = createPool(testDb.target());
  readers = createPool(testDb.target(), { max: 3 });
  await db.query(`
    CREATE SCHEMA raw; CREATE SCHEMA analytics; CREATE SCHEMA marts;
    CREATE TABLE raw.generation (n int);
    INSERT INTO raw.generation VALUES (0);
  `);
});
afterAll(async () => {
  await readers.close();
  await db.close();
});

// Each rebuild produces BASE_ROWS + generation rows, all tagged with the generation, so a reader
// can tell a complete table (count matches its generation) from a partial one.
const node = model({
  name: 'busy', schema: 'analytics',
  sql: `select g.n as generation, i as id, md5(i::text) as payload
          from raw.generation g, generate_series(1, ${BASE_ROWS} + (select n from raw.generation)) i`,
  config: { materialized: 'table', indexes: [{ columns: ['id'] }] },
});

interface ReaderStats {
  queries: number;
  problems: string[];
}

async function readLoop(sql: string, done: () => boolean): Promise<ReaderStats> {
  const stats: ReaderStats = { queries: 0, problems: [] };
  await readers.withClient(async (client) => {
    while (!done()) {
      try {
        const res = await client.query<{ n: number; generations: number; generation: number | null }>(sql);
        const row = res.rows[0];
        stats.queries += 1;
        if (!row || row.n === 0) stats.problems.push('empty result');
        else if (row.generations !== 1 || row.n !== BASE_ROWS + (row.generation ?? 0)) stats.problems.push(`partial result: ${JSON.stringify(row)}`);
      } catch (err) {
        stats.problems.push(`error: ${(err as Error).message}`);
      }
    }
  });
  return stats;
}

describe('table rebuild under concurrent reads', () => {
  it(`readers of the table and of views on it never fail or see it empty across ${REBUILDS} rebuilds`, async () => {
    await build(db, node);
    await db.query(`
      CREATE VIEW marts.busy_view AS SELECT generation, id FROM analytics.busy WHERE id > 0;
      CREATE VIEW marts.busy_view_2 AS SELECT * FROM marts.busy_view;
    `);
    const check = (rel: string): string =>
      `select count(*)::int as n, count(distinct generation)::int as generations, max(generation) as generation from ${rel}`;

    let finished = false;
    const done = (): boolean => finished;
    const loops = [readLoop(check('analytics.busy'), done), readLoop(check('marts.busy_view'), done), readLoop(check('marts.busy_view_2'), done)];
    try {
      for (let i = 1; i <= REBUILDS; i++) {
        await db.query(`UPDATE raw.generation SET n = ${i}`);
        const res = await build(db, node);
        expect(res.plan.action).toBe('swap');
        expect(res.rows).toBe(BASE_ROWS + i);
      }
    } finally {
      finished = true;
    }
    const stats = await Promise.all(loops);
    for (const s of stats) {
      expect(s.problems).toEqual([]);
      // The loops really ran during the rebuilds.
      expect(s.queries).toBeGreaterThanOrEqual(REBUILDS);
    }
    expect(await rows(db, 'select count(*)::int as n, max(generation) as g from marts.busy_view_2')).toEqual([{ n: BASE_ROWS + REBUILDS, g: REBUILDS }]);
    expect(await leftovers(db)).toEqual([]);
  });
});
