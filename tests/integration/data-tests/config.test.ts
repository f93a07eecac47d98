/**
 * Test configs against real PostgreSQL: severity and warn_if / error_if, `where`, `limit`,
 * invalid configs, SQL errors (one bad test must not spoil its group's fused scan), and
 * store_failures (contents, schema per attached node, replaced on each run, long names).
 * Fused and unfused runs must agree everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup, type RunTestGroupOptions } from '../../../src/data-tests/fused-query.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { allTestIds, comparableAll, compileFixture, FILES, isOwnQuery, isScan, recording, SCHEMA, TABLES_SQL, type Fixture } from './fixture-project.js';

const LONG_NAME = `store_${'x'.repeat(70)}`;

const SCHEMA_YML = `version: 2
models:
  - name: orders
    columns:
      - name: id
        tests:
          - not_null: {name: sev_warn, config: {severity: warn}}
          - not_null: {name: sev_warn_ignores_error_if, config: {severity: warn, error_if: "!=0"}}
          - unique: {name: thr_warn, config: {error_if: ">5", warn_if: ">0"}}
          - not_null: {name: where_nn_fail, config: {where: "customer_id = 30"}}
          - not_null: {name: where_nn_pass, config: {where: "customer_id = 10"}}
          - unique: {name: where_unique, config: {where: "amount >= 0"}}
          - unique: {name: where_unique_pass, config: {where: "customer_id = 10"}}
          - not_null: {name: limit_nn, config: {limit: 1}}
          - not_null: {name: limit_zero, config: {limit: 0}}
          - not_null: {name: bad_limit, config: {limit: -3}}
      - name: status
        tests:
          - accepted_values: {name: thr_fail, values: [placed, shipped], config: {error_if: ">=2"}}
          - accepted_values: {name: where_av, values: [placed], config: {where: "region = 'eu'"}}
          - accepted_values: {name: limit_av, values: [placed], config: {limit: 2}}
      - name: amount
        tests:
          - accepted_range: {name: thr_pass, min_value: 0, max_value: 10, config: {error_if: ">10", warn_if: ">5"}}
          - accepted_range: {name: where_range, min_value: 0, max_value: 10, config: {where: "status = 'lost'"}}
          - not_null_proportion: {name: where_proportion, at_least: 1, config: {where: "status = 'lost'"}}
          - is_positive: {name: custom_where, config: {where: "qty > 1", severity: warn}}
      - name: customer_id
        tests:
          - not_null: {name: thr_eq, config: {error_if: "=1"}}
      - name: qty
        tests:
          - expression_is_true: {name: thr_lt, expression: ">= 0", config: {error_if: "<3", warn_if: "<>0"}}
      - name: region
        tests:
          - not_null: {name: bad_condition, config: {error_if: ">1"}}
    tests:
      - unique_combination_of_columns: {name: where_combo, combination_of_columns: [region, sku], config: {where: "paid"}}
  - name: orders2
    columns:
      - name: id
        tests:
          - not_null: {name: bad_where, config: {where: "no_such_column = 1"}}
          - not_null: {name: next_to_bad}
          - unique: {name: unique_next_to_bad}
  - name: store_me
    columns:
      - name: id
        tests:
          - not_null: {name: store_nn, config: {store_failures: true}}
          - not_null: {name: ${LONG_NAME}, config: {store_failures: true}}
          - unique: {name: store_opt_out, config: {store_failures: false}}
          - accepted_values: {name: store_by_flag, values: [1]}
          - not_null: {name: store_limited, config: {store_failures: true, limit: 1}}
sources:
  - name: raw
    schema: raw
    tables:
      - name: events
        columns:
          - name: id
            tests:
              - unique: {name: source_store_unique, config: {store_failures: true}}
`;

const CONFIG_FILES: Record<string, string> = {
  'project.yml': FILES['project.yml']!,
  'macros/is_positive.sql': FILES['macros/is_positive.sql']!,
  'models/orders.sql': FILES['models/orders.sql']!,
  'models/customers.sql': FILES['models/customers.sql']!,
  'models/orders2.sql': FILES['models/orders.sql']!,
  'models/store_me.sql': FILES['models/orders.sql']!,
  'models/schema.yml': SCHEMA_YML,
  'tests/singular_store.sql': "{{ config(store_failures=true, severity='warn') }}\nselect id from {{ ref('store_me') }} where id is null\n",
};

const EXTRA_SQL = `
create table ${SCHEMA}.orders2 as select * from ${SCHEMA}.orders;
create table ${SCHEMA}.store_me (id int);
insert into ${SCHEMA}.store_me values (1), (null), (null), (2);
`;

const testDb = useTestDatabase();
let db: Database;
let fixture: Fixture;

async function runAll(fuse: boolean, extra: Partial<RunTestGroupOptions> = {}): Promise<Map<string, TestOutcome>> {
  const out = new Map<string, TestOutcome>();
  const { manifest, targetDir } = fixture.project;
  for (const group of planTestGroups(manifest, allTestIds(fixture.project))) {
    for (const o of await runTestGroup(db, manifest, group, { fuse, projectDir: fixture.dir, targetDir, targetSchema: SCHEMA, ...extra })) out.set(o.name, o);
  }
  return out;
}

let fused: Map<string, TestOutcome>;
let unfused: Map<string, TestOutcome>;

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  await db.query(TABLES_SQL + EXTRA_SQL);
  fixture = compileFixture(CONFIG_FILES);
  // The parse refuses `error_if: "lots"` (tests/unit/compile/parse-time-checks.test.ts); the run
  // still judges a manifest it did not check (one written by an older strata) the same way.
  const bad = Object.values(fixture.project.manifest.nodes).find((n) => n.name === 'bad_condition')!;
  bad.config.error_if = 'lots';
  unfused = await runAll(false);
  fused = await runAll(true);
});

afterAll(async () => {
  await db?.close();
  fixture?.cleanup();
});

const VERDICTS: Array<[string, TestOutcome['status'], number | undefined, string?]> = [
  ['sev_warn', 'warn', 2, '2 rows failed (warn threshold != 0)'],
  ['sev_warn_ignores_error_if', 'warn', 2],
  ['thr_warn', 'warn', 1, '1 row failed (warn threshold > 0; error_if > 5 not reached)'],
  ['thr_fail', 'fail', 2, '2 rows failed (threshold >= 2)'],
  ['thr_pass', 'pass', 2, 'pass: 2 rows failed, within thresholds (warn_if > 5, error_if > 10)'],
  ['thr_eq', 'fail', 1],
  ['thr_lt', 'fail', 1],
  ['where_nn_fail', 'fail', 2],
  ['where_nn_pass', 'pass', 0, 'pass'],
  ['where_unique', 'fail', 1],
  ['where_unique_pass', 'pass', 0],
  ['where_av', 'fail', 1],
  ['where_range', 'fail', 1],
  ['where_proportion', 'fail', 1],
  ['where_combo', 'fail', 1],
  ['custom_where', 'warn', 2],
  // dbt applies `limit` to the failing rows: the count is min(real, limit).
  ['limit_nn', 'fail', 1],
  ['limit_av', 'fail', 2],
  ['limit_zero', 'pass', 0],
  ['bad_condition', 'error', undefined],
  ['bad_limit', 'error', undefined],
  ['bad_where', 'error', undefined],
  ['next_to_bad', 'fail', 2],
  ['unique_next_to_bad', 'fail', 1],
];

describe('severity, thresholds, where, limit', () => {
  it.each(VERDICTS)('%s → %s with %s failures', (name, status, failures, message) => {
    for (const [mode, outcomes] of [['fused', fused], ['unfused', unfused]] as const) {
      const o = outcomes.get(name)!;
      expect(o, `${mode}: ${o?.message}`).toMatchObject({ status, ...(failures !== undefined ? { failures } : {}) });
      if (failures === undefined) expect(o.failures).toBeUndefined();
      if (message) expect(o.message).toBe(message);
    }
  });

  it('fused and unfused outcomes are identical', () => {
    expect(comparableAll(fused, fixture.project.manifest)).toEqual(comparableAll(unfused, fixture.project.manifest));
  });

  it('reports invalid configs as CONFIG errors on the test', () => {
    expect(fused.get('bad_condition')!.error).toMatchObject({ code: 'CONFIG', message: expect.stringContaining('invalid error_if "lots"') });
    expect(fused.get('bad_limit')!.error).toMatchObject({ code: 'CONFIG' });
    expect(fused.get('bad_condition')!.error!.location?.file).toBe('models/schema.yml');
  });

  it('points a SQL error at the line of the executed file', () => {
    const o = fused.get('bad_where')!;
    expect(o.error).toMatchObject({ code: 'DB', location: { file: 'target/run/models/schema.yml/bad_where.sql', line: 4 } });
    expect(o.sqlPath).toBe('target/run/models/schema.yml/bad_where.sql');
    expect(o.message).toMatch(/no_such_column/);
  });

  it('limits the failing rows shown to 5 and to the test limit', () => {
    expect(fused.get('limit_nn')!.failingRows!.rows).toEqual([{ id: null }]);
    expect(fused.get('where_nn_fail')!.failingRows).toEqual({ columns: ['id'], rows: [{ id: null }, { id: null }] });
  });
});

describe('store_failures', () => {
  const stored = async (relation: string) => (await db.query(`select * from ${relation} order by 1`)).rows;

  it('stores the failing rows in <schema of the attached node>_test_failures, named after the test', async () => {
    expect(fused.get('store_nn')).toMatchObject({ status: 'fail', failures: 2, storedFailuresIn: `"${SCHEMA}_test_failures"."store_nn"` });
    expect(await stored(`"${SCHEMA}_test_failures"."store_nn"`)).toEqual([{ id: null }, { id: null }]);
    expect(fused.get('source_store_unique')!.storedFailuresIn).toBe('"raw_test_failures"."source_store_unique"');
    expect(await stored('"raw_test_failures"."source_store_unique"')).toEqual([{ unique_field: 1, n_records: 2 }]);
    expect(await stored(`"${SCHEMA}_test_failures"."store_limited"`)).toEqual([{ id: null }]);
  });

  it('uses the target schema for singular tests', async () => {
    expect(fused.get('singular_store')).toMatchObject({ status: 'warn', failures: 2, storedFailuresIn: `"${SCHEMA}_test_failures"."singular_store"` });
    expect(await stored(`"${SCHEMA}_test_failures"."singular_store"`)).toHaveLength(2);
  });

  it('shortens long names to 63 bytes with a hash', async () => {
    const o = fused.get(LONG_NAME)!;
    const table = /"\.?"([^"]+)"$/.exec(o.storedFailuresIn!)![1]!;
    expect(Buffer.byteLength(table)).toBeLessThanOrEqual(63);
    expect(table).toMatch(/^store_x+_[0-9a-f]{8}$/);
    expect(await stored(o.storedFailuresIn!)).toHaveLength(2);
  });

  it('is off unless configured; --store-failures turns it on except where the config says false', async () => {
    expect(fused.get('store_by_flag')!.storedFailuresIn).toBeUndefined();
    const flagged = await runAll(true, { storeFailures: true });
    expect(flagged.get('store_by_flag')!.storedFailuresIn).toBe(`"${SCHEMA}_test_failures"."store_by_flag"`);
    expect(flagged.get('store_opt_out')!.storedFailuresIn).toBeUndefined();
  });

  it('replaces the table on each run, leaving it empty when the test passes', async () => {
    await db.query(`insert into ${SCHEMA}.store_me values (null)`);
    let again = await runAll(true);
    expect(again.get('store_nn')!.failures).toBe(3);
    expect(await stored(`"${SCHEMA}_test_failures"."store_nn"`)).toHaveLength(3);
    await db.query(`delete from ${SCHEMA}.store_me where id is null`);
    again = await runAll(true);
    expect(again.get('store_nn')).toMatchObject({ status: 'pass', failures: 0, storedFailuresIn: `"${SCHEMA}_test_failures"."store_nn"` });
    expect(await stored(`"${SCHEMA}_test_failures"."store_nn"`)).toEqual([]);
  });
});

describe('a fused scan that fails', () => {
  it('falls back to each test\'s own query', async () => {
    const client = recording(db);
    const { manifest, targetDir } = fixture.project;
    const group = planTestGroups(manifest, allTestIds(fixture.project)).find((g) => g.attachedNode === 'model.dt.orders2')!;
    const outcomes = await runTestGroup(client, manifest, group, { fuse: true, projectDir: fixture.dir, targetDir });
    expect(outcomes.map((o) => [o.name, o.status])).toEqual([['bad_where', 'error'], ['next_to_bad', 'fail'], ['unique_next_to_bad', 'fail']]);
    // The model's one scan fails (bad_where); retried in parts, the row scan (bad_where +
    // next_to_bad) fails again, the distinct scan (unique_next_to_bad) does not.
    const scans = client.sql.filter(isScan);
    expect(scans.map((s) => (s.includes('union all') ? 'both' : s.includes('count(distinct') ? 'distinct' : 'row'))).toEqual(['both', 'row', 'distinct']);
    expect(client.sql.filter((s) => isOwnQuery(s))).toHaveLength(3);
  });
});
