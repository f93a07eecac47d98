import { describe, expect, it } from 'vitest';
import { csvValueKind, dictValueKind, foldIdentifier, inferGivenType, planGivenTable, sqlLiteral } from '../../../../src/data-tests/unit/values.js';
import { Kind } from '../../../../src/seeds/infer-types.js';

describe('inferGivenType: format dict (YAML values keep their type)', () => {
  it.each<[unknown[], string]>([
    [[1, 2, 3], 'integer'],
    [[1, 3_000_000_000], 'bigint'],
    [[1, 1.5], 'numeric'],
    [[0.25], 'numeric'],
    [[true, false], 'boolean'],
    [['2020-01-01', '2021-12-31'], 'date'],
    [['2020-01-01 10:00:00', '2020-01-01T11:30'], 'timestamp without time zone'],
    [['2020-01-01T10:00:00Z'], 'timestamp with time zone'],
    [['2020-01-01', '2020-01-01 10:00:00'], 'text'],
    [['a', 'b'], 'text'],
    [['1', '2'], 'text'],
    [['true'], 'text'],
    [[1, 'a'], 'text'],
    [[null, 2, undefined], 'integer'],
    [[null, null], 'text'],
    [[], 'text'],
    [[{ a: 1 }, [1, 2], null], 'jsonb'],
    [[{ a: 1 }, 'x'], 'text'],
    [[new Date('2020-01-01T00:00:00Z')], 'date'],
    [[new Date('2020-01-01T10:00:00Z')], 'timestamp with time zone'],
  ])('%j -> %s', (values, type) => {
    expect(inferGivenType(values, 'dict')).toBe(type);
  });

  it('a month 13 is not a date', () => {
    expect(dictValueKind('2020-13-01')).toBe(Kind.TEXT);
  });
});

describe('inferGivenType: format csv (strings classified like seeds)', () => {
  it.each<[Array<string | null>, string]>([
    [['1', '2'], 'integer'],
    [['1', '2.5'], 'numeric'],
    [['true', 'False'], 'boolean'],
    [['2020-01-01', null], 'date'],
    [['2020-01-01 10:00:00'], 'timestamp without time zone'],
    [['007'], 'integer'],
    [['a', '1'], 'text'],
    [[null], 'text'],
  ])('%j -> %s', (values, type) => {
    expect(inferGivenType(values, 'csv')).toBe(type);
  });

  it('null stays NONE', () => {
    expect(csvValueKind(null)).toBe(Kind.NONE);
  });
});

describe('sqlLiteral', () => {
  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'null'],
    [1, "'1'"],
    [1.5, "'1.5'"],
    [true, "'true'"],
    ["it's", "'it''s'"],
    ['a\\b', "E'a\\\\b'"],
    [{ a: [1, 'x'] }, `'{"a":[1,"x"]}'`],
    [new Date('2020-01-02T00:00:00Z'), "'2020-01-02'"],
    [new Date('2020-01-02T03:04:05Z'), "'2020-01-02T03:04:05.000Z'"],
  ])('%j -> %s', (v, sql) => {
    expect(sqlLiteral(v)).toBe(sql);
  });
});

describe('foldIdentifier', () => {
  it('folds plain identifiers like PostgreSQL folds unquoted names, keeps others', () => {
    expect(foldIdentifier('Customer_ID')).toBe('customer_id');
    expect(foldIdentifier('Customer ID')).toBe('Customer ID');
    expect(foldIdentifier('a-b')).toBe('a-b');
  });
});

describe('planGivenTable', () => {
  const rows = [{ ID: 1, name: 'a', amount: 1.5 }, { ID: 2, created: '2020-01-01' }];
  const keys = ['ID', 'name', 'amount', 'created'];

  it('without a relation in the database: given columns in order, types inferred, declared types win', () => {
    const plan = planGivenTable(keys, rows, 'dict', undefined, { amount: 'numeric(10,2)', extra: undefined });
    expect(plan.columns).toEqual([
      { name: 'id', type: 'integer', from: 'inferred' },
      { name: 'name', type: 'text', from: 'inferred' },
      { name: 'amount', type: 'numeric(10,2)', from: 'declared' },
      { name: 'created', type: 'date', from: 'inferred' },
      { name: 'extra', type: 'text', from: 'inferred', untyped: true },
    ]);
    expect(plan.keyToColumn.get('ID')).toBe('id');
  });

  it('with the relation in the database: its columns and types first, given-only columns after', () => {
    const catalog = [
      { name: 'id', type: 'bigint' },
      { name: 'status', type: 'character varying(10)' },
      { name: 'name', type: 'text' },
    ];
    const plan = planGivenTable(keys, rows, 'dict', catalog, { created: 'timestamp' });
    expect(plan.columns).toEqual([
      { name: 'id', type: 'bigint', from: 'database' },
      { name: 'status', type: 'character varying(10)', from: 'database' },
      { name: 'name', type: 'text', from: 'database' },
      { name: 'amount', type: 'numeric', from: 'inferred' },
      { name: 'created', type: 'timestamp', from: 'declared' },
    ]);
  });

  it('two keys for the same column are an error', () => {
    expect(() => planGivenTable(['id', 'ID'], [], 'dict', undefined)).toThrow(/'id' and 'ID' are the same column 'id'/);
  });
});
