/**
 * The first failing rows of a test as a small aligned text table, psql style (pure):
 *
 *    id | status   | amount
 *   ----+----------+--------
 *     7 | unknown  |   12.5
 *     9 | null     |      3
 *
 * Numbers are right-aligned, SQL NULL prints as `null`, control characters are shown escaped
 * (a newline inside a value must not break the table) and long values are cut with `…`, so one
 * wide JSON column cannot push the table off the terminal.
 */
import type { Row } from '../adapters/postgres/index.js';
import { FAILING_ROWS_SHOWN } from './test-sql.js';

export interface RowsTableOptions {
  /** At most this many rows (default 5). */
  maxRows?: number;
  /** Values longer than this many characters are truncated (default 40). */
  maxWidth?: number;
  /** The test's failure count: adds `(showing 5 of 120)` when more rows failed than are shown. */
  total?: number;
}

const DEFAULT_WIDTH = 40;

function text(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Control characters as escapes: `\n`, `\t`, `\u0001`. */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

const width = (s: string): number => [...s].length;

function pad(s: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return right ? fill + s : s + fill;
}

export function formatRowsTable(failing: { columns: string[]; rows: Row[] }, opts: RowsTableOptions = {}): string {
  const maxRows = opts.maxRows ?? FAILING_ROWS_SHOWN;
  const maxWidth = opts.maxWidth ?? DEFAULT_WIDTH;
  const { columns } = failing;
  if (!columns.length) return '(no columns)';
  const rows = failing.rows.slice(0, maxRows);
  const header = columns.map((c) => truncate(visible(c), maxWidth));
  const cells = rows.map((r) => columns.map((c) => truncate(visible(text(r[c])), maxWidth)));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number' || typeof r[c] === 'bigint' || r[c] === null));
  const widths = columns.map((_, i) => Math.max(width(header[i]!), ...cells.map((row) => width(row[i]!))));
  const line = (values: string[], alignRight: boolean[]) =>
    values.map((v, i) => ` ${pad(v, widths[i]!, alignRight[i]!)} `).join('|').trimEnd();
  const out = [
    line(header, columns.map(() => false)),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
    ...cells.map((row) => line(row, numeric)),
  ];
  if (!rows.length) out.push('(no rows)');
  const total = opts.total ?? failing.rows.length;
  if (total > rows.length && rows.length) out.push(`(showing ${rows.length} of ${total})`);
  return out.join('\n');
}
