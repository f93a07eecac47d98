import { describe, expect, it } from 'vitest';
import { classifyValue, inferColumnType, isNullValue, Kind, mergeKinds, TypeTracker } from '../../../src/seeds/infer-types.js';

describe('isNullValue (dbt: "" and "null", any case, blanks ignored)', () => {
  it.each([
    ['', true],
    ['   ', true],
    ['\t', true],
    ['null', true],
    ['NULL', true],
    [' Null ', true],
    ['nul', false],
    ['nulls', false],
    ['none', false],
    ['NA', false],
    ['0', false],
    ['x', false],
    [' x ', false],
  ])('%j -> %s', (value, expected) => {
    expect(isNullValue(value)).toBe(expected);
  });
});

describe('classifyValue', () => {
  it.each<[string, Kind]>([
    ['0', Kind.INT4],
    ['42', Kind.INT4],
    ['-7', Kind.INT4],
    ['+7', Kind.INT4],
    [' 12 ', Kind.INT4],
    ['007', Kind.INT4],
    ['2147483647', Kind.INT4],
    ['-2147483648', Kind.INT4],
    ['2147483648', Kind.INT8],
    ['-2147483649', Kind.INT8],
    ['00000000002147483647', Kind.INT4],
    ['9223372036854775807', Kind.INT8],
    ['-9223372036854775808', Kind.INT8],
    ['9223372036854775808', Kind.NUMERIC],
    ['1.5', Kind.NUMERIC],
    ['-0.25', Kind.NUMERIC],
    ['.5', Kind.NUMERIC],
    ['1.', Kind.NUMERIC],
    ['1e5', Kind.NUMERIC],
    ['2.5E-3', Kind.NUMERIC],
    ['1,000', Kind.TEXT],
    ['$5', Kind.TEXT],
    ['5%', Kind.TEXT],
    ['1_000', Kind.TEXT],
    ['0x1F', Kind.TEXT],
    ['NaN', Kind.TEXT],
    ['-', Kind.TEXT],
    ['.', Kind.TEXT],
    ['true', Kind.BOOLEAN],
    ['FALSE', Kind.BOOLEAN],
    ['True', Kind.BOOLEAN],
    ['yes', Kind.TEXT],
    ['t', Kind.TEXT],
    ['2024-02-29', Kind.DATE],
    ['2024-1-5', Kind.DATE],
    ['2023-02-29', Kind.TEXT],
    ['2024-13-01', Kind.TEXT],
    ['0000-01-01', Kind.TEXT],
    ['2024/01/01', Kind.TEXT],
    ['20240101', Kind.INT4],
    ['2024-01-02 03:04:05', Kind.TIMESTAMP],
    ['2024-01-02T03:04:05', Kind.TIMESTAMP],
    ['2024-01-02T03:04', Kind.TIMESTAMP],
    ['2024-01-02 03:04:05.123456', Kind.TIMESTAMP],
    ['2024-01-02T03:04:05Z', Kind.TIMESTAMPTZ],
    ['2024-01-02 03:04:05+02:00', Kind.TIMESTAMPTZ],
    ['2024-01-02T03:04:05.5-0530', Kind.TIMESTAMPTZ],
    ['2024-01-02 25:00:00', Kind.TEXT],
    ['2024-01-02 10:61:00', Kind.TEXT],
    ['2024-01-02T', Kind.TEXT],
    ['hello', Kind.TEXT],
  ])('%j -> %s', (value, kind) => {
    expect(classifyValue(value)).toBe(kind);
  });
});

describe('mergeKinds', () => {
  it('widens within a family and falls back to text across families', () => {
    expect(mergeKinds(Kind.NONE, Kind.DATE)).toBe(Kind.DATE);
    expect(mergeKinds(Kind.INT4, Kind.INT8)).toBe(Kind.INT8);
    expect(mergeKinds(Kind.NUMERIC, Kind.INT4)).toBe(Kind.NUMERIC);
    expect(mergeKinds(Kind.TIMESTAMP, Kind.TIMESTAMPTZ)).toBe(Kind.TIMESTAMPTZ);
    expect(mergeKinds(Kind.DATE, Kind.TIMESTAMP)).toBe(Kind.TEXT);
    expect(mergeKinds(Kind.INT4, Kind.BOOLEAN)).toBe(Kind.TEXT);
    expect(mergeKinds(Kind.TEXT, Kind.NONE)).toBe(Kind.TEXT);
  });
});

describe('inferColumnType (whole columns, the way dbt types seed columns)', () => {
  it.each<[string, string[], string]>([
    ['small integers', ['1', '2', '-3'], 'integer'],
    ['1/0 stays integer (Number before Boolean)', ['1', '0', '1'], 'integer'],
    ['one value beyond int4', ['1', '3000000000'], 'bigint'],
    ['beyond int8', ['1', '99999999999999999999'], 'numeric'],
    ['integers and decimals', ['1', '2.50'], 'numeric'],
    ['true/false any case', ['true', 'False', 'TRUE'], 'boolean'],
    ['yes/no is text', ['yes', 'no'], 'text'],
    ['booleans and 1/0 mixed', ['true', '1'], 'text'],
    ['dates', ['2024-01-01', '2024-12-31'], 'date'],
    ['timestamps', ['2024-01-01 00:00:00', '2024-01-01T12:30:00'], 'timestamp without time zone'],
    ['timestamps with and without offset', ['2024-01-01 00:00:00', '2024-01-01T12:30:00Z'], 'timestamp with time zone'],
    ['dates mixed with timestamps (dbt: text)', ['2024-01-01', '2024-01-01 10:00:00'], 'text'],
    ['empty strings and nulls ignored', ['', '5', 'null', '  ', 'NULL'], 'integer'],
    ['all null', ['', 'null'], 'text'],
    ['no values at all', [], 'text'],
    ['one text value spoils it', ['1', '2', 'three'], 'text'],
    ['currency is text', ['$1', '$2'], 'text'],
  ])('%s', (_name, values, type) => {
    expect(inferColumnType(values)).toBe(type);
  });
});

describe('TypeTracker', () => {
  it('tracks several columns and leaves forced columns alone', () => {
    const t = new TypeTracker(4, [false, false, true, false]);
    t.add(['1', 'a', 'x', '']);
    t.add(['2.5', '2024-01-01', 'y', 'true']);
    t.add(['3', 'b', 'z', '']);
    expect(t.types()).toEqual(['numeric', 'text', 'text', 'boolean']);
  });
});
