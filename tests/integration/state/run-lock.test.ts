import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { ensureMetaSchema } from '../../../src/state/meta-schema.js';
import { startRun } from '../../../src/state/run-history.js';
import { acquireRunLock, type LockHolder, type RunLock } from '../../../src/state/run-lock.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
// Two pools: two strata processes working on the same target.
let a: Database;
let b: Database;

beforeAll(async () => {
  a = createPool(testDb.target({ threads: 2 }));
  b = createPool(testDb.target({ threads: 2 }));
  await ensureMetaSchema(a);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const opts = (runId: string, extra: Partial<Parameters<typeof acquireRunLock>[1]> = {}) => ({
  project: 'shop', target: 'dev', runId, command: 'build', timeoutMs: 0, pollMs: 20, ...extra,
});

async function holders(): Promise<Array<{ pid: number; app: string }>> {
  const res = await a.query<{ pid: number; app: string }>(
    `SELECT l.pid, a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a USING (pid)
     WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return res.rows;
}

describe('run lock', () => {
  it('acquires and releases (idempotently) on a dedicated, named session', async () => {
    const lock = await acquireRunLock(a, opts('r-1'));
    expect(lock.backendPid).toEqual(expect.any(Number));
    expect(await holders()).toEqual([{ pid: lock.backendPid, app: 'strata run r-1' }]);
    expect(await lock.held()).toBe(true);
    await Promise.all([lock.release(), lock.release()]);
    await lock.release();
    expect(await holders()).toEqual([]);
    expect(await lock.held()).toBe(false);
    // The pooled connection went back with its usual name.
    const names = await a.withClient(async (c) => (await c.query<{ n: string }>("SELECT current_setting('application_name') AS n")).rows[0]?.n);
    expect(names).toBe('strata');
    await (await acquireRunLock(b, opts('r-2'))).release();
  });

  it('stops waiting when its signal aborts, leaving the lock to its holder', async () => {
    const first = await acquireRunLock(a, opts('r-held'));
    const stop = new AbortController();
    const waiting = acquireRunLock(b, opts('r-abandoned', { timeoutMs: 30_000, signal: stop.signal }));
    await new Promise((r) => setTimeout(r, 50));
    stop.abort(new Error('no run after all'));
    await expect(waiting).rejects.toThrow('no run after all');
    expect((await holders()).map((h) => h.app)).toEqual(['strata run r-held']);
    await first.release();
  });

  it('lets a second acquirer wait and take the lock after release', async () => {
    const first = await acquireRunLock(a, opts('r-first'));
    await startRun(a, { runId: 'r-first', project: 'shop', target: 'dev', command: 'build', args: [] });
    const waits: LockHolder[] = [];
    let second: RunLock | undefined;
    const pending = acquireRunLock(b, opts('r-second', { timeoutMs: 30_000, onWait: (h) => waits.push(h) })).then((l) => (second = l));
    for (let i = 0; i < 200 && waits.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(waits).toHaveLength(1);
    expect(waits[0]?.run?.runId).toBe('r-first');
    expect(waits[0]?.description).toContain('run r-first (strata build)');
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBeUndefined();
    await first.release();
    await pending;
    expect(waits).toHaveLength(1);
    expect(await second!.held()).toBe(true);
    await second!.release();
    await a.query("UPDATE strata_meta.runs SET status = 'success' WHERE run_id = 'r-first'");
  });

  it('times out with a LOCK error naming the holder run', async () => {
    const holder = await acquireRunLock(a, opts('r-holder', { command: 'run' }));
    await startRun(a, { runId: 'r-holder', project: 'shop', target: 'dev', command: 'run', args: [] });
    try {
      const started = Date.now();
      const err = await acquireRunLock(b, opts('r-late', { timeoutMs: 300 })).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(err).toMatchObject({ code: 'LOCK', hint: 'wait for it to finish, or raise --lock-timeout' });
      const message = (err as Error).message;
      expect(message).toContain('run r-holder (strata run)');
      expect(message).toContain(`pid ${process.pid}`);
      expect(message).toMatch(/started \d{4}-\d\d-\d\d/);
    } finally {
      await holder.release();
      await a.query("UPDATE strata_meta.runs SET status = 'success' WHERE run_id = 'r-holder'");
    }
    // The failed acquirer left nothing behind.
    expect(await holders()).toEqual([]);
  });

  it('falls back to the backend when the holder has no run row', async () => {
    const holder = await acquireRunLock(a, opts('r-norow'));
    try {
      const err = await acquireRunLock(b, opts('r-late2')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'LOCK' });
      expect((err as Error).message).toContain(`database session pid ${holder.backendPid} (application_name "strata run r-norow"`);
    } finally {
      await holder.release();
    }
  });

  it('does not block across targets or projects', async () => {
    const dev = await acquireRunLock(a, opts('r-dev'));
    const prod = await acquireRunLock(b, opts('r-prod', { target: 'prod' }));
    const other = await acquireRunLock(b, opts('r-other', { project: 'other' }));
    expect((await holders()).length).toBe(3);
    await Promise.all([dev.release(), prod.release(), other.release()]);
  });

  it('releases without throwing after the lock session died', async () => {
    const lock = await acquireRunLock(a, opts('r-dies'));
    await b.query('SELECT pg_terminate_backend($1)', [lock.backendPid]);
    for (let i = 0; i < 100 && (await holders()).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await lock.held()).toBe(false);
    await expect(lock.release()).resolves.toBeUndefined();
    await lock.release();
    // The lock went with the session; the pool replaced the dead connection.
    await (await acquireRunLock(a, opts('r-after'))).release();
    expect((await a.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('reports connection failures as errors of the acquire', async () => {
    const closed = createPool(testDb.target());
    await closed.close();
    await expect(acquireRunLock(closed, opts('r-closed'))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
