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

/** PostgreSQL's bigint and numeric, which the driver gives as text. */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * A bigint or numeric value as a number, as dbt's agate gives a Decimal that templates do
 * arithmetic with (`{{ max_id + 1 }}`; a text there is Python's TypeError). A bigint past 2^53,
 * or NaN / infinite numerics, stay text; a numeric written with decimals whose value is whole
 * (`3.00`) is a float (`3.0`; agate's Decimal prints `3.00`).
 */
function numberOf(value: unknown, type: number | undefined): unknown {
  if (typeof value !== 'string' || (type !== INT8 && type !== NUMERIC)) return value;
  const n = Number(value);
  if (type === INT8) return Number.isSafeInteger(n) ? n : value;
  const decimals = /[.eE]/.test(value);
  if (!Number.isFinite(n) || (!decimals && !Number.isSafeInteger(n))) return value;
  return decimals ? toFloat(n) : n;
}

export function toQueryTable(result: RunQueryResult): QueryTable {
  const rows = result.rows.map((record) => {
    // An array (row[0]) that also answers by column name (row['state']), like an agate Row.
    const row = result.columns.map((c, i) => numberOf(record[c], result.types?.[i]));
    const named = row as unknown as Record<string, unknown>;
    result.columns.forEach((c, i) => {
      if (!/^\d+$/.test(c) && c !== 'length') named[c] = row[i];
    });
    return row;
  });
  return new QueryTable(result.columns, rows);
}
