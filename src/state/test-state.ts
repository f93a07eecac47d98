/**
 * strata_meta.test_state: per data test, the SQL it last passed with (a fingerprint) and the data
 * versions of the relations it read then. A test of an incremental model that passed on the
 * model's previous version only needs the rows the model's latest build wrote
 * (src/data-tests/new-rows-scope.ts).
 *
 * Only a pass with no failing row at all is recorded: a test that warns or passes within its
 * thresholds has failing rows in the table, and checking new rows only would no longer count them.
 * Every other outcome deletes the test's row, so its next run reads the whole relation.
 */
import { createHash } from 'node:crypto';
import { quoteLiteral, type DbClient } from '../adapters/postgres/index.js';

export interface TestState {
  uniqueId: string;
  fingerprint: string;
  /** Unique id of each relation the test read → its data version then. */
  inputVersions: Record<string, string>;
}

/** A test's fingerprint: its compiled SQL (which holds its relations, columns, arguments and `where`). */
export function testFingerprint(compiledSql: string): string {
  return createHash('sha256').update(compiledSql).digest('hex');
}

/** The recorded passes of a project's tests, by unique id, in one query. */
export async function loadTestStates(db: DbClient, project: string): Promise<Map<string, TestState>> {
  const res = await db.query<{ unique_id: string; fingerprint: string; input_versions: Record<string, string> }>(
    'SELECT unique_id, fingerprint, input_versions FROM strata_meta.test_state WHERE project = $1',
    [project],
  );
  return new Map(res.rows.map((r) => [r.unique_id, { uniqueId: r.unique_id, fingerprint: r.fingerprint, inputVersions: r.input_versions }]));
}

/**
 * One statement recording a group's outcomes: `passed` replace their rows, every other id of
 * `ran` loses its row. Values are inlined (one round trip; PostgreSQL runs the two statements of
 * the string as one implicit transaction).
 */
export function saveTestStatesSql(project: string, ran: readonly string[], passed: readonly TestState[], runId: string): string {
  const p = quoteLiteral(project);
  const passedIds = new Set(passed.map((s) => s.uniqueId));
  const failed = ran.filter((id) => !passedIds.has(id));
  const parts: string[] = [];
  if (failed.length) {
    parts.push(`DELETE FROM strata_meta.test_state WHERE project = ${p} AND unique_id IN (${failed.map(quoteLiteral).join(', ')})`);
  }
  if (passed.length) {
    const rows = passed.map((s) =>
      `(${p}, ${quoteLiteral(s.uniqueId)}, ${quoteLiteral(s.fingerprint)}, ${quoteLiteral(JSON.stringify(s.inputVersions))}::jsonb, now(), ${quoteLiteral(runId)})`);
    parts.push(`INSERT INTO strata_meta.test_state (project, unique_id, fingerprint, input_versions, passed_at, run_id)
VALUES ${rows.join(',\n       ')}
ON CONFLICT (project, unique_id) DO UPDATE SET
  fingerprint = EXCLUDED.fingerprint, input_versions = EXCLUDED.input_versions,
  passed_at = EXCLUDED.passed_at, run_id = EXCLUDED.run_id`);
  }
  return parts.join(';\n');
}
