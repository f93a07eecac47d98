/**
 * Plans and runs the fused scans of a test group: per relation one statement for its row checks
 * and its distinct checks (fusable.ts, distinct-keys.ts, scan-sql.ts), written to
 * target/run/data_tests/<node id>.sql.
 *
 * A scan settles what it can: exact counts (capped by the test's `limit`, as dbt caps the
 * failing rows) and zero checks that came out 0. A non-zero zero check, or any check of a scan
 * that failed (a bad `where`, a type without an ordering), is left for the test's own query, so
 * every error is reported on its own test and file. A scan holding both kinds that fails is
 * first retried as two scans, one per kind, so one bad check does not send every test of the
 * model to its own query.
 */
import { join, relative } from 'node:path';
import type { DbClient } from '../adapters/postgres/index.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { writeRunFile } from '../run/executed-sql.js';
import { distinctExpr, relationColumns } from './distinct-keys.js';
import { attachedRelation, fusedCheck, type DistinctCheck, type RowCheck } from './fusable.js';
import type { PreparedTest } from './prepare.js';
import { fusedAlias, fusedScanSql, workMemSql, type DistinctColumn } from './scan-sql.js';
import { largestMemorySize } from './scan-work-mem.js';

export interface FusedScan {
  relation: string;
  attachedNode: string;
  /** Its values are t0, t1, ... in this order: row checks, then distinct checks. */
  rows: RowCheck[];
  distinct: DistinctColumn[];
}

export type Count = { failures: number } | { error: unknown };

/**
 * Row checks alone pay off from two on (one test alone costs the same as its own query). Next
 * to distinct checks one is enough: it rides a parallel scan that runs while the keys are
 * sorted. Distinct checks pay off even alone: a sort of keys beat GROUP BY's hash aggregate in
 * every measurement (README.md).
 */
const MIN_ROW_CHECKS_ALONE = 2;

interface RelationPlan {
  relation: string;
  attachedNode: string;
  rows: RowCheck[];
  distinct: DistinctCheck[];
}

/** The relation a test reads: its attached relation, or the new rows it is limited to (new-rows-scope.ts). */
export type RelationOf = (test: TestNode) => string | undefined;

function byRelation(manifest: Manifest, nodes: readonly TestNode[], relationOf: RelationOf): RelationPlan[] {
  const plans = new Map<string, RelationPlan>();
  for (const node of nodes) {
    const relation = relationOf(node);
    const check = relation && fusedCheck(manifest, node, relation);
    if (!check || !relation || !node.attachedNode) continue;
    const plan = plans.get(relation) ?? { relation, attachedNode: node.attachedNode, rows: [], distinct: [] };
    if (check.scan === 'rows') plan.rows.push(check);
    else plan.distinct.push(check);
    plans.set(relation, plan);
  }
  return [...plans.values()];
}

/** Whether a scan is worth running for these checks. */
function worthIt(rows: number, distinct: number): boolean {
  return distinct > 0 || rows >= MIN_ROW_CHECKS_ALONE;
}

/** The scans for `nodes`; reads the catalog (one query per relation) only for distinct checks. */
export async function planScans(
  client: DbClient, manifest: Manifest, nodes: readonly TestNode[], relationOf: RelationOf = (t) => attachedRelation(manifest, t),
): Promise<FusedScan[]> {
  const scans: FusedScan[] = [];
  for (const plan of byRelation(manifest, nodes, relationOf)) {
    const distinct: DistinctColumn[] = [];
    if (plan.distinct.length) {
      const columns = await relationColumns(client, plan.relation);
      for (const d of plan.distinct) {
        const expr = distinctExpr(d, columns);
        if (expr) distinct.push({ testId: d.testId, expr });
      }
    }
    if (worthIt(plan.rows.length, distinct.length)) scans.push({ relation: plan.relation, attachedNode: plan.attachedNode, rows: plan.rows, distinct });
  }
  return scans;
}

/** Where the scans of a node are written, relative to the project root. */
export function scanFilePath(projectDir: string, targetDir: string, attachedNode: string): string {
  return relative(projectDir, join(targetDir, 'run', 'data_tests', `${attachedNode}.sql`)).split('\\').join('/');
}

