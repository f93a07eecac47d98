/**
 * Every assertion type, passing and failing, with the exact failure counts worked out by hand in
 * fixture-project.ts; run fused and unfused, which must agree test by test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup } from '../../../src/data-tests/fused-query.js';
import type { TestGroup, TestOutcome } from '../../../src/data-tests/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { allTestIds, comparable, compileFixture, shownRowsNotFailing, EXPECTED, isOwnQuery, isRowsQuery, isScan, recording, SCHEMA, TABLES_SQL, type Fixture } from './fixture-project.js';

const testDb = useTestDatabase();
let db: Database;
let fixture: Fixture;
let groups: TestGroup[];
const byMode: Record<'fused' | 'unfused', Map<string, TestOutcome>> = { fused: new Map(), unfused: new Map() };
const statements: Record<'fused' | 'unfused', string[]> = { fused: [], unfused: [] };

async function runAll(fuse: boolean): Promise<void> {
  const mode = fuse ? 'fused' : 'unfused';
  const client = recording(db);
  for (const group of groups) {
    for (const o of await runTestGroup(client, fixture.project.manifest, group, { fuse, projectDir: fixture.dir, targetDir: fixture.project.targetDir, targetSchema: SCHEMA })) {
      byMode[mode].set(o.name, o);
    }
  }
  statements[mode] = client.sql;
}

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  await db.query(TABLES_SQL);
  fixture = compileFixture();
  groups = planTestGroups(fixture.project.manifest, allTestIds(fixture.project));
  await runAll(true);
  await runAll(false);
});

afterAll(async () => {
  await db?.close();
  fixture?.cleanup();
});

const cases = Object.entries(EXPECTED);

describe('exact failure counts', () => {
  it('covers every test of the fixture', () => {
    expect([...byMode.fused.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(cases)('%s: %i failures, fused and unfused', (name, failures) => {
    for (const mode of ['fused', 'unfused'] as const) {
      const o = byMode[mode].get(name)!;
      expect(o, `${mode} ${name}: ${o?.message}`).toMatchObject({ failures, status: failures === 0 ? 'pass' : 'fail' });
    }
  });

  it('shows only failing rows where it cannot show them all', async () => {
    for (const mode of [byMode.fused, byMode.unfused]) expect(await shownRowsNotFailing(db, mode.values(), fixture.project.manifest)).toEqual([]);
  });

  it.each(cases)('%s: identical outcome fused and unfused', (name) => {
    const { manifest } = fixture.project;
    expect(comparable(byMode.fused.get(name)!, manifest)).toEqual(comparable(byMode.unfused.get(name)!, manifest));
  });
});

describe('the fused scan', () => {
  it('reads each model once for all its fusable tests, and runs own queries only where needed', () => {
    const scans = statements.fused.filter(isScan);
    // orders, empty_orders and raw.events: one scan each, of row and distinct checks.
    expect(scans).toHaveLength(3);
    expect(scans.every((s) => s.includes('\n  union all\n'))).toBe(true);
    const orders = scans.find((s) => s.endsWith(`from "${SCHEMA}"."orders"\n) fused_scan`))!;
    expect(orders.match(/ as t\d+/g)).toHaveLength(15 + 3);
    expect(orders).toContain('count(distinct "id")');
    expect(orders).toContain('coalesce(hashtextextended("region"::text, 0), 0) # coalesce(hashtextextended("sku"::text, 1), 0)');
    // Unique keys are sorted with more memory than PostgreSQL's default.
    expect(orders).toMatch(/^select set_config\('work_mem', '256MB', true\) where .*;\nselect\n/);
    const counts = statements.fused.filter((s) => isOwnQuery(s));
    // Own count queries: relationships, custom, not_empty x2, row_count x3, 2 singular, and the
    // zero checks that came out non-zero (unique_id, av_fail, av_quoted_numbers,
    // av_unquoted_bool, combo x2, source_unique_events).
    expect(counts).toHaveLength(9 + 7);
    expect(statements.unfused.filter((s) => isOwnQuery(s))).toHaveLength(cases.length);
    // The reference runs dbt's queries with the session's settings.
    expect(statements.unfused.filter((s) => s.includes('work_mem'))).toEqual([]);
  });

  it('runs a failing test\'s own query once: its count and first rows together', () => {
    // Unfused, every test has its own query, which returns its rows: no second query for them.
    expect(statements.unfused.filter(isRowsQuery)).toEqual([]);
    const failing = cases.filter(([, failures]) => failures > 0).length;
    expect(failing).toBeGreaterThan(10);
    // Fused, only the failing tests whose count came from the scan (exact row checks) query their rows.
    const rowsQueries = statements.fused.filter(isRowsQuery);
    expect(rowsQueries.length).toBeGreaterThan(0);
    expect(rowsQueries.length).toBeLessThan(failing);
    for (const mode of [byMode.fused, byMode.unfused]) {
      for (const [name, failures] of cases) {
        const shown = mode.get(name)!.failingRows;
        if (failures === 0) expect(shown, name).toBeUndefined();
        else {
          expect(shown?.rows.length, name).toBe(Math.min(failures, 5));
          expect(shown?.columns.filter((c) => c.startsWith('strata_')), name).toEqual([]);
        }
      }
    }
  });

  it('fetches the first failing rows of failing tests only', () => {
    const o = byMode.fused.get('no_lost')!;
    expect(o.failingRows).toEqual({ columns: ['id', 'status'], rows: [{ id: 3, status: 'lost' }, { id: 4, status: 'lost' }] });
    expect(byMode.fused.get('av_fail')!.failingRows!.rows.map((r) => r['value_field']).sort()).toEqual(['LOST', 'lost']);
    expect(byMode.fused.get('av_pass')!.failingRows).toBeUndefined();
    expect(byMode.fused.get('not_null_id')).toMatchObject({ message: '2 rows failed (threshold != 0)', testType: 'generic', severity: 'error' });
    expect(byMode.fused.get('big_amounts')).toMatchObject({ testType: 'singular', sqlPath: 'target/run/tests/big_amounts.sql' });
    expect(byMode.fused.get('unique_id')!.sqlPath).toBe('target/run/models/schema.yml/unique_id.sql');
  });
});
