import { describe, expect, it } from 'vitest';
import { compareRows, type CompareColumn } from '../../../../src/data-tests/unit/compare.js';
import { diffRows, diffSummary, formatDiff } from '../../../../src/data-tests/unit/diff.js';

const cols: CompareColumn[] = [
  { name: 'id', actualName: 'id', kind: 'number' },
  { name: 'status', actualName: 'status', kind: 'text' },
  { name: 'amount', actualName: 'amount', kind: 'number' },
];

describe('formatDiff', () => {
  it('summary, header and aligned rows: - expected but missing, + actual but not expected', () => {
    const c = compareRows(
      [{ id: 1, status: 'paid', amount: 10 }, { id: 2, status: 'paid', amount: 20 }, { id: 3, status: 'refunded', amount: 5 }],
      [{ id: 1, status: 'paid', amount: '10.00' }, { id: 2, status: 'paid', amount: '25.00' }, { id: 3, status: 'refunded', amount: 5 }, { id: 4, status: '', amount: null }],
      cols,
    );
    expect(formatDiff(c)).toBe([
      'expected 3 rows, got 4: 2 matched, 1 missing (-), 2 unexpected (+)',
      '  id | status | amount',
      '- 2  | paid   | 20',
      '+ 2  | paid   | 25',
      "+ 4  | ''     | NULL",
    ].join('\n'));
    expect(diffSummary(c)).toBe('expected 3 rows, got 4: 2 matched, 1 missing (-), 2 unexpected (+)');
  });

  it('long values are cut, line breaks shown as \\n, and at most maxRows rows are listed', () => {
    const one: CompareColumn[] = [{ name: 'v', actualName: 'v', kind: 'text' }];
    const c = compareRows([{ v: 'x'.repeat(60) }, { v: 'a\nb' }, { v: 'c' }], [], one);
    expect(formatDiff(c, 2)).toBe([
      'expected 3 rows, got 0: 0 matched, 3 missing (-)',
      `  v`,
      '- a\\nb',
      '- c',
      '… 1 more differing row',
    ].join('\n'));
    expect(formatDiff(c).split('\n')[4]).toBe(`- ${'x'.repeat(39)}…`);
  });
});

describe('diffRows', () => {
  it('the first differing rows with a diff column for the report', () => {
    const c = compareRows([{ id: 1, status: 'a', amount: 1 }], [{ id: 1, status: 'b', amount: 1 }], cols);
    expect(diffRows(c)).toEqual({
      columns: ['diff', 'id', 'status', 'amount'],
      rows: [{ diff: '-', id: '1', status: 'a', amount: '1' }, { diff: '+', id: '1', status: 'b', amount: '1' }],
    });
  });
  it('uses +/- when a compared column is called diff', () => {
    const c = compareRows([{ diff: 1 }], [], [{ name: 'diff', actualName: 'diff', kind: 'number' }]);
    expect(diffRows(c).columns).toEqual(['+/-', 'diff']);
  });
});
