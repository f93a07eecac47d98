/**
 * The one-statement scan of row and distinct checks (scan-sql.ts) on a table large enough for a
 * real parallel plan: the session's planner costs are lowered so that PostgreSQL runs the scan
 * as a Parallel Append (checked with EXPLAIN), and every count must still equal the unfused one
 * and the hand-computed one. Also `scan_work_mem`: the value the scan runs with, that it never
 * lowers the session's, and that nothing outlives the statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database, type SessionClient } from '../../../src/adapters/postgres/index.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup } from '../../../src/data-tests/fused-query.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { allTestIds, comparableAll, compileFixture, shownRowsNotFailing, FILES, isOwnQuery, isRowsQuery, isScan, recording, SCHEMA, type Fixture } from './fixture-project.js';

// 100,000 rows. id: 1..100000 except 8 → 7 (one duplicated value) and every 10,000th NULL (10
// NULLs, ignored by unique). grp = g % 50; kind cycles a, b, c; amount = g % 100, NULL for every
// 997th row (100 NULLs); flag = g is even. probe: ids 1..10.
const TABLE_SQL = `
create schema if not exists ${SCHEMA};
create table ${SCHEMA}.big as
select case when g % 10000 = 0 then null when g = 8 then 7 else g end as id, g % 50 as grp,
       (array['a', 'b', 'c'])[1 + g % 3] as kind,
       case when g % 997 = 0 then null else (g % 100)::numeric end as amount, g % 2 = 0 as flag
from generate_series(1, 100000) g;
analyze ${SCHEMA}.big;
create table ${SCHEMA}.probe as select g as id from generate_series(1, 10) g;
create table ${SCHEMA}.docs as select g as id, json_build_object('n', g) as doc from generate_series(1, 10) g;
`;

const SCHEMA_YML = `version: 2
models:
  - name: big
    tests:
      - unique_combination_of_columns: {name: combo_grp_kind, combination_of_columns: [grp, kind]}
      - unique_combination_of_columns: {name: combo_id_flag, combination_of_columns: [id, flag]}
      - unique_combination_of_columns: {name: combo_where, combination_of_columns: [id, flag], config: {where: "id is not null"}}
    columns:
      - name: id
        tests:
          - unique: {name: unique_id}
          - unique: {name: unique_where, config: {where: "grp <> 7 and grp <> 8"}}
          - not_null: {name: not_null_id}
          - not_null: {name: not_null_where, config: {where: "grp <> 0"}}
      - name: kind
        tests:
          - accepted_values: {name: av_fail, values: [a, b]}
          - accepted_values: {name: av_pass, values: [a, b, c]}
      - name: amount
        tests:
          - accepted_range: {name: range_fail, min_value: 0, max_value: 98}
          - not_null_proportion: {name: proportion_pass, at_least: 0.999}
          - not_null_proportion: {name: proportion_fail, at_least: 0.9995}
          - not_null_proportion: {name: proportion_where, at_least: 1, config: {where: "grp = 3"}}
  - name: docs
    columns:
      - name: id
        tests: [not_null, {accepted_range: {min_value: 1}}]
      - name: doc
        tests: [unique]
  - name: probe
    tests:
      - expression_is_true: {name: probe_work_mem, expression: "current_setting('work_mem') <> '1GB'"}
    columns:
      - name: id
        tests:
          - unique: {name: probe_unique, config: {scan_work_mem: 1GB}}
          - not_null: {name: probe_bad_work_mem, config: {scan_work_mem: lots}}
`;

const EXPECTED: Record<string, number> = {
  unique_id: 1, // 7 twice; the 10 NULLs are ignored
  unique_where: 0, // 7 and 8 are in groups 7 and 8
  not_null_id: 10,
  not_null_where: 0, // the NULL ids have g % 50 = 0
  av_fail: 1, // one failing value: c
  av_pass: 0,
  // amount 99 (g % 100 = 99), except where g % 997 = 0 made it NULL: g = 99 + 100k ≡ 0 (mod 997).
  range_fail: 1000 - [...Array(1000).keys()].filter((k) => (99 + 100 * k) % 997 === 0).length,
  proportion_pass: 0, // 99,900 / 100,000 = 0.999
  proportion_fail: 1,
  proportion_where: 1, // grp 3 has NULL amounts (g = 997 * 49 and 997 * 99)
  combo_grp_kind: 150, // every (grp, kind) pair occurs many times
  combo_id_flag: 1, // (NULL, true) ten times; (7, false) and (7, true) differ
  combo_where: 0,
};

const testDb = useTestDatabase();
let db: Database;
let fixture: Fixture;

/** Planner costs that make PostgreSQL use parallel plans on a 100,000-row table. */
async function favourParallel(client: SessionClient): Promise<void> {
  await client.query('set parallel_setup_cost = 0; set parallel_tuple_cost = 0; set min_parallel_table_scan_size = 0; set max_parallel_workers_per_gather = 2');
}

async function run(client: SessionClient, model: string, fuse: boolean): Promise<{ outcomes: Map<string, TestOutcome>; sql: string[] }> {
  const recorder = recording(client);
  const { manifest, targetDir } = fixture.project;
  const group = planTestGroups(manifest, allTestIds(fixture.project)).find((g) => g.attachedNode === `model.dt.${model}`)!;
  const outcomes = await runTestGroup(recorder, manifest, group, { fuse, projectDir: fixture.dir, targetDir });
  return { outcomes: new Map(outcomes.map((o) => [o.name, o])), sql: recorder.sql };
}

