/**
 * The database side of a run's start: open the target, take the project's run lock, bring
 * strata_meta up to date. None of it needs the compiled project (only the target, the project's
 * name and the thread count), so the API starts it before compiling (src/api/run.ts): the server
 * forks and authenticates the run's connections while this thread compiles, instead of after.
 *
 * The connections the start-up reads use side by side (the lock session, the catalog snapshot,
 * node states, run history) are opened at once rather than one by one as each read finds the pool
 * busy: each is a round trip, a server process and an authentication.
 */
import { randomUUID } from 'node:crypto';
import { openTarget, type OpenedTarget, type TargetConfig } from '../adapters/postgres/index.js';
import { ensureMetaSchema } from '../state/meta-schema.js';
import { acquireRunLock, type RunLock } from '../state/run-lock.js';

export interface RunSessionRequest {
  projectDir: string;
  target: TargetConfig;
  /** The project's name and the target's, which key the run lock. */
  project: string;
  targetName: string;
  command: string;
  threads: number;
  lockTimeoutMs: number;
  onWaitForLock?: (holder: string) => void;
}

export interface RunSession {
  opened: OpenedTarget;
  lock: RunLock;
  runId: string;
  /** strata_meta checked (created or upgraded if need be): awaited before reading or writing state. */
  meta: Promise<void>;
}

export interface StartedRunSession {
  /** The target open and the run lock held; rejects (having closed what it opened) otherwise. */
  readonly ready: Promise<RunSession>;
  /**
   * For a run that will not happen (its project did not compile): stops waiting for the lock,
   * then unlocks and closes. Never throws. The caller need not wait for it to report why the run
   * did not happen (a connection attempt to an unreachable host runs to its timeout first).
   */
  abandon(): Promise<void>;
}

/** Connections the start-up reads use at once: the lock session plus three reads. */
const START_UP_CONNECTIONS = 4;

export function startRunSession(req: RunSessionRequest): StartedRunSession {
  const runId = randomUUID();
  const abandoned = new AbortController();
  // One connection per thread, plus the run-lock session and one for bookkeeping queries.
  const max = req.threads + 2;
  const ready = (async (): Promise<RunSession> => {
    const opened = await openTarget(req.projectDir, req.target, { max, connections: Math.min(max, START_UP_CONNECTIONS) });
    if (abandoned.signal.aborted) {
      await opened.close().catch(() => undefined);
      throw abandoned.signal.reason;
    }
    // The run lock is an advisory lock on a session of its own: it does not need strata_meta (a
    // holder to wait for has created it), so the two are set up side by side, and what needs only
    // the lock (the catalog snapshot) need not wait for strata_meta.
    const meta = ensureMetaSchema(opened.db);
    meta.catch(() => undefined); // awaited by the run; never an unhandled rejection meanwhile
    try {
      const lock = await acquireRunLock(opened.db, {
        project: req.project, target: req.targetName, runId, command: req.command, timeoutMs: req.lockTimeoutMs, signal: abandoned.signal,
        onWait: (holder: unknown) => req.onWaitForLock?.(String((holder as { description?: string })?.description ?? holder)),
      });
      return { opened, lock, runId, meta };
    } catch (e) {
      await meta.catch(() => undefined);
      await opened.close().catch(() => undefined);
      throw e;
    }
  })();
  ready.catch(() => undefined); // the run awaits it; abandon() ignores its failure
  return {
    ready,
    abandon: async () => {
      abandoned.abort(new Error('run abandoned'));
      const session = await ready.catch(() => undefined);
      if (!session) return;
      await session.meta.catch(() => undefined);
      await session.lock.release();
      await session.opened.close().catch(() => undefined);
    },
  };
}
