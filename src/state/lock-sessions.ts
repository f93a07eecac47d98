/**
 * The sessions holding a run lock, read from pg_locks. Shared by markInterrupted (which 'running'
 * rows have no live holder?) and describeLockHolder (who is blocking us?).
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { runLockKey } from './lock-key.js';

export interface LockSession {
  pid: number;
  application_name: string | null;
  backend_start: string | null;
  client_addr: string | null;
}

/**
 * Backends of this database holding the run lock of (project, target): normally zero or one.
 * pg_locks shows advisory locks of every database and the two-int4 form with objsubid = 2 and
 * the keys as unsigned oids, hence the filters and the String(...)::oid parameters.
 */
export async function runLockSessions(db: DbClient, project: string, target: string): Promise<LockSession[]> {
  const key = runLockKey(project, target);
  const res = await db.query<LockSession>(
    `SELECT l.pid, a.application_name, a.backend_start, a.client_addr::text AS client_addr
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND l.classid = $1::oid AND l.objid = $2::oid`,
    [String(key.classidOid), String(key.objidOid)],
  );
  return res.rows;
}
