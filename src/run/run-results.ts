/**
 * The outcome of each node of a run, and `target/run_results.json` (what `strata retry` reads).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorCode, SourceLocation } from '../errors/strata-error.js';
import type { ResourceType } from '../manifest/types.js';
import type { TestOutcome } from '../data-tests/types.js';
import type { TimingEntry } from './timing.js';

/**
 * success: built (or all tests passed); warn: only warn-severity tests failed; error: failed;
 * skipped: an ancestor failed (or --fail-fast stopped the run); up_to_date: fingerprint and
 * inputs unchanged since its last successful build, nothing ran.
 */
export type NodeStatus = 'success' | 'warn' | 'error' | 'skipped' | 'up_to_date';

export interface NodeResult {
  uniqueId: string;
  name: string;
  /** `operation`: a project hook (on-run-start / on-run-end) that failed, or was skipped by one. */
  resourceType: ResourceType | 'operation';
  status: NodeStatus;
  /** How it reads in the output: `view model qa.orders` (set on skipped nodes, which never start). */
  label?: string;
  /** Short description: `create view`, `swap`, `incremental:merge`, `copy`... */
  message: string;
  rows?: number;
  seconds: number;
  /** When the node started and finished (ISO 8601; not set on skipped nodes, which never start). */
  startedAt?: string;
  completedAt?: string;
  /** The intervals spent executing the node's own statements (see timing.ts). */
  timing?: TimingEntry[];
  /** Relation built, printed (`"marts"."orders"`). */
  relation?: string;
  /** target/run/<path>.sql, relative to the project root. */
  executedSqlPath?: string;
  error?: { code: ErrorCode; message: string; location?: SourceLocation; hint?: string; details?: string[] };
  /** Status `warn` of a model: what the user should know (the node was built). */
  warning?: { message: string; hint?: string };
  /** For skipped nodes: the failed ancestor. */
  skippedBecause?: string;
  /** A skipped test group: how many tests it holds (each counts in the summary, as when they run). */
  skippedTests?: number;
  /** For test groups and unit tests: one outcome per test. */
  tests?: TestOutcome[];
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

/** Counts per node, and per test for test groups (a group of 5 tests counts 5). */
export function summarizeResults(results: NodeResult[]): RunSummary {
  const s: RunSummary = { pass: 0, warn: 0, error: 0, skip: 0, upToDate: 0, total: 0 };
  for (const r of results) {
    if (r.status === 'skipped' && r.skippedTests) {
      s.total += r.skippedTests;
      s.skip += r.skippedTests;
      continue;
    }
    if (r.tests && r.status !== 'skipped') {
      for (const t of r.tests) {
        s.total++;
        if (t.status === 'pass') s.pass++;
        else if (t.status === 'warn') s.warn++;
        else s.error++;
      }
      continue;
    }
    s.total++;
    if (r.status === 'success') s.pass++;
    else if (r.status === 'warn') s.warn++;
    else if (r.status === 'error') s.error++;
    else if (r.status === 'skipped') s.skip++;
    else s.upToDate++;
  }
  return s;
}
