/**
 * The distinct scan's keys against PostgreSQL's own equality: values that GROUP BY treats as
 * equal although they look different (1.0 and 1.00, 0 and -0, char padding, the same instant in
 * two time zones, a case-insensitive collation) must count as duplicates fused exactly as
 * unfused; values that only look alike (varchar trailing blanks, case) must not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Database } from '../../../src/adapters/postgres/index.js';
import { planTestGroups } from '../../../src/data-tests/groups.js';
import { runTestGroup } from '../../../src/data-tests/fused-query.js';
import type { TestOutcome } from '../../../src/data-tests/types.js';
import { useTestDatabase } from '../../setup/test-database.js';
import { allTestIds, compileFixture, FILES, recording, SCHEMA, type Fixture } from './fixture-project.js';

const testDb = useTestDatabase();
let db: Database;
let fixture: Fixture;
let icu = false;
const results: Record<'fused' | 'unfused', Map<string, TestOutcome>> = { fused: new Map(), unfused: new Map() };
let fusedSql: string[] = [];

const unique = (col: string) => `      - name: ${col}\n        tests:\n          - unique: {name: u_${col}}\n`;
const combo = (name: string, cols: string[]) => `      - unique_combination_of_columns: {name: ${name}, combination_of_columns: [${cols.join(', ')}]}\n`;

const COLUMNS = ['i', 'n', 'f', 'ts', 't', 'v', 'c', 'ci', 'b', 'arr'];

const SCHEMA_YML = `version: 2
models:
  - name: typed
    tests:
${combo('c_b_c', ['b', 'c'])}${combo('c_t_v', ['t', 'v'])}${combo('c_n_f', ['n', 'f'])}${combo('c_i', ['i'])}${combo('c_t_ci', ['t', 'ci'])}    columns:
${COLUMNS.map(unique).join('')}`;

// Rows 4 and 5 are all NULL: ignored by unique, one duplicated group for the combinations.
const TABLE_SQL = (ciType: string) => `
create schema if not exists ${SCHEMA};
create table ${SCHEMA}.typed (i int, n numeric, f float8, ts timestamptz, t text, v varchar(10), c char(3), ci ${ciType}, b boolean, arr text[]);
insert into ${SCHEMA}.typed values
  (1,    1.0,  0,    '2024-01-01 00:00+00', 'a',  'x',  'a',   'a',  true,  '{a}'),
  (2,    1.00, '-0', '2024-01-01 01:00+01', 'A',  'x ', 'a  ', 'A',  true,  '{a}'),
  (3,    2,    1,    '2024-01-02 00:00+00', 'b',  'y',  'b',   'b',  false, '{b}'),
  (null, null, null, null,                  null, null, null,  null, null,  null),
  (null, null, null, null,                  null, null, null,  null, null,  null);
`;

const EXPECTED: Record<string, number> = {
  u_i: 0,
  u_n: 1, // 1.0 = 1.00
  u_f: 1, // 0 = -0
  u_ts: 1, // the same instant
  u_t: 0, // 'a' <> 'A'
  u_v: 0, // varchar keeps trailing blanks: 'x' <> 'x '
  u_c: 1, // char(3) pads: 'a' = 'a  '
  u_b: 1,
  u_arr: 1, // arrays of text: not fused, still counted
  c_b_c: 2, // (true, 'a') twice, (NULL, NULL) twice
  c_t_v: 1, // only (NULL, NULL)
  c_n_f: 2, // (1, 0) twice, (NULL, NULL) twice
  c_i: 1, // NULL twice
};

async function runAll(fuse: boolean): Promise<void> {
  const client = recording(db);
  const { manifest, targetDir } = fixture.project;
  for (const group of planTestGroups(manifest, allTestIds(fixture.project))) {
    for (const o of await runTestGroup(client, manifest, group, { fuse, projectDir: fixture.dir, targetDir })) results[fuse ? 'fused' : 'unfused'].set(o.name, o);
  }
  if (fuse) fusedSql = client.sql;
}

beforeAll(async () => {
  db = createPool(testDb.target({ threads: 2 }));
  // A case-insensitive (nondeterministic) collation needs ICU; without it `ci` is plain text.
  icu = await db
    .query(`create collation ci_und (provider = icu, locale = 'und-u-ks-level2', deterministic = false)`)
    .then(() => true, () => false);
  await db.query(TABLE_SQL(icu ? 'text collate ci_und' : 'text'));
  fixture = compileFixture({ 'project.yml': FILES['project.yml']!, 'models/typed.sql': FILES['models/orders.sql']!, 'models/schema.yml': SCHEMA_YML });
  await runAll(true);
  await runAll(false);
});

afterAll(async () => {
  await db?.close();
  fixture?.cleanup();
});

describe('distinct keys per column type', () => {
  it.each(Object.entries(EXPECTED))('%s: %i failures, fused and unfused', (name, failures) => {
    for (const mode of ['fused', 'unfused'] as const) {
      expect(results[mode].get(name), mode).toMatchObject({ failures, status: failures ? 'fail' : 'pass' });
    }
  });

  it('counts case-insensitive duplicates under a nondeterministic collation', () => {
    // 'a' = 'A' under ci_und; without ICU the column is plain text.
    for (const mode of ['fused', 'unfused'] as const) {
      expect(results[mode].get('u_ci')!.failures).toBe(icu ? 1 : 0);
      expect(results[mode].get('c_t_ci')!.failures).toBe(1);
    }
  });

  it('fuses plain and text columns, and leaves the others to their own query', () => {
    const scan = fusedSql.find((s) => s.includes('count(distinct'))!;
    expect(scan).toContain('count(distinct "n")');
    expect(scan).toContain('count(distinct hashtextextended("t"::text, 0))');
    expect(scan).toContain('count(distinct hashtextextended("c"::text, 0))');
    expect(scan).toContain('hash_record_extended(row("b", "c"), 0)');
    // Text columns only: hashed one by one, not as a record.
    expect(scan).toContain('count(distinct coalesce(hashtextextended("t"::text, 0), 0) # coalesce(hashtextextended("v"::text, 1), 0))');
    expect(scan).not.toContain('"arr"');
    if (icu) expect(scan).not.toContain('"ci"');
  });
});