let fused: Awaited<ReturnType<typeof run>>;
let unfused: Awaited<ReturnType<typeof run>>;
let plan: string;

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  await db.query(TABLE_SQL);
  fixture = compileFixture({
    'project.yml': FILES['project.yml']!,
    'models/big.sql': FILES['models/orders.sql']!,
    'models/probe.sql': FILES['models/orders.sql']!,
    'models/docs.sql': FILES['models/orders.sql']!,
    'models/schema.yml': SCHEMA_YML,
  });
  await db.withClient(async (client) => {
    await favourParallel(client);
    fused = await run(client, 'big', true);
    unfused = await run(client, 'big', false);
    const scan = fused.sql.find(isScan)!;
    const select = scan.slice(scan.indexOf(';\nselect\n') + 2);
    plan = (await client.query<{ 'QUERY PLAN': string }>(`explain ${select}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}, 120_000);

afterAll(async () => {
  await db?.close();
  fixture?.cleanup();
});

describe('row and distinct checks in one parallel statement', () => {
  it('is one scan, planned with parallel workers (a Parallel Append on PostgreSQL 15; 17 may parallelize only the sort of keys)', () => {
    const scans = fused.sql.filter(isScan);
    expect(scans).toHaveLength(1);
    expect(scans[0]).toContain('\n  union all\n');
    // Which branches get workers is the planner's choice and differs between server versions; what
    // must hold everywhere is one statement whose plan appends both branches and uses workers.
    expect(plan).toMatch(/Append/);
    expect(plan).toMatch(/Parallel (Append|Seq Scan)/);
  });

  it.each(Object.entries(EXPECTED))('%s: %i failures, fused and unfused', (name, failures) => {
    for (const mode of [fused, unfused]) {
      expect(mode.outcomes.get(name), name).toMatchObject({ failures, status: failures ? 'fail' : 'pass' });
    }
  });

  it('gives outcomes identical to one query per test', () => {
    expect(comparableAll(fused.outcomes, fixture.project.manifest)).toEqual(comparableAll(unfused.outcomes, fixture.project.manifest));
  });

  it('shows only failing rows where it cannot show them all (more than five fail)', async () => {
    for (const mode of [fused, unfused]) expect(await shownRowsNotFailing(db, mode.outcomes.values(), fixture.project.manifest)).toEqual([]);
  });

  it('queries on their own only the zero checks that were not zero', () => {
    const own = fused.sql.filter((s) => isOwnQuery(s));
    // unique_id, av_fail, combo_grp_kind, combo_id_flag.
    expect(own).toHaveLength(4);
  });
});

describe('a distinct check PostgreSQL cannot compute', () => {
  it('fails the combined scan; the retried row scan still settles the row checks', async () => {
    await db.withClient(async (client) => {
      const fusedDocs = await run(client, 'docs', true);
      const unfusedDocs = await run(client, 'docs', false);
      // json has no equality: count(distinct doc) fails, as the test's own group by does.
      const scans = fusedDocs.sql.filter(isScan);
      expect(scans.map((s) => (s.includes('union all') ? 'both' : s.includes('count(distinct') ? 'distinct' : 'row'))).toEqual(['both', 'row', 'distinct']);
      expect(fusedDocs.sql.filter((s) => isOwnQuery(s))).toHaveLength(1);
      expect(fusedDocs.outcomes.get('unique_docs_doc')).toMatchObject({ status: 'error', error: { code: 'DB' } });
      expect(fusedDocs.outcomes.get('not_null_docs_id')).toMatchObject({ status: 'pass', failures: 0 });
      expect(comparableAll(fusedDocs.outcomes, fixture.project.manifest)).toEqual(comparableAll(unfusedDocs.outcomes, fixture.project.manifest));
    });
  });
});

describe('scan_work_mem', () => {
  it('runs the scan with the largest value of its tests, and only the scan', async () => {
    await db.withClient(async (client) => {
      const before = (await client.query<{ work_mem: string }>('show work_mem')).rows[0]!.work_mem;
      const { outcomes, sql } = await run(client, 'probe', true);
      // Inside the scan work_mem is 1GB (probe_unique), so every row of the probe "fails"...
      expect(outcomes.get('probe_work_mem')).toMatchObject({ status: 'fail', failures: 10 });
      expect(sql.find(isScan)).toMatch(/^select set_config\('work_mem', '1GB', true\)/);
      expect(outcomes.get('probe_unique')).toMatchObject({ status: 'pass', failures: 0 });
      expect(outcomes.get('probe_bad_work_mem')!.error).toMatchObject({ code: 'CONFIG', message: expect.stringContaining('invalid scan_work_mem "lots"') });
      // ... and afterwards the session has its own value back.
      expect((await client.query<{ work_mem: string }>('show work_mem')).rows[0]!.work_mem).toBe(before);
    });
  });

  it('never lowers a larger session setting', async () => {
    await db.withClient(async (client) => {
      await client.query("set work_mem = '2GB'");
      try {
        const { outcomes } = await run(client, 'probe', true);
        expect(outcomes.get('probe_work_mem')).toMatchObject({ status: 'pass', failures: 0 });
        expect((await client.query<{ work_mem: string }>('show work_mem')).rows[0]!.work_mem).toBe('2GB');
      } finally {
        await client.query('reset work_mem');
      }
    });
  });

  it('is not used by one query per test', async () => {
    await db.withClient(async (client) => {
      const { outcomes, sql } = await run(client, 'probe', false);
      expect(outcomes.get('probe_work_mem')).toMatchObject({ status: 'pass', failures: 0 });
      expect(sql.filter((s) => s.includes('work_mem') && !s.includes('current_setting'))).toEqual([]);
    });
  });
});
