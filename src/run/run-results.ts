/**
 * The outcome of each node of a run, and `target/run_results.json` (what `strata retry` reads).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorCode, SourceLocation } from '../errors/strata-error.js';
import type { ResourceType } from '../manifest/types.js';

/**
 * success: built; error: failed; skipped: an ancestor failed (or --fail-fast stopped the run);
 * up_to_date: fingerprint and inputs unchanged since its last successful build, nothing ran.
 */
export type NodeStatus = 'success' | 'error' | 'skipped' | 'up_to_date';

export interface NodeResult {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  status: NodeStatus;
  /** Short description: `create view`, `swap`, `incremental:merge`, `loaded 3 rows`... */
  message: string;
  rows?: number;
  seconds: number;
  /** Relation built, printed (`"marts"."orders"`). */
  relation?: string;
  /** target/run/<path>.sql, relative to the project root. */
  executedSqlPath?: string;
  error?: { code: ErrorCode; message: string; location?: SourceLocation; hint?: string; details?: string[] };
  /** For skipped nodes: the failed ancestor. */
  skippedBecause?: string;
}

export interface RunResults {
  metadata: { strataVersion: string; invocationId: string; command: string; startedAt: string; finishedAt: string; target: string };
  args: Record<string, unknown>;
  results: NodeResult[];
  elapsedSeconds: number;
}

export function writeRunResults(targetDir: string, results: RunResults): string {
  mkdirSync(targetDir, { recursive: true });
  const path = join(targetDir, 'run_results.json');
  writeFileSync(path, JSON.stringify(results, null, 2));
  return path;
}

export function readRunResults(targetDir: string): RunResults | undefined {
  try {
    return JSON.parse(readFileSync(join(targetDir, 'run_results.json'), 'utf8')) as RunResults;
  } catch {
    return undefined;
  }
}

export interface RunSummary {
  pass: number;
  warn: number;
  error: number;
  skip: number;
  upToDate: number;
  total: number;
}

export function summarizeResults(results: NodeResult[]): RunSummary {
  const s: RunSummary = { pass: 0, warn: 0, error: 0, skip: 0, upToDate: 0, total: results.length };
  for (const r of results) {
    if (r.status === 'success') s.pass++;
    else if (r.status === 'error') s.error++;
    else if (r.status === 'skipped') s.skip++;
    else s.upToDate++;
  }
  return s;
}
