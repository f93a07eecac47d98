import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(() => {
  db = createPool(testDb.target({ threads: 2 }));
});
afterAll(async () => {
  await db.close();
});

describe('connection pool', () => {
  it('runs queries with parameters and reports fields', async () => {
    const res = await db.query<{ a: number; b: string }>('SELECT $1::int AS a, $2::text AS b', [41, 'x']);
    expect(res.rows).toEqual([{ a: 41, b: 'x' }]);
    expect(res.rowCount).toBe(1);
    expect(res.command).toBe('SELECT');
    expect(res.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(res.fields[0]?.dataTypeID).toBe(23);
  });

  it('identifies itself as application_name=strata', async () => {
    const res = await db.query<{ app: string }>("SELECT current_setting('application_name') AS app");
    expect(res.rows[0]?.app).toBe('strata');
  });

  it('returns the last result of a multi-statement query', async () => {
    const res = await db.query<{ n: number }>('CREATE TEMP TABLE IF NOT EXISTS m(x int); SELECT 7 AS n');
    expect(res.rows).toEqual([{ n: 7 }]);
  });

  it('keeps int8 exact and date/time values as the server wrote them', async () => {
    const res = await db.query<Record<string, unknown>>(
      `SELECT count(*) AS c, 9007199254740993::int8 AS big, DATE '2024-02-29' AS d,
              TIMESTAMP '2024-01-02 03:04:05.123' AS ts, ARRAY[DATE '2024-01-01', NULL] AS ds,
              ARRAY[1, 9007199254740993]::int8[] AS bigs, 1.10::numeric AS num,
              INTERVAL '1 day 2 hours' AS iv, TIME '10:11:12' AS t`,
    );
    expect(res.rows[0]).toEqual({
      c: 1,
      big: '9007199254740993',
      d: '2024-02-29',
      ts: '2024-01-02 03:04:05.123',
      ds: ['2024-01-01', null],
      bigs: [1, '9007199254740993'],
      num: '1.10',
      iv: '1 day 02:00:00',
      t: '10:11:12',
    });
  });

  it('commits and rolls back transactions', async () => {
    await db.query('CREATE TABLE tx_test (id int)');
    await db.withTransaction(async (c) => {
      await c.query('INSERT INTO tx_test VALUES (1)');
    });
    await expect(
      db.withTransaction(async (c) => {
        await c.query('INSERT INTO tx_test VALUES (2)');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const res = await db.query<{ id: number }>('SELECT id FROM tx_test ORDER BY id');
    expect(res.rows).toEqual([{ id: 1 }]);
  });

  it('exposes the backend pid and cancels a running statement', async () => {
    await db.withClient(async (c) => {
      const pid = c.backendPid;
      expect(typeof pid).toBe('number');
      // Capture the outcome right away so the rejection is never "unhandled" while we wait.
      const running = c.query('SELECT pg_sleep(30)').then(
        () => undefined,
        (e: unknown) => e,
      );
      // Wait until the statement is actually running, then cancel it from outside.
      for (let i = 0; i < 50; i++) {
        const st = await db.query<{ state: string }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (st.rows[0]?.state === 'active') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(await db.cancel(pid!)).toBe(true);
      expect(await running).toMatchObject({ code: 'DB', sqlState: '57014' });
    });
  });

  it('survives an idle connection being terminated by the server', async () => {
    const errors: string[] = [];
    const pool = createPool(testDb.target({ threads: 1 }), { onIdleError: (e) => errors.push(e.code) });
    try {
      const pid = await pool.withClient(async (c) => c.backendPid);
      // The client is idle in the pool now; kill it from another session.
      await db.query('SELECT pg_terminate_backend($1)', [pid]);
      for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      // The pool replaces the dead client transparently.
      const res = await pool.query<{ one: number }>('SELECT 1 AS one');
      expect(res.rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.close();
    }
  });

  it('survives a checked-out connection being terminated between statements', async () => {
    const pool = createPool(testDb.target({ threads: 1 }));
    try {
      await expect(
        pool.withClient(async (c) => {
          await db.query('SELECT pg_terminate_backend($1)', [c.backendPid]);
          await new Promise((r) => setTimeout(r, 100));
          await c.query('SELECT 1');
        }),
      ).rejects.toMatchObject({ code: expect.stringMatching(/^(CONNECTION|DB)$/) });
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.close();
    }
  });

  it('streams COPY in and out', async () => {
    await db.query('CREATE TABLE copy_test (id int, name text)');
    const copied = await db.withClient((c) =>
      c.copyFrom('COPY copy_test (id, name) FROM STDIN WITH (FORMAT csv)', ['1,alpha\n', '2,"b,eta"\n']),
    );
    expect(copied).toBe(2);
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const out = await db.withClient((c) => c.copyTo('COPY (SELECT * FROM copy_test ORDER BY id) TO STDOUT WITH (FORMAT csv)', sink));
    expect(out).toBe(2);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('1,alpha\n2,"b,eta"\n');
    await expect(
      db.withClient((c) => c.copyFrom('COPY copy_test (id, name) FROM STDIN WITH (FORMAT csv)', Readable.from(['x,y\n']))),
    ).rejects.toMatchObject({ code: 'DB', sqlState: '22P02' });
  });

  it('rejects queries after close', async () => {
    const pool = createPool(testDb.target());
    await pool.close();
    await pool.close();
    await expect(pool.query('SELECT 1')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