/** The test ids of a scan, in the order of its values. */
export function scanTestIds(scan: Pick<FusedScan, 'rows' | 'distinct'>): string[] {
  return [...scan.rows.map((r) => r.testId), ...scan.distinct.map((d) => d.testId)];
}

function settle(kind: RowCheck['kind'], value: number, test: PreparedTest): Count | undefined {
  if (kind === 'exact') return { failures: test.limit === undefined ? value : Math.min(value, test.limit) };
  return value === 0 ? { failures: 0 } : undefined;
}

const plural = (n: number): string => `${n} test${n === 1 ? '' : 's'}`;

/** A scan as it runs: its statement, and the two scans to try instead when it fails. */
interface ScanRun {
  scan: FusedScan;
  sql: string;
  label: string;
  fallback: ScanRun[];
}

function scanRun(scan: FusedScan, tests: Map<string, PreparedTest>, note = ''): ScanRun {
  const what = [scan.rows.length ? 'row' : '', scan.distinct.length ? 'distinct' : ''].filter(Boolean).join(' and ');
  // Only a sort of keys needs memory; the largest value among the scan's tests wins.
  const workMem = scan.distinct.length ? largestMemorySize(scanTestIds(scan).map((id) => tests.get(id)!.scanWorkMem)) : undefined;
  const parts = scan.rows.length && scan.distinct.length
    ? [{ ...scan, distinct: [] }, { ...scan, rows: [] }].filter((s) => worthIt(s.rows.length, s.distinct.length))
    : [];
  return {
    scan,
    sql: `${workMem ? `${workMemSql(workMem)};\n` : ''}${fusedScanSql(scan.relation, scan.rows, scan.distinct)}`,
    label: `${what} scan of ${scan.relation}: ${plural(scan.rows.length + scan.distinct.length)}${workMem ? `, work_mem at least ${workMem}` : ''}${note}`,
    fallback: parts.map((p) => scanRun(p, tests, ' (only if the scan above fails)')),
  };
}

/** Runs the scans (those of one node share a run file); each scan's time is shared by its tests. */
export async function runScans(client: DbClient, scans: FusedScan[], tests: Map<string, PreparedTest>, counts: Map<string, Count>, dirs: { projectDir: string; targetDir: string }): Promise<void> {
  const live = scans
    .map((s) => ({ ...s, rows: s.rows.filter((c) => tests.has(c.testId)), distinct: s.distinct.filter((c) => tests.has(c.testId)) }))
    .filter((s) => s.rows.length + s.distinct.length > 0);
  for (const node of new Set(live.map((s) => s.attachedNode))) {
    const runs = live.filter((s) => s.attachedNode === node).map((s) => scanRun(s, tests));
    // The retries are written too: the file holds every statement that may be sent.
    const all = runs.flatMap((r) => [r, ...r.fallback]);
    const file = writeRunFile(dirs.projectDir, dirs.targetDir, `data_tests/${node}.sql`, all.map(({ sql, label }) => ({ sql, label })));
    const line = (run: ScanRun): number => file.statements[all.indexOf(run)]!.line;
    const execute = async (run: ScanRun): Promise<void> => {
      const started = performance.now();
      let row: Record<string, unknown> | undefined;
      try {
        row = (await client.query(run.sql, undefined, { sqlFile: file.path, nodeId: node, startLine: line(run) })).rows[0];
      } catch {
        // Retried in parts, or left for the tests' own queries, which report the error where it belongs.
      }
      const ids = scanTestIds(run.scan);
      const share = (performance.now() - started) / 1000 / ids.length;
      const kinds = [...run.scan.rows.map((r) => r.kind), ...run.scan.distinct.map(() => 'zero-check' as const)];
      ids.forEach((id, j) => {
        const test = tests.get(id)!;
        test.seconds += share;
        const count = row && settle(kinds[j]!, Number(row[fusedAlias(j)]), test);
        if (count) counts.set(id, count);
      });
      if (!row) for (const part of run.fallback) await execute(part);
    };
    for (const run of runs) await execute(run);
  }
}
