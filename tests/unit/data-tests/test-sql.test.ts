import { describe, expect, it } from 'vitest';
import { columnKind, distinctExpr, type ColumnKind, type RelationColumns } from '../../../src/data-tests/distinct-keys.js';
import { fusedCheck, FUSABLE_TESTS, type DistinctCheck, type FusedCheck, type RowCheck } from '../../../src/data-tests/fusable.js';
import { fusedScanSql, rowCheckExpr, workMemSql } from '../../../src/data-tests/scan-sql.js';
import { countAndRowsSql, countSql, failingRowsSql, storeFailuresSql } from '../../../src/data-tests/test-sql.js';
import { compileFixture, test } from './compiled-fixture.js';

const manifest = compileFixture();
const check = (name: string): FusedCheck | undefined => fusedCheck(manifest, test(manifest, name));

describe('fusedCheck: the aggregate each built-in gets in the shared scan', () => {
  it.each([
    ['nn', 'exact', `count(*) filter (where (a > 1) and ("id" is null))`],
    ['nn_expr', 'exact', 'count(*) filter (where (lower(status) is null))'],
    ['rng', 'exact', `count(*) filter (where (not ("amount" > 0 and "amount" < 10)))`],
    ['expr_col', 'exact', `count(*) filter (where (not ("amount" > 0)))`],
    ['expr_model', 'exact', 'count(*) filter (where (not (a + b > 0)))'],
    ['prop', 'exact', `case when (count(*) filter (where ("amount" is not null)))::numeric / nullif(count(*), 0) < 0.95 then 1 else 0 end`],
    ['prop_where', 'exact', `case when (count(*) filter (where (id > 0) and ("amount" is not null)))::numeric / nullif(count(*) filter (where (id > 0)), 0) < 0.5 then 1 else 0 end`],
    ['av', 'zero-check', `count(*) filter (where ("status" not in ('x', 'it''s')))`],
    ['av_unquoted', 'zero-check', `count(*) filter (where (id > 0) and ("status" not in (1, 2)))`],
  ])('%s → row scan, %s: %s', (name, kind, expr) => {
    const c = check(name) as RowCheck;
    expect(c).toMatchObject({ testId: `test.u.${name}`, scan: 'rows', kind });
    expect(rowCheckExpr(c)).toBe(expr);
  });

  it.each([
    ['uniq', ['id'], 'ignored', undefined],
    ['src_uniq', ['id'], 'ignored', undefined],
    ['uniq_where', ['id'], 'ignored', 'id > 0'],
    ['combo', ['a', 'b'], 'grouped', undefined],
  ])('%s → distinct scan over %j, NULLs %s', (name, columns, nulls, where) => {
    expect(check(name)).toEqual({ testId: `test.u.${name}`, scan: 'distinct', kind: 'zero-check', columns, nulls, where });
  });

  it.each([
    ['rel', 'relationships reads a second relation'],
    ['custom', 'custom generic tests are user SQL'],
    ['nonempty', 'not_empty stops at the first row'],
    ['rows', 'row_count'],
    ['eph_nn', 'ephemeral models are CTEs, not relations'],
    ['eph_uniq', 'ephemeral models are CTEs, not relations'],
    ['singular_a', 'singular tests are user SQL'],
    ['uniq_expr', 'a column expression has no catalog type'],
  ])('%s is not fused (%s)', (name) => {
    expect(check(name)).toBeUndefined();
  });

  it('does not fuse a built-in whose compiled SQL is not what the builder makes', () => {
    const node = { ...test(manifest, 'nn'), compiledCode: `${test(manifest, 'nn').compiledCode} -- edited` };
    expect(fusedCheck(manifest, node)).toBeUndefined();
  });

  it('knows exactly the row-level built-ins and the unique family', () => {
    expect([...FUSABLE_TESTS].sort()).toEqual(
      ['accepted_range', 'accepted_values', 'expression_is_true', 'not_null', 'not_null_proportion', 'unique', 'unique_combination_of_columns'],
    );
  });
});

