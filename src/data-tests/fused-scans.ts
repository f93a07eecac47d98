/**
 * Plans and runs the fused scans of a test group: per relation, a row scan and a distinct scan
 * (fusable.ts, distinct-keys.ts), written together to target/run/data_tests/<node id>.sql.
 *
 * A scan settles what it can: exact counts (capped by the test's `limit`, as dbt caps the
 * failing rows) and zero checks that came out 0. A non-zero zero check, or any check of a scan
 * that failed (a bad `where`, a type without an ordering), is left for the test's own query, so
 * every error is reported on its own test and file.
 */
import { join, relative } from 'node:path';
import type { DbClient } from '../adapters/postgres/index.js';
import type { Manifest, TestNode } from '../manifest/types.js';
import { writeRunFile } from '../run/executed-sql.js';
import { distinctExpr, relationColumns } from './distinct-keys.js';
import { attachedRelation, fusedCheck, type DistinctCheck, type RowCheck } from './fusable.js';
import type { PreparedTest } from './prepare.js';
import { fusedAlias, fusedScanSql } from './test-sql.js';

export interface ScanCheck {
  testId: string;
  expr: string;
  kind: 'exact' | 'zero-check';
}

export interface FusedScan {
  relation: string;
  attachedNode: string;
  what: 'row' | 'distinct';
  checks: ScanCheck[];
}

export type Count = { failures: number } | { error: unknown };

/**
 * A row scan pays off from two tests on (one test alone costs the same as its own query). A
 * distinct scan pays off even for one test: its sort of keys beat GROUP BY's spilling hash
 * aggregate in every measurement (README.md).
 */
const MIN_ROW_CHECKS = 2;

interface RelationPlan {
  relation: string;
  attachedNode: string;
  rows: RowCheck[];
  distinct: DistinctCheck[];
}

function byRelation(manifest: Manifest, nodes: readonly TestNode[]): RelationPlan[] {
  const plans = new Map<string, RelationPlan>();
  for (const node of nodes) {
    const check = fusedCheck(manifest, node);
    const relation = check && attachedRelation(manifest, node);
    if (!check || !relation || !node.attachedNode) continue;
    const plan = plans.get(relation) ?? { relation, attachedNode: node.attachedNode, rows: [], distinct: [] };
    if (check.scan === 'rows') plan.rows.push(check);
    else plan.distinct.push(check);
    plans.set(relation, plan);
  }
  return [...plans.values()];
}

/** The scans for `nodes`; reads the catalog (one query per relation) only for distinct checks. */
export async function planScans(client: DbClient, manifest: Manifest, nodes: readonly TestNode[]): Promise<FusedScan[]> {
  const scans: FusedScan[] = [];
  for (const plan of byRelation(manifest, nodes)) {
    const base = { relation: plan.relation, attachedNode: plan.attachedNode };
    if (plan.rows.length >= MIN_ROW_CHECKS) scans.push({ ...base, what: 'row', checks: plan.rows.map(({ testId, expr, kind }) => ({ testId, expr, kind })) });
    if (!plan.distinct.length) continue;
    const columns = await relationColumns(client, plan.relation);
    const checks: ScanCheck[] = [];
    for (const d of plan.distinct) {
      const expr = distinctExpr(d, columns);
      if (expr) checks.push({ testId: d.testId, expr, kind: d.kind });
    }
    if (checks.length) scans.push({ ...base, what: 'distinct', checks });
  }
  return scans;
}

/** Where the scans of a node are written, relative to the project root. */
export function scanFilePath(projectDir: string, targetDir: string, attachedNode: string): string {
  return relative(projectDir, join(targetDir, 'run', 'data_tests', `${attachedNode}.sql`)).split('\\').join('/');
}

function settle(check: ScanCheck, value: number, test: PreparedTest, counts: Map<string, Count>): void {
  if (check.kind === 'exact') counts.set(check.testId, { failures: test.limit === undefined ? value : Math.min(value, test.limit) });
  else if (value === 0) counts.set(check.testId, { failures: 0 });
}

/** Runs the scans (those of one node share a run file); each scan's time is shared by its tests. */
export async function runScans(client: DbClient, scans: FusedScan[], tests: Map<string, PreparedTest>, counts: Map<string, Count>, dirs: { projectDir: string; targetDir: string }): Promise<void> {
  const live = scans.map((s) => ({ ...s, checks: s.checks.filter((c) => tests.has(c.testId)) })).filter((s) => s.checks.length);
  for (const node of new Set(live.map((s) => s.attachedNode))) {
    const mine = live.filter((s) => s.attachedNode === node);
    const statements = mine.map((s) => ({ sql: fusedScanSql(s.relation, s.checks), label: `${s.what} scan of ${s.relation}: ${s.checks.length} tests` }));
    const file = writeRunFile(dirs.projectDir, dirs.targetDir, `data_tests/${node}.sql`, statements);
    for (const [i, scan] of mine.entries()) {
      const started = performance.now();
      let row: Record<string, unknown> | undefined;
      try {
        row = (await client.query(statements[i]!.sql, undefined, { sqlFile: file.path, nodeId: node, startLine: file.statements[i]!.line })).rows[0];
      } catch {
        // Left for the tests' own queries, which report the error where it belongs.
      }
      const share = (performance.now() - started) / 1000 / scan.checks.length;
      scan.checks.forEach((check, j) => {
        const test = tests.get(check.testId)!;
        test.seconds += share;
        if (row) settle(check, Number(row[fusedAlias(j)]), test, counts);
      });
    }
  }
}
