import { describe, expect, it } from 'vitest';
import { formatRowsTable } from '../../../src/data-tests/report.js';
import { shortIdentifier } from '../../../src/data-tests/store-failures.js';

describe('formatRowsTable', () => {
  it('aligns columns psql style, numbers to the right, NULL as null', () => {
    const table = formatRowsTable({
      columns: ['id', 'status', 'amount'],
      rows: [
        { id: 7, status: 'unknown', amount: '12.50' },
        { id: 10, status: null, amount: null },
      ],
    });
    expect(table).toBe(
      [
        ' id | status  | amount',
        '----+---------+--------',
        '  7 | unknown | 12.50',
        ' 10 | null    | null',
      ].join('\n'),
    );
  });

  it('shows at most 5 rows and says how many failed in all', () => {
    const rows = Array.from({ length: 8 }, (_, i) => ({ n: i }));
    const lines = formatRowsTable({ columns: ['n'], rows }, { total: 120 }).split('\n');
    expect(lines).toHaveLength(2 + 5 + 1);
    expect(lines.at(-1)).toBe('(showing 5 of 120)');
    expect(formatRowsTable({ columns: ['n'], rows: rows.slice(0, 2) }, { total: 2 })).not.toContain('showing');
  });

  it('truncates long values and escapes line breaks', () => {
    const table = formatRowsTable({ columns: ['doc'], rows: [{ doc: 'x'.repeat(100) }, { doc: 'a\nb\tc' }, { doc: { k: [1, 2] } }] }, { maxWidth: 10 });
    const lines = table.split('\n');
    expect(lines[2]).toBe(` ${'x'.repeat(9)}…`);
    expect(lines[3]).toBe(' a\\nb\\tc');
    expect(lines[4]).toBe(' {"k":[1,2…');
    expect(lines.every((l) => [...l].length <= 12)).toBe(true);
  });

  it('prints buffers as hex and an empty result as (no rows)', () => {
    expect(formatRowsTable({ columns: ['b'], rows: [{ b: Buffer.from([0xde, 0xad]) }] }).split('\n')[2]).toBe(' \\xdead');
    expect(formatRowsTable({ columns: ['a', 'b'], rows: [] })).toBe(' a | b\n---+---\n(no rows)');
  });
});

describe('shortIdentifier', () => {
  it('keeps names of up to 63 bytes', () => {
    expect(shortIdentifier('x'.repeat(63))).toBe('x'.repeat(63));
  });

  it('cuts longer names (in bytes, on a character boundary) and appends a hash', () => {
    const a = shortIdentifier(`${'x'.repeat(70)}_a`);
    const b = shortIdentifier(`${'x'.repeat(70)}_b`);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^x{54}_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    const wide = shortIdentifier('é'.repeat(40));
    expect(Buffer.byteLength(wide)).toBeLessThanOrEqual(63);
    expect(wide).toMatch(/^é{27}_[0-9a-f]{8}$/);
  });
});