describe('distinctExpr: the distinct scan key follows the column types', () => {
  const columns = (kinds: Record<string, ColumnKind>, serverVersion = 150000): RelationColumns => ({ serverVersion, kinds: new Map(Object.entries(kinds)) });
  const distinct = (name: string) => check(name) as DistinctCheck;

  it.each([
    ['uniq', { id: 'plain' }, 'count("id") - count(distinct "id")'],
    ['uniq', { id: 'text' }, 'count("id") - count(distinct hashtextextended("id"::text, 0))'],
    ['uniq', { id: 'other' }, undefined],
    ['uniq', {}, undefined],
    ['uniq_where', { id: 'plain' }, 'count("id") filter (where (id > 0)) - count(distinct "id") filter (where (id > 0))'],
    ['combo', { a: 'plain', b: 'text' }, 'count(*) - count(distinct hash_record_extended(row("a", "b"), 0))'],
    ['combo', { a: 'plain', b: 'other' }, undefined],
    // All text: per-column hashes with their own seeds, NULL grouped as 0, XORed.
    ['combo', { a: 'text', b: 'text' }, 'count(*) - count(distinct coalesce(hashtextextended("a"::text, 0), 0) # coalesce(hashtextextended("b"::text, 1), 0))'],
  ] as Array<[string, Record<string, ColumnKind>, string | undefined]>)('%s with %j → %s', (name, kinds, expr) => {
    expect(distinctExpr(distinct(name), columns(kinds))).toBe(expr);
  });

  it('needs PostgreSQL 14 for several columns (hash_record_extended)', () => {
    expect(distinctExpr(distinct('combo'), columns({ a: 'plain', b: 'plain' }, 130011))).toBeUndefined();
    // Text columns need no record hash.
    expect(distinctExpr(distinct('combo'), columns({ a: 'text', b: 'text' }, 130011))).toMatch(/^count\(\*\) - count\(distinct coalesce/);
    expect(distinctExpr(distinct('uniq'), columns({ id: 'plain' }, 130011))).toBe('count("id") - count(distinct "id")');
  });

  it.each([
    [{ type: 'int4', collatable: false, deterministic: true }, 'plain'],
    [{ type: 'numeric', collatable: false, deterministic: true }, 'plain'],
    [{ type: 'text', collatable: true, deterministic: true }, 'text'],
    [{ type: 'varchar', collatable: true, deterministic: true }, 'text'],
    [{ type: 'bpchar', collatable: true, deterministic: true }, 'text'],
    [{ type: 'text', collatable: true, deterministic: false }, 'other'],
    [{ type: 'citext', collatable: true, deterministic: true }, 'other'],
    [{ type: '_text', collatable: true, deterministic: true }, 'other'],
  ] as const)('columnKind(%j) = %s', (row, kind) => {
    expect(columnKind(row)).toBe(kind);
  });
});

describe('fusedScanSql', () => {
  const uniq = { testId: 'test.u.uniq', expr: 'count("id") - count(distinct "id")' };

  it('row checks alone: one select over the relation', () => {
    expect(fusedScanSql('"an"."m"', [check('nn') as RowCheck, check('prop') as RowCheck], [])).toBe(
      [
        'select',
        '  count(*) filter (where (a > 1) and ("id" is null)) as t0,  -- test.u.nn',
        '  case when (count(*) filter (where ("amount" is not null)))::numeric / nullif(count(*), 0) < 0.95 then 1 else 0 end as t1  -- test.u.prop',
        'from "an"."m"',
      ].join('\n'),
    );
  });

  it('distinct checks alone: one select over the relation', () => {
    expect(fusedScanSql('"an"."m"', [], [uniq])).toBe(['select', '  count("id") - count(distinct "id") as t0  -- test.u.uniq', 'from "an"."m"'].join('\n'));
  });

  it('both: a union of the row branch and the one-row distinct branch, row checks first', () => {
    expect(fusedScanSql('"an"."m"', [check('nn') as RowCheck, check('prop') as RowCheck], [uniq, { testId: 'test.u.combo', expr: 'X' }])).toBe(
      [
        'select',
        '  count(*) filter (where r0) as t0,  -- test.u.nn',
        '  case when (count(*) filter (where r1))::numeric / nullif(count(*) filter (where r2), 0) < 0.95 then 1 else 0 end as t1,  -- test.u.prop',
        '  max(d0) as t2,  -- test.u.uniq',
        '  max(d1) as t3  -- test.u.combo',
        'from (',
        '  select',
        '    (a > 1) and ("id" is null) as r0,',
        '    ("amount" is not null) as r1,',
        '    true as r2,',
        '    null::bigint as d0,',
        '    null::bigint as d1',
        '  from "an"."m"',
        '  union all',
        '  select',
        '    null, null, null,',
        '    count("id") - count(distinct "id"),  -- test.u.uniq',
        '    X  -- test.u.combo',
        '  from "an"."m"',
        ') fused_scan',
      ].join('\n'),
    );
  });

  it('raises work_mem for the transaction, never lowering it', () => {
    expect(workMemSql('256MB')).toBe(
      "select set_config('work_mem', '256MB', true) where pg_size_bytes(current_setting('work_mem')) < pg_size_bytes('256MB')",
    );
  });
});

describe('per-test statements', () => {
  const sql = 'select "id"\nfrom "an"."m"\nwhere "id" is null';

  it('counts failures the way dbt does, with limit inside the wrapper', () => {
    expect(countSql(sql)).toBe(`select count(*) as failures from (\n${sql}\n) dbt_internal_test`);
    expect(countSql(sql, 10)).toBe(`select count(*) as failures from (\n${sql}\nlimit 10\n) dbt_internal_test`);
  });

  it('drops a trailing semicolon and whitespace (it would close the subquery early)', () => {
    expect(countSql(`${sql};  \n\n`)).toBe(countSql(sql));
  });

  it('fetches at most 5 failing rows, fewer when the limit is lower', () => {
    expect(failingRowsSql(sql)).toBe(`select * from (\n${sql}\n) dbt_internal_test\nlimit 5`);
    expect(failingRowsSql(sql, 2)).toBe(`select * from (\n${sql}\nlimit 2\n) dbt_internal_test\nlimit 2`);
    expect(failingRowsSql(sql, 50)).toMatch(/\nlimit 50\n\) dbt_internal_test\nlimit 5$/);
  });

  it('counts failures and fetches the first rows in one statement, the test\'s SQL on line 2, with no LIMIT over the count', () => {
    const head = 'select * from (select *, count(*) over () as strata_failures__, row_number() over () as strata_row__ from (select * from (';
    const tail = ') dbt_internal_test limit 100001) capped) counted';
    expect(countAndRowsSql(sql)).toBe(`${head}\n${sql}\n${tail}\nwhere strata_row__ <= 5`);
    expect(countAndRowsSql(sql, 2)).toBe(`${head}\n${sql}\nlimit 2\n${tail}\nwhere strata_row__ <= 2`);
    expect(countAndRowsSql(`${sql};\n`, 0)).toBe(`${head}\n${sql}\nlimit 0\n${tail}\nwhere strata_row__ <= 0`);
    expect(countAndRowsSql(sql).split('\n')[1]).toBe(sql.split('\n')[0]);
  });

  it('replaces stored failures with drop + create in one string', () => {
    expect(storeFailuresSql(sql, undefined, '"an_test_failures"."nn"')).toBe(
      `drop table if exists "an_test_failures"."nn";\ncreate table "an_test_failures"."nn" as\nselect * from (\n${sql}\n) dbt_internal_test`,
    );
  });
});
