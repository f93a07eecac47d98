/**
 * What `run_query()` returns to templates: the shape dbt macros use of agate tables —
 * `results.columns[0].values()`, `results.column_names`, `for row in results.rows` with `row[0]`
 * or `row['name']`, `results | length`.
 */
import { toFloat } from './python-float.js';
import type { RunQueryResult } from './render-state.js';

/** A column of the result: `.name` and `.values()`, as agate's Column. */
export class QueryColumn {
  constructor(readonly name: string, readonly index: number, readonly rows: unknown[][]) {}
  values(): unknown[] {
    return this.rows.map((r) => r[this.index]);
  }
}

export class QueryTable {
  constructor(readonly column_names: string[], readonly rows: unknown[][]) {}
  get columns(): QueryColumn[] {
    return this.column_names.map((name, i) => new QueryColumn(name, i, this.rows));
  }
  get length(): number {
    return this.rows.length;
  }
}

/** Type oids of PostgreSQL's numeric, float and date-time types. */
const NUMERIC = 1700;
const FLOAT4 = 700;
const FLOAT8 = 701;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/**
 * A value as dbt's agate table gives it to templates. The rows come read as the pool reads them
 * (sync-query.ts): a bigint is a number, or past 2^53 its text; a date its text (`2024-01-02`, as
 * Python prints a date); numeric the server's text.
 * - numeric: a number, as dbt's Decimal that templates do arithmetic with (`{{ max_id + 1 }}`; a
 *   text there is Python's TypeError). Written with decimals it is a float, also when whole (`3.00`
 *   is `3.0`; agate's Decimal prints `3.00`). Its integer digits must be exact: one past 2^53 (an
 *   integer, or decimals whose digits the double does not give back) stays text, as do NaN and
 *   the infinities. Below 2^53, decimals past a double's 17 digits are rounded as a float's are
 *   (`avg()`'s `0.33333333333333333333` is 0.3333333333333333), so arithmetic on them works.
 * - float4 / float8: a float, also when whole (`2.0`, as Python prints it).
 * - timestamp / timestamptz: the text Python prints for the datetime (`2024-01-02 03:04:05.120000+00:00`).
 */
function templateValue(value: unknown, type: number | undefined): unknown {
  if (type === FLOAT4 || type === FLOAT8) return typeof value === 'number' ? toFloat(value) : value;
  if (typeof value !== 'string') return value;
  if (type === TIMESTAMP || type === TIMESTAMPTZ) return pythonDatetimeText(value);
  if (type !== NUMERIC) return value;
  const n = Number(value);
  if (!/[.eE]/.test(value)) return Number.isSafeInteger(n) ? n : value;
  const exact = Math.abs(n) < 2 ** 53 || decimalDigits(value) === decimalDigits(String(n));
  return Number.isFinite(n) && exact ? toFloat(n) : value;
}

/** A decimal's value as its significant digits and the place of its point: `-0012.340` and `-1.234e1` are both `-1234e2`. */
function decimalDigits(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m) return text;
  const [, sign, whole = '', fraction = '', exponent = '0'] = m;
  const all = whole + fraction;
  const first = all.search(/[1-9]/);
  if (first < 0) return '0';
  return `${sign === '-' ? '-' : ''}${all.slice(first).replace(/0+$/, '')}e${whole.length - first + Number(exponent)}`;
}

/**
 * PostgreSQL's text of a timestamp (`2024-01-02 03:04:05.12+00`) as Python prints the datetime
 * psycopg2 gives dbt: microseconds in six digits when there are any, the offset as `+00:00`.
 * Other texts (`infinity`, a year BC, a DateStyle other than ISO) stay as they are.
 */
function pythonDatetimeText(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::\d{2}){0,2})?$/.exec(text);
  if (!m) return text;
  const [, clock, fraction, offset] = m;
  return `${clock}${fraction ? `.${fraction.padEnd(6, '0')}` : ''}${offset ? (offset.length === 3 ? `${offset}:00` : offset) : ''}`;
}

export function toQueryTable(result: RunQueryResult): QueryTable {
  // Each row also answers by column name (row['state']), like an agate Row: by every name but a
  // number's digits (row[0] is the first column) and `length`.
  const named = result.columns.flatMap((name, i) => (/^\d+$/.test(name) || name === 'length' ? [] : [[name, i] as const]));
  const rows = result.rows.map((record) => {
    const row = result.columns.map((c, i) => templateValue(record[c], result.types?.[i]));
    for (const [name, i] of named) (row as unknown as Record<string, unknown>)[name] = row[i];
    return row;
  });
  return new QueryTable(result.columns, rows);
}
