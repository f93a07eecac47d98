import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { ensureMetaSchema } from '../../../src/state/meta-schema.js';
import { finishRun, lastRun, markInterrupted, startRun } from '../../../src/state/run-history.js';
import { acquireRunLock } from '../../../src/state/run-lock.js';
import { useTestDatabase } from '../../setup/test-database.js';

const testDb = useTestDatabase();
let db: Database;

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  await ensureMetaSchema(db);
});
afterAll(async () => {
  await db.close();
});

async function statusOf(runId: string): Promise<string | undefined> {
  const res = await db.query<{ status: string }>('SELECT status FROM strata_meta.runs WHERE run_id = $1', [runId]);
  return res.rows[0]?.status;
}

describe('run history', () => {
  it('records a run from start to finish', async () => {
    expect(await lastRun(db, 'shop', 'dev')).toBeUndefined();
    await startRun(db, { runId: 'r1', project: 'shop', target: 'dev', command: 'build', args: ['-s', 'orders+'] });
    const running = await lastRun(db, 'shop', 'dev');
    expect(running).toMatchObject({
      runId: 'r1', project: 'shop', target: 'dev', command: 'build', args: ['-s', 'orders+'],
      status: 'running', finishedAt: null, pid: process.pid, host: hostname(), strataVersion: expect.any(String),
    });
    expect(typeof running?.startedAt).toBe('string');
    expect(await finishRun(db, 'r1', 'success')).toBe(true);
    const done = await lastRun(db, 'shop', 'dev');
    expect(done).toMatchObject({ status: 'success', finishedAt: expect.any(String) });
    expect(await finishRun(db, 'no-such-run', 'error')).toBe(false);
  });

  it('returns the latest run of that project and target only', async () => {
    await startRun(db, { runId: 'r2', project: 'shop', target: 'prod', command: 'run', args: {} });
    await startRun(db, { runId: 'r3', project: 'shop', target: 'dev', command: 'seed', args: { fullRefresh: true } });
    expect((await lastRun(db, 'shop', 'dev'))?.runId).toBe('r3');
    expect((await lastRun(db, 'shop', 'prod'))?.runId).toBe('r2');
    expect(await lastRun(db, 'other', 'dev')).toBeUndefined();
    await finishRun(db, 'r2', 'error');
    await finishRun(db, 'r3', 'success');
  });

  it('flips running rows without a live lock session to interrupted, keeping live ones', async () => {
    // A run that crashed: its row stays 'running', its lock died with its connection.
    await startRun(db, { runId: 'crashed', project: 'shop', target: 'dev', command: 'run', args: [] });
    // A live run of another target holds its own lock: must not be touched.
    const other = await acquireRunLock(db, { project: 'shop', target: 'prod', runId: 'live-prod', command: 'run', timeoutMs: 0 });
    await startRun(db, { runId: 'live-prod', project: 'shop', target: 'prod', command: 'run', args: [] });

    const lock = await acquireRunLock(db, { project: 'shop', target: 'dev', runId: 'r4', command: 'build', timeoutMs: 0 });
    try {
      // Our own row already started: our lock session keeps it alive.
      await startRun(db, { runId: 'r4', project: 'shop', target: 'dev', command: 'build', args: [] });
      expect(await markInterrupted(db, 'shop', 'dev')).toEqual(['crashed']);
      expect(await statusOf('crashed')).toBe('interrupted');
      expect(await statusOf('r4')).toBe('running');
      expect(await markInterrupted(db, 'shop', 'prod')).toEqual([]);
      expect(await statusOf('live-prod')).toBe('running');
      expect(await markInterrupted(db, 'shop', 'dev')).toEqual([]);
      await finishRun(db, 'r4', 'success');
    } finally {
      await lock.release();
      await other.release();
    }
    // Now live-prod's lock session is gone: it counts as interrupted.
    expect(await markInterrupted(db, 'shop', 'prod')).toEqual(['live-prod']);
    const row = await db.query<{ finished: boolean }>("SELECT finished_at IS NOT NULL AS finished FROM strata_meta.runs WHERE run_id = 'crashed'");
    expect(row.rows[0]?.finished).toBe(true);
  });
});
