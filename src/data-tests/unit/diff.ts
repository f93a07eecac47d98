/**
 * The readable diff of a failed unit test: a summary line, then the differing rows as a small
 * table, `-` for an expected row the model did not return, `+` for a returned row that was not
 * expected. Values are shown normalised (as compared), NULL as `NULL`, an empty string as `''`.
 *
 *   expected 3 rows, got 3: 2 matched, 1 missing (-), 1 unexpected (+)
 *     id | amount
 *   - 2  | 20
 *   + 2  | 25
 */
import type { Row } from '../../adapters/postgres/index.js';
import type { RowComparison } from './compare.js';

const MAX_CELL = 40;

function cell(v: string | null): string {
  if (v === null) return 'NULL';
  if (v === '') return "''";
  const oneLine = v.replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
  return oneLine.length > MAX_CELL ? `${oneLine.slice(0, MAX_CELL - 1)}…` : oneLine;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `expected 3 rows, got 3: 2 matched, 1 missing (-), 1 unexpected (+)`. */
export function diffSummary(c: RowComparison): string {
  const missing = c.diff.filter((d) => d.sign === '-').length;
  const extra = c.diff.length - missing;
  const parts = [`${c.matched} matched`];
  if (missing) parts.push(`${missing} missing (-)`);
  if (extra) parts.push(`${extra} unexpected (+)`);
  return `expected ${plural(c.expectedCount, 'row')}, got ${c.actualCount}: ${parts.join(', ')}`;
}

/** The summary line and the aligned table of differing rows (at most `maxRows` of them). */
export function formatDiff(c: RowComparison, maxRows = 50): string {
  const shown = c.diff.slice(0, maxRows);
  const table = [c.columns.map((name) => name), ...shown.map((d) => d.values.map(cell))];
  const widths = c.columns.map((_, i) => Math.max(...table.map((r) => [...(r[i] ?? '')].length)));
  const line = (prefix: string, cells: string[]) =>
    `${prefix} ${cells.map((v, i) => v + ' '.repeat(Math.max(0, widths[i]! - [...v].length))).join(' | ')}`.trimEnd();
  const lines = [diffSummary(c), line(' ', table[0]!), ...shown.map((d, i) => line(d.sign, table[i + 1]!))];
  if (c.diff.length > shown.length) lines.push(`… ${plural(c.diff.length - shown.length, 'more differing row')}`);
  return lines.join('\n');
}

/** The first differing rows for the report: a `diff` column (`-` / `+`) then the compared columns. */
export function diffRows(c: RowComparison, limit = 5): { columns: string[]; rows: Row[] } {
  const signColumn = c.columns.includes('diff') ? '+/-' : 'diff';
  const rows = c.diff.slice(0, limit).map((d) => {
    const row: Row = { [signColumn]: d.sign };
    c.columns.forEach((name, i) => {
      row[name] = d.values[i] ?? null;
    });
    return row;
  });
  return { columns: [signColumn, ...c.columns], rows };
}
