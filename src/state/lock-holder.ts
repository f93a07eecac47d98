/**
 * "Who holds the run lock?", for the wait message and the LOCK error.
 *
 * The lock itself only tells us a backend pid. The lock session's application_name
 * (`strata run <runId>`, see lockSessionName) links that backend to its strata_meta.runs row,
 * which has what a user wants to read: run id, command, start time, OS pid and host. Without a
 * matching row (the holder has not called startRun yet, strata_meta does not exist, or the
 * holder is not strata at all) we fall back to what the server knows about the backend.
 */
import type { DbClient } from '../adapters/postgres/index.js';
import { lockSessionName } from './lock-key.js';
import { runLockSessions, type LockSession } from './lock-sessions.js';
import { runningRuns, type RunRecord } from './run-history.js';

export interface LockHolder {
  /** One line for humans: `run r-42 (strata build), started ..., pid 123 on host-a`. */
  description: string;
  /** The holder's strata_meta.runs row, when one matches the lock session. */
  run?: RunRecord;
  /** Backend pid and application_name of the session holding the lock (when still held). */
  backendPid?: number;
  applicationName?: string;
  /** Session start and client address of that backend (fallback details). */
  backendStart?: string;
  clientAddr?: string | null;
}

/** 'running' rows, or none when strata_meta.runs does not exist (first run on a target). */
async function runningRows(db: DbClient, project: string, target: string): Promise<RunRecord[]> {
  const exists = await db.query<{ present: boolean }>("SELECT to_regclass('strata_meta.runs') IS NOT NULL AS present");
  return exists.rows[0]?.present ? runningRuns(db, project, target) : [];
}

function describeRun(run: RunRecord): string {
  const where = [run.pid !== null ? `pid ${run.pid}` : undefined, run.host ? `on ${run.host}` : undefined].filter(Boolean).join(' ');
  return `run ${run.runId} (strata ${run.command}), started ${run.startedAt}${where ? `, ${where}` : ''}`;
}

function describeBackend(row: LockSession): string {
  const app = row.application_name ? `application_name "${row.application_name}"` : 'no application_name';
  const from = row.client_addr ? ` from ${row.client_addr}` : '';
  const since = row.backend_start ? `, connected since ${row.backend_start}` : '';
  return `database session pid ${row.pid} (${app}${from}${since})`;
}

/** Describes the current holder of the run lock of (project, target). */
export async function describeLockHolder(db: DbClient, project: string, target: string): Promise<LockHolder> {
  const backend = (await runLockSessions(db, project, target))[0];
  if (!backend) return { description: 'another session (it has just released the lock)' };
  const base: LockHolder = {
    description: describeBackend(backend),
    backendPid: backend.pid,
    ...(backend.application_name !== null ? { applicationName: backend.application_name } : {}),
    ...(backend.backend_start !== null ? { backendStart: backend.backend_start } : {}),
    clientAddr: backend.client_addr,
  };
  const runs = await runningRows(db, project, target);
  const run = runs.find((r) => lockSessionName(r.runId) === backend.application_name);
  return run ? { ...base, run, description: describeRun(run) } : base;
}
