import { describe, expect, it } from 'vitest';
import { canonicalNumber, compareColumns, compareRows, kindOfOid, normalizeValue, parsePgArray, type CompareColumn, type CompareKind } from '../../../../src/data-tests/unit/compare.js';

describe('canonicalNumber', () => {
  it.each<[string, string | undefined]>([
    ['1', '1'],
    ['1.0', '1'],
    ['01.500', '1.5'],
    ['+3', '3'],
    ['-0.0', '0'],
    ['-0.50', '-0.5'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['1e3', '1000'],
    ['1.5E-3', '0.0015'],
    ['-12.34e1', '-123.4'],
    ['123456789012345678901234567890.123', '123456789012345678901234567890.123'],
    ['NaN', 'NaN'],
    ['-Infinity', '-Infinity'],
    ['abc', undefined],
    ['', undefined],
    ['.', undefined],
    ['1.2.3', undefined],
  ])('%j -> %j', (text, out) => {
    expect(canonicalNumber(text)).toBe(out);
  });
});

describe('normalizeValue', () => {
  it.each<[unknown, CompareKind, string | null]>([
    [null, 'number', null],
    [undefined, 'text', null],
    [1, 'number', '1'],
    ['1.00', 'number', '1'],
    [1.5, 'number', '1.5'],
    ['x', 'number', 'x'],
    [true, 'boolean', 'true'],
    ['t', 'boolean', 'true'],
    ['FALSE', 'boolean', 'false'],
    [0, 'boolean', 'false'],
    ['2020-1-2', 'date', '2020-01-02'],
    ['2020-01-02 00:00:00', 'date', '2020-01-02'],
    ['2020-01-02 10:00:00', 'date', '2020-01-02 10:00:00'],
    [new Date('2020-01-02T00:00:00Z'), 'date', '2020-01-02'],
    ['2020-01-02T10:00', 'timestamp', '2020-01-02 10:00:00'],
    ['2020-01-02 10:00:00.500', 'timestamp', '2020-01-02 10:00:00.5'],
    ['2020-01-02', 'timestamp', '2020-01-02 00:00:00'],
    ['2020-01-02 12:00:00+02', 'timestamptz', '2020-01-02 10:00:00+00'],
    ['2020-01-02T10:00:00Z', 'timestamptz', '2020-01-02 10:00:00+00'],
    ['2020-01-02 10:00:00', 'timestamptz', '2020-01-02 10:00:00+00'],
    ['2020-01-01 23:30:00.25-01:00', 'timestamptz', '2020-01-02 00:30:00.25+00'],
    ['{"b":1,"a":[1,2]}', 'json', '{"a":[1,2],"b":1}'],
    [{ b: 1, a: [1, 2] }, 'json', '{"a":[1,2],"b":1}'],
    ['{1,2,NULL}', 'array', '["1","2",null]'],
    [[1, 2, null], 'array', '["1","2",null]'],
    [1, 'text', '1'],
    [true, 'text', 'true'],
    ['1.0', 'text', '1.0'],
    ['1.0', 'auto', '1'],
    [2, 'auto', '2'],
    ['abc', 'auto', 'abc'],
  ])('%j as %s -> %j', (v, kind, out) => {
    expect(normalizeValue(v, kind)).toBe(out);
  });
});

describe('parsePgArray', () => {
  it('splits elements, with quotes and NULL', () => {
    expect(parsePgArray('{a,"b, c",NULL,"x\\"y"}')).toEqual(['a', 'b, c', null, 'x"y']);
    expect(parsePgArray('{}')).toEqual([]);
    expect(parsePgArray('a,b')).toBeUndefined();
  });
});

describe('kindOfOid', () => {
  it('maps common types', () => {
    expect(kindOfOid(23)).toBe('number');
    expect(kindOfOid(1700)).toBe('number');
    expect(kindOfOid(16)).toBe('boolean');
    expect(kindOfOid(1082)).toBe('date');
    expect(kindOfOid(1184)).toBe('timestamptz');
    expect(kindOfOid(3802)).toBe('json');
    expect(kindOfOid(25)).toBe('text');
  });
});

describe('compareColumns', () => {
  it('matches expected columns exactly, else case-insensitively, and reports unknown ones', () => {
    const fields = [{ name: 'id', dataTypeID: 23 }, { name: 'Total', dataTypeID: 1700 }];
    expect(compareColumns(['ID', 'Total', 'nope'], fields)).toEqual({
      columns: [{ name: 'ID', actualName: 'id', kind: 'number' }, { name: 'Total', actualName: 'Total', kind: 'number' }],
      unknown: ['nope'],
    });
  });
});

describe('compareRows', () => {
  const cols: CompareColumn[] = [
    { name: 'id', actualName: 'id', kind: 'number' },
    { name: 'day', actualName: 'day', kind: 'date' },
    { name: 'ok', actualName: 'ok', kind: 'boolean' },
  ];

  it('only the expected columns, order-insensitive, values normalised', () => {
    const expected = [{ id: 2, day: '2020-01-02', ok: 'true' }, { id: 1, day: '2020-1-1', ok: false }];
    const actual = [
      { id: 1, day: '2020-01-01', ok: false, other: 'ignored' },
      { id: '2.0', day: '2020-01-02', ok: true, other: 'x' },
    ];
    const c = compareRows(expected, actual, cols);
    expect(c).toEqual({ columns: ['id', 'day', 'ok'], matched: 2, expectedCount: 2, actualCount: 2, diff: [] });
  });

  it('a missing column in an expected row is NULL', () => {
    const c = compareRows([{ id: 1 }], [{ id: 1, day: null, ok: null }], cols);
    expect(c.diff).toEqual([]);
  });

  it('multisets: duplicates count', () => {
    const one = [{ name: 'id', actualName: 'id', kind: 'number' as const }];
    const c = compareRows([{ id: 1 }, { id: 1 }, { id: 2 }], [{ id: 1 }, { id: 2 }, { id: 2 }], one);
    expect(c.matched).toBe(2);
    expect(c.diff).toEqual([{ sign: '-', values: ['1'] }, { sign: '+', values: ['2'] }]);
  });

  it('differences sorted by the first column (numbers numerically, NULL last), then `-` before `+`, then the rest', () => {
    const two: CompareColumn[] = [{ name: 'id', actualName: 'id', kind: 'number' }, { name: 'v', actualName: 'v', kind: 'text' }];
    const c = compareRows(
      [{ id: 10, v: 'a' }, { id: 2, v: 'b' }, { id: null, v: 'n' }],
      [{ id: 2, v: 'c' }, { id: 10, v: 'a' }, { id: 9, v: 'z' }],
      two,
    );
    expect(c.diff).toEqual([
      { sign: '-', values: ['2', 'b'] },
      { sign: '+', values: ['2', 'c'] },
      { sign: '+', values: ['9', 'z'] },
      { sign: '-', values: [null, 'n'] },
    ]);
    expect(c.matched).toBe(1);
  });

  it('a changed row shows its expected line first even when its actual value sorts lower', () => {
    const two: CompareColumn[] = [{ name: 'id', actualName: 'id', kind: 'number' }, { name: 'v', actualName: 'v', kind: 'number' }];
    const c = compareRows([{ id: 1, v: 6 }, { id: 1, v: 9 }], [{ id: 1, v: 5 }, { id: 1, v: 1 }], two);
    expect(c.diff.map((d) => `${d.sign}${d.values.join(',')}`)).toEqual(['-1,6', '-1,9', '+1,1', '+1,5']);
  });
});
