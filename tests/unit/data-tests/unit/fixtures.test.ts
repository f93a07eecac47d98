import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dictRows, FixtureError, parseCsvRows, parseRowsSpec } from '../../../../src/data-tests/unit/fixtures.js';

const noFixtures = { projectDir: '/nonexistent', testPaths: ['tests'] };

describe('parseCsvRows', () => {
  it('header line names the columns; values are strings; empty and null are NULL; fields trimmed', () => {
    expect(parseCsvRows('id, name ,amount\n1, a ,\n2,"b, c",NULL\n\n3,x,1.5\n')).toEqual({
      columns: ['id', 'name', 'amount'],
      rows: [
        { id: '1', name: 'a', amount: null },
        { id: '2', name: 'b, c', amount: null },
        { id: '3', name: 'x', amount: '1.5' },
      ],
    });
  });

  it('header only: columns, no rows; empty text: nothing', () => {
    expect(parseCsvRows('id,name\n')).toEqual({ columns: ['id', 'name'], rows: [] });
    expect(parseCsvRows('')).toEqual({ columns: [], rows: [] });
  });

  it('a row with the wrong number of fields is an error', () => {
    expect(() => parseCsvRows('id,name\n1\n')).toThrow(FixtureError);
    expect(() => parseCsvRows('id,name\n1\n')).toThrow(/invalid CSV/);
  });

  it('duplicate or empty header names are errors', () => {
    expect(() => parseCsvRows('id,id\n1,2')).toThrow(/column 'id' appears twice/);
    expect(() => parseCsvRows('id,,x\n1,2,3')).toThrow(/has no name/);
  });
});

describe('dictRows', () => {
  it('columns in order of first appearance; missing keys stay missing (NULL)', () => {
    expect(dictRows([{ a: 1 }, { b: 2, a: 3 }])).toEqual({ columns: ['a', 'b'], rows: [{ a: 1 }, { b: 2, a: 3 }] });
  });
  it('no rows', () => {
    expect(dictRows(undefined)).toEqual({ columns: [], rows: [] });
    expect(dictRows([])).toEqual({ columns: [], rows: [] });
  });
  it('a string without format: csv is an error with a hint', () => {
    try {
      dictRows('id\n1');
      expect.unreachable();
    } catch (e) {
      expect((e as FixtureError).message).toMatch(/rows must be a list of mappings/);
      expect((e as FixtureError).hint).toMatch(/format: csv/);
    }
  });
  it('a row that is not a mapping is an error', () => {
    expect(() => dictRows([{ a: 1 }, [1, 2]])).toThrow(/row 2 is not a mapping/);
  });
});

describe('parseRowsSpec', () => {
  const made: string[] = [];
  afterEach(() => {
    while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
  });
  const project = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-fixtures-'));
    made.push(dir);
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    return { projectDir: dir, testPaths: ['tests'] };
  };

  it('dict (default), csv and sql', () => {
    expect(parseRowsSpec({ rows: [{ id: 1 }] }, noFixtures)).toEqual({ format: 'dict', columns: ['id'], rows: [{ id: 1 }] });
    expect(parseRowsSpec({ format: 'csv', rows: 'id\n1\n' }, noFixtures)).toEqual({ format: 'csv', columns: ['id'], rows: [{ id: '1' }] });
    expect(parseRowsSpec({ format: 'sql', rows: 'select 1 as id;\n' }, noFixtures)).toEqual({ format: 'sql', sql: 'select 1 as id' });
  });

  it('errors: unknown format, csv without text, sql without a query, rows and fixture together', () => {
    expect(() => parseRowsSpec({ format: 'xml', rows: [] }, noFixtures)).toThrow(/unknown format 'xml'/);
    expect(() => parseRowsSpec({ format: 'csv', rows: [{ a: 1 }] }, noFixtures)).toThrow(/format: csv needs rows as CSV text/);
    expect(() => parseRowsSpec({ format: 'sql' }, noFixtures)).toThrow(/format: sql needs rows as a query/);
    expect(() => parseRowsSpec({ format: 'csv', rows: 'a', fixture: 'f' }, noFixtures)).toThrow(/both rows and fixture/);
  });

  it('fixtures are read from <test-path>/fixtures/, at any depth', () => {
    const fx = project({ 'tests/fixtures/sub/orders.csv': 'id,amount\n1,10\n', 'tests/fixtures/q.sql': 'select 2 as id\n' });
    expect(parseRowsSpec({ format: 'csv', fixture: 'orders' }, fx)).toEqual({ format: 'csv', columns: ['id', 'amount'], rows: [{ id: '1', amount: '10' }] });
    expect(parseRowsSpec({ format: 'sql', fixture: 'q' }, fx)).toEqual({ format: 'sql', sql: 'select 2 as id' });
    // without format: whichever file exists
    expect(parseRowsSpec({ fixture: 'q' }, fx)).toEqual({ format: 'sql', sql: 'select 2 as id' });
    expect(() => parseRowsSpec({ format: 'csv', fixture: 'nope' }, fx)).toThrow("fixture 'nope' not found (looked for tests/fixtures/**/nope.csv)");
    expect(() => parseRowsSpec({ format: 'dict', fixture: 'orders' }, fx)).toThrow(/needs format: csv or format: sql/);
  });
});
