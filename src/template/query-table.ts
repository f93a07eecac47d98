/**
 * What `run_query()` returns to templates: the shape dbt macros use of agate tables —
 * `results.columns[0].values()`, `results.column_names`, `for row in results.rows` with `row[0]`
 * or `row['name']`, `results | length`.
 */
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

export function toQueryTable(result: RunQueryResult): QueryTable {
  const rows = result.rows.map((record) => {
    // An array (row[0]) that also answers by column name (row['state']), like an agate Row.
    const row = result.columns.map((c) => record[c]);
    const named = row as unknown as Record<string, unknown>;
    for (const c of result.columns) if (!/^\d+$/.test(c) && c !== 'length') named[c] = record[c];
    return row;
  });
  return new QueryTable(result.columns, rows);
}
