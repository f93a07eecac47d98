/**
 * strata_meta.runs: one row per run (run, build, seed, ...) of a project against a target.
 *
 * Order in a command: ensureMetaSchema → acquireRunLock → markInterrupted → startRun → ... →
 * finishRun → lock.release(). A process that dies leaves its row at 'running'; the next run
 * that takes the lock flips it to 'interrupted' (markInterrupted), so 'running' rows are never
 * trusted blindly: a row is really running only while its lock session exists.
 */
import { hostname } from 'node:os';
import type { DbClient } from '../adapters/postgres/index.js';
import { STRATA_VERSION } from '../compile/parse-project.js';
import { lockSessionName } from './lock-key.js';
import { runLockSessions } from './lock-sessions.js';

export type RunStatus = 'running' | 'success' | 'error' | 'interrupted';

export interface RunInfo {
  runId: string;
  project: string;
  target: string;
  /** The CLI command (`run`, `build`, `seed`, ...). */
  command: string;
  /** The command's arguments as given (selection, flags), for "what did that run do". */
  args: unknown;
  /** Defaults to this strata's version. */
  strataVersion?: string;
  /** When the run started (the templates' `run_started_at`); default: the server's now(). */
  startedAt?: Date;
}

export interface RunRecord {
  runId: string;
  project: string;
  target: string;
  command: string;
  args: unknown;
  /** timestamptz as the server printed it (the adapter keeps date/time values as text). */
  startedAt: string;
  finishedAt: string | null;
  status: RunStatus;
  pid: number | null;
  host: string | null;
  strataVersion: string | null;
}

interface RunRow {
  run_id: string;
  project: string;
  target: string;
  command: string;
  args: unknown;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  pid: number | null;
  host: string | null;
  strata_version: string | null;
}

const RUN_COLUMNS = 'run_id, project, target, command, args, started_at, finished_at, status, pid, host, strata_version';

function toRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    project: row.project,
    target: row.target,
    command: row.command,
    args: row.args,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    status: row.status,
    pid: row.pid,
    host: row.host,
    strataVersion: row.strata_version,
  };
}

/** Records the start of a run (status 'running', this process's pid and host name). */
export async function startRun(db: DbClient, info: RunInfo): Promise<void> {
  await db.query(
    `INSERT INTO strata_meta.runs (run_id, project, target, command, args, status, pid, host, strata_version, started_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, 'running', $6, $7, $8, coalesce($9::timestamptz, now()))`,
    [
      info.runId,
      info.project,
      info.target,
      info.command,
      // JSON text, not the value: pg would send a JS array as a PostgreSQL array literal.
      JSON.stringify(info.args ?? null),
      process.pid,
      hostname(),
      info.strataVersion ?? STRATA_VERSION,
      info.startedAt?.toISOString() ?? null,
    ],
  );
}

/** Records the end of a run. Returns false when no such run exists. */
export async function finishRun(db: DbClient, runId: string, status: Exclude<RunStatus, 'running'>): Promise<boolean> {
  const res = await db.query('UPDATE strata_meta.runs SET status = $2, finished_at = now() WHERE run_id = $1', [runId, status]);
  return res.rowCount > 0;
}

/** The most recently started run of a project and target (any status), if any. */
export async function lastRun(db: DbClient, project: string, target: string): Promise<RunRecord | undefined> {
  const res = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM strata_meta.runs
     WHERE project = $1 AND target = $2 ORDER BY started_at DESC, run_id DESC LIMIT 1`,
    [project, target],
  );
  const row = res.rows[0];
  return row ? toRecord(row) : undefined;
}

/** Runs of a project and target still marked 'running', newest first. */
export async function runningRuns(db: DbClient, project: string, target: string): Promise<RunRecord[]> {
  const res = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM strata_meta.runs
     WHERE project = $1 AND target = $2 AND status = 'running' ORDER BY started_at DESC, run_id DESC`,
    [project, target],
  );
  return res.rows.map(toRecord);
}

/**
 * Flips 'running' rows of (project, target) whose lock session is gone to 'interrupted' and
 * returns their run ids. Call it right after acquiring the run lock: then no other live run of
 * this project and target can exist, and only a session named after a row's run (ours, if
 * startRun already happened) keeps that row 'running'.
 */
export async function markInterrupted(db: DbClient, project: string, target: string): Promise<string[]> {
  // Rows first, holders second: a run that starts in between (only possible when the caller
  // does not hold the lock) is then absent from `rows` rather than wrongly judged orphaned.
  const rows = await runningRuns(db, project, target);
  if (rows.length === 0) return [];
  const holders = new Set((await runLockSessions(db, project, target)).map((s) => s.application_name));
  const orphaned = rows.filter((r) => !holders.has(lockSessionName(r.runId))).map((r) => r.runId);
  if (orphaned.length === 0) return [];
  await db.query(
    `UPDATE strata_meta.runs SET status = 'interrupted', finished_at = coalesce(finished_at, now())
     WHERE run_id = ANY($1::text[]) AND status = 'running'`,
    [orphaned],
  );
  return orphaned;
}
