/**
 * One run at a time per project and target, across processes and machines: a session-level
 * PostgreSQL advisory lock in the target database (key: lock-key.ts runLockKey).
 *
 * Why an advisory lock and not a row in strata_meta.runs: the server releases it by itself when
 * the holder's connection ends (crash, kill -9, lost network), so a dead run can never block
 * the next one, and no "stale lock" cleanup is needed.
 *
 * The lock lives on a DEDICATED session, checked out of the pool for the whole run. The adapter
 * has no "keep a session" call, so the session is the body of a `db.withClient` callback that
 * stays suspended on a promise until release() resolves it. Consequence: the lock occupies one
 * pool connection for the run. While held, the session's application_name is
 * `strata run <runId>` (lockSessionName), which links it to its strata_meta.runs row.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StrataError } from '../errors/strata-error.js';
import type { Database, SessionClient } from '../adapters/postgres/index.js';
import { lockSessionName, runLockKey, type AdvisoryKey } from './lock-key.js';
import { describeLockHolder, type LockHolder } from './lock-holder.js';

export type { LockHolder } from './lock-holder.js';

export interface RunLockOptions {
  project: string;
  target: string;
  runId: string;
  command: string;
  /** Give up after this long (0: try once). */
  timeoutMs: number;
  /** Delay between attempts; default 250 ms. */
  pollMs?: number;
  /** Called once, when the first attempt finds the lock taken. */
  onWait?: (holder: LockHolder) => void;
  /** Stops waiting (the acquire rejects with the signal's reason): the run will not happen after all. */
  signal?: AbortSignal;
}

export interface RunLock {
  /** Releases the lock and returns the session to the pool. Idempotent; never throws. */
  release(): Promise<void>;
  /** Is the lock still held? False when the lock session died (server restart, terminated). */
  held(): Promise<boolean>;
  /** Backend pid of the lock session. */
  readonly backendPid: number | undefined;
}

/** Acquires the run lock of (project, target), waiting up to timeoutMs; LOCK error on timeout. */
export function acquireRunLock(db: Database, opts: RunLockOptions): Promise<RunLock> {
  const key = runLockKey(opts.project, opts.target);
  let releaseSession!: () => void;
  const releaseRequested = new Promise<void>((resolve) => (releaseSession = resolve));

  return new Promise<RunLock>((resolve, reject) => {
    let acquired = false;
    const session = db.withClient(async (client) => {
      await waitForLock(client, key, opts);
      acquired = true;
      resolve(lockHandle(client, key, releaseSession, () => ended));
      await releaseRequested;
      // If the session died these throw; withClient then destroys the connection, and the
      // server has already dropped the lock with the session.
      await client.query('SELECT pg_advisory_unlock($1, $2)', [key.classid, key.objid]);
      await client.query('RESET application_name');
    });
    // Errors before acquisition (timeout, connection) reject the acquire; errors after it
    // belong to release, which must not throw.
    const ended: Promise<void> = session.then(
      () => undefined,
      (err: unknown) => {
        if (!acquired) reject(err);
      },
    );
  });
}

function lockHandle(client: SessionClient, key: AdvisoryKey, requestRelease: () => void, ended: () => Promise<void>): RunLock {
  let releasing: Promise<void> | undefined;
  return {
    backendPid: client.backendPid,
    release() {
      if (!releasing) {
        requestRelease();
        releasing = ended();
      }
      return releasing;
    },
    async held() {
      if (releasing) return false;
      try {
        const res = await client.query<{ held: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2
             AND pid = pg_backend_pid() AND classid = $1::oid AND objid = $2::oid) AS held`,
          [String(key.classidOid), String(key.objidOid)],
        );
        return res.rows[0]?.held === true;
      } catch {
        return false;
      }
    },
  };
}

/** Polls pg_try_advisory_lock on the session until it succeeds or the timeout passes. */
async function waitForLock(client: SessionClient, key: AdvisoryKey, opts: RunLockOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + Math.max(0, opts.timeoutMs);
  const pollMs = Math.max(1, opts.pollMs ?? 250);
  let notified = false;
  for (;;) {
    opts.signal?.throwIfAborted();
    // Taking the lock names the session after the run in the same round trip (the subquery is not
    // flattened: its function is volatile, so it runs once, before the CASE reads its result).
    const res = await client.query<{ ok: boolean }>(
      `SELECT ok, CASE WHEN ok THEN set_config('application_name', $3, false) END AS name
         FROM (SELECT pg_try_advisory_lock($1, $2) AS ok) attempt`,
      [key.classid, key.objid, lockSessionName(opts.runId)],
    );
    if (res.rows[0]?.ok === true) return;
    if (!notified && opts.onWait) {
      notified = true;
      opts.onWait(await safeDescribe(client, opts));
    }
    const left = deadline - Date.now();
    if (left <= 0) throw await lockTimeout(client, opts, Date.now() - started);
    // An abort ends the sleep with an AbortError; the caller is given the signal's reason.
    await sleep(Math.min(pollMs, left), undefined, opts.signal ? { signal: opts.signal } : {}).catch((e: unknown) => {
      opts.signal?.throwIfAborted();
      throw e;
    });
  }
}

/**
 * The holder lookup is a courtesy: if it fails (say, pg_stat_activity is restricted) we still
 * wait, and still raise LOCK rather than an unrelated database error. Outside a transaction a
 * failed statement leaves the session usable.
 */
async function safeDescribe(client: SessionClient, opts: RunLockOptions): Promise<LockHolder> {
  try {
    return await describeLockHolder(client, opts.project, opts.target);
  } catch {
    return { description: 'another session' };
  }
}

async function lockTimeout(client: SessionClient, opts: RunLockOptions, waitedMs: number): Promise<StrataError> {
  const holder = await safeDescribe(client, opts);
  const waited = waitedMs >= 1000 ? `${(waitedMs / 1000).toFixed(1)}s` : `${waitedMs}ms`;
  return new StrataError(
    'LOCK',
    `cannot start ${opts.command}: project "${opts.project}", target "${opts.target}" is locked by ${holder.description} (waited ${waited})`,
    { hint: 'wait for it to finish, or raise --lock-timeout' },
  );
}
